"""The life of a run in the warehouse: lock, record, publish atomically, compare with the run before.

- One run per (flow, period) at a time: a lock row in `run_locks` (both engines), plus a session-level
  advisory lock on PostgreSQL so a lock held by a dead process is released by the server itself.
  A lock or `running` row left by a process that is gone is reaped (its run marked `failed`).
- A succeeded run writes all its result rows, its quarantine and data-quality rows, its fingerprints
  and revisions, and switches `published`, in ONE transaction: a reader sees all of it or none.
- At most one published run per (flow, period): enforced by a partial unique index as well.
"""
from __future__ import annotations

import os
import socket
import time
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kinerja import db
from kinerja.periods import Period

RESULT_TABLES = ("employee_scores", "indicator_scores", "aspect_scores", "rater_type_scores",
                 "feedback_comments", "attendance_monthly", "discipline_alerts", "unit_scores",
                 "run_units", "run_employees", "run_unit_heads", "run_indicators", "award_candidates",
                 "training_needs", "calibration_flags", "activity_monthly")
REVISION_SKIP = ("run_id", "period")
HOST = socket.gethostname()
# Runs this process is executing now: a run row of this pid that is not here belongs to a run that
# crashed inside a process that lives on (e.g. the database vanished mid-run), so it can be reaped.
ACTIVE_RUNS: set[str] = set()


class RunInProgress(RuntimeError):
    """Another run of the same flow and period holds the lock (CLI exit 4)."""


def now_local(tz) -> datetime:
    return datetime.now(tz).replace(tzinfo=None, microsecond=0)


def new_run_id(flow: str, period: Period, started_at: datetime) -> str:
    return f"{flow}-{period.code}-{started_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def pid_alive(pid: int | None, host: str | None, run_id: str | None = None) -> bool:
    """Whether the process that holds a run (or lock) is still there; another host's counts as alive."""
    if pid is None or host != HOST:
        return host is not None and host != HOST  # another machine's run: assume alive
    if int(pid) == os.getpid():
        return run_id is None or run_id in ACTIVE_RUNS
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _advisory_key(flow: str, period: str) -> int:
    return zlib.crc32(f"kinerja:{flow}:{period}".encode()) & 0x7FFFFFFF


@dataclass
class RunLock:
    flow: str
    period: str
    run_id: str
    engine: Engine
    pg_connection: Any = None

    def release(self) -> None:
        ACTIVE_RUNS.discard(self.run_id)
        with self.engine.begin() as conn:
            conn.execute(sa.text("delete from run_locks where flow = :f and period = :p and run_id = :r"),
                         {"f": self.flow, "p": self.period, "r": self.run_id})
        if self.pg_connection is not None:
            try:
                self.pg_connection.execute(sa.text("select pg_advisory_unlock(:k)"),
                                           {"k": _advisory_key(self.flow, self.period)})
                self.pg_connection.close()
            except sa.exc.DBAPIError:
                pass  # the server is gone: so is the advisory lock
            self.pg_connection = None


def _reap(conn: Connection, run_id: str, why: str, at: datetime) -> None:
    conn.execute(sa.text("update runs set status = 'failed', finished_at = :t, reason = :why "
                         "where run_id = :r and status = 'running'"), {"t": at, "why": why, "r": run_id})
    conn.execute(sa.text("delete from run_locks where run_id = :r"), {"r": run_id})


def reap_dead_runs(engine: Engine, at: datetime) -> list[str]:
    """Mark `running` runs of processes that are gone `failed`, and drop their locks."""
    reaped = []
    with engine.begin() as conn:
        rows = conn.execute(sa.text("select run_id, pid, host from runs where status = 'running'")).all()
        for run_id, pid, host in rows:
            if not pid_alive(pid, host, run_id):
                _reap(conn, run_id, "process ended without finishing (reaped)", at)
                reaped.append(run_id)
    return reaped


def _try_advisory_lock(conn: Connection, flow: str, period: str) -> bool:
    got = conn.execute(sa.text("select pg_try_advisory_lock(:k)"), {"k": _advisory_key(flow, period)}).scalar()
    conn.commit()
    return bool(got)


def _holder_is_dead(engine: Engine, flow: str, period: str) -> bool:
    with engine.connect() as conn:
        held = conn.execute(sa.text("select run_id, pid, host from run_locks where flow = :f and period = :p"),
                            {"f": flow, "p": period}).first()
    return held is not None and not pid_alive(held.pid, held.host, held.run_id)


def acquire_lock(engine: Engine, flow: str, period: Period, run_id: str, at: datetime) -> RunLock:
    """Take the (flow, period) lock or raise RunInProgress naming the holder and since when."""
    lock = RunLock(flow, period.code, run_id, engine)
    if db.dialect_of(engine) == "postgresql":
        conn = engine.connect()
        got = _try_advisory_lock(conn, flow, period.code)
        if not got and _holder_is_dead(engine, flow, period.code):
            # The holder died; its server session ends a moment after the client: wait for it.
            deadline = time.monotonic() + 10
            while not got and time.monotonic() < deadline:
                time.sleep(0.2)
                got = _try_advisory_lock(conn, flow, period.code)
        if not got:
            conn.close()
            raise RunInProgress(_holder_message(engine, flow, period))
        lock.pg_connection = conn
        # Holding the advisory lock proves any lock row left behind belongs to a dead process.
        with engine.begin() as c:
            for (stale,) in c.execute(sa.text("select run_id from run_locks where flow = :f and period = :p"),
                                      {"f": flow, "p": period.code}).all():
                _reap(c, stale, "process ended without finishing (reaped)", at)
    try:
        with engine.begin() as conn:
            if db.dialect_of(engine) == "sqlite":
                conn.exec_driver_sql("select 1")  # pysqlite's begin is deferred; the insert below takes the write lock
            held = conn.execute(sa.text("select l.run_id, l.pid, l.host from run_locks l "
                                        "where l.flow = :f and l.period = :p"),
                                {"f": flow, "p": period.code}).first()
            if held is not None:
                if pid_alive(held.pid, held.host, held.run_id) and lock.pg_connection is None:
                    raise RunInProgress(_holder_message(engine, flow, period, conn))
                _reap(conn, held.run_id, "process ended without finishing (reaped)", at)
            conn.execute(sa.text("insert into run_locks (flow, period, run_id, pid, host, started_at) "
                                 "values (:f, :p, :r, :pid, :h, :t)"),
                         {"f": flow, "p": period.code, "r": run_id, "pid": os.getpid(), "h": HOST, "t": at})
    except sa.exc.IntegrityError:
        lock.release()
        raise RunInProgress(_holder_message(engine, flow, period)) from None
    except RunInProgress:
        if lock.pg_connection is not None:
            lock.release()
        raise
    ACTIVE_RUNS.add(run_id)
    return lock


def _holder_message(engine: Engine, flow: str, period: Period, conn: Connection | None = None) -> str:
    query = sa.text("select run_id, started_at, pid, host from run_locks where flow = :f and period = :p")
    params = {"f": flow, "p": period.code}
    if conn is None:
        with engine.connect() as c:
            row = c.execute(query, params).first()
    else:
        row = conn.execute(query, params).first()
    if row is None:
        return f"another {flow} run of {period.code} is in progress"
    return (f"another {flow} run of {period.code} is in progress: {row.run_id} "
            f"(pid {row.pid} on {row.host}) since {row.started_at}")


def record_start(engine: Engine, run: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(
            "insert into runs (run_id, flow, period, policy_version, policy_hash, source_fingerprint, data_as_of, "
            "started_at, status, published, previous_run_id, reason, code_version, pid, host) values "
            "(:run_id, :flow, :period, :policy_version, :policy_hash, null, :data_as_of, :started_at, "
            "'running', 0, :previous_run_id, :reason, :code_version, :pid, :host)"),
            {**run, "pid": os.getpid(), "host": HOST})


def published_run(engine_or_conn: Engine | Connection, flow: str, period: str) -> dict[str, Any] | None:
    query = sa.text("select * from runs where flow = :f and period = :p and published = 1")
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.connect() as conn:
            row = conn.execute(query, {"f": flow, "p": period}).mappings().first()
    else:
        row = engine_or_conn.execute(query, {"f": flow, "p": period}).mappings().first()
    return dict(row) if row else None


def record_end(engine: Engine, run_id: str, status: str, at: datetime, *, reason: str | None = None,
               fingerprint: str | None = None, previous_run_id: str | None = None,
               quality: dict[str, pd.DataFrame] | None = None) -> None:
    """Close a run that publishes nothing (unchanged, blocked, failed), with its quality rows if any."""
    with engine.begin() as conn:
        for table, frame in (quality or {}).items():
            db.insert_frame(conn, table, frame.assign(run_id=run_id))
        conn.execute(sa.text(
            "update runs set status = :s, finished_at = :t, reason = coalesce(:why, reason), "
            "source_fingerprint = coalesce(:fp, source_fingerprint), "
            "previous_run_id = coalesce(:prev, previous_run_id) where run_id = :r and status = 'running'"),
            {"s": status, "t": at, "why": reason, "fp": fingerprint, "prev": previous_run_id, "r": run_id})


def _text(value: Any) -> str | None:
    """How a value prints in `revisions`: numbers rounded to 9 decimals, NULL as None."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float):  # _plain() made every number a float
        rounded = round(value, 9)
        return repr(0.0 if rounded == 0 else rounded)
    return str(value)


def compute_revisions(old: pd.DataFrame, new: pd.DataFrame, run_id: str, previous_run_id: str,
                      period: str) -> pd.DataFrame:
    """One row per changed column of employee_scores between two runs of a period (contract.md)."""
    fields = [c for c in new.columns if c not in REVISION_SKIP and c != "nip"]
    old_i = old.set_index("nip") if not old.empty else pd.DataFrame(columns=fields).rename_axis("nip")
    new_i = new.set_index("nip")
    rows: list[dict[str, Any]] = []
    for nip in sorted(set(old_i.index) | set(new_i.index)):
        if nip not in new_i.index or nip not in old_i.index:
            present = nip in new_i.index
            rows.append({"nip": nip, "field": "employee", "old_value": "present" if not present else "absent",
                         "new_value": "present" if present else "absent"})
            continue
        a, b = old_i.loc[nip], new_i.loc[nip]
        for col in fields:
            va, vb = _text(_plain(a.get(col))), _text(_plain(b.get(col)))
            if va != vb:
                rows.append({"nip": nip, "field": col, "old_value": va, "new_value": vb})
    out = pd.DataFrame(rows, columns=["nip", "field", "old_value", "new_value"])
    return out.assign(run_id=run_id, previous_run_id=previous_run_id, period=period)


def _plain(value: Any) -> Any:
    """Numbers compare as numbers whatever the engine returned (Decimal, int, numpy)."""
    if value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    try:
        from decimal import Decimal

        if isinstance(value, Decimal):
            return float(value)
    except ImportError:  # pragma: no cover
        pass
    return value


def read_frame(conn: Connection, query: str, params: dict[str, Any]) -> pd.DataFrame:
    result = conn.execute(sa.text(query), params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


@dataclass
class RunWrite:
    """Everything a succeeded run writes, all in one transaction."""

    results: dict[str, pd.DataFrame]
    quality: dict[str, pd.DataFrame]
    partitions: pd.DataFrame
    employee_digests: pd.DataFrame
    fingerprint: str


def pause_for_fault_test() -> None:
    """Reliability tests kill a run in the middle of its write transaction: with
    KINERJA_FAULT_PAUSE_IN_WRITE=<file> set, the writer creates <file> and waits there to be killed."""
    flag = os.environ.get("KINERJA_FAULT_PAUSE_IN_WRITE")
    if flag:
        import time

        open(flag, "w").close()
        time.sleep(600)


def publish(engine: Engine, run_id: str, flow: str, period: str, write: RunWrite, at: datetime) -> int:
    """Write a succeeded run and make it the published one, atomically. Returns revision rows written."""
    n_revisions = 0
    with engine.begin() as conn:
        for table, frame in write.results.items():
            db.insert_frame(conn, table, frame.assign(run_id=run_id))
        for table, frame in write.quality.items():
            db.insert_frame(conn, table, frame.assign(run_id=run_id))
        db.insert_frame(conn, "input_fingerprints", write.partitions.assign(run_id=run_id))
        db.insert_frame(conn, "input_row_digests", write.employee_digests.assign(run_id=run_id))
        previous = published_run(conn, flow, period)
        if previous is not None and "employee_scores" in write.results:
            old = read_frame(conn, "select * from employee_scores where run_id = :r", {"r": previous["run_id"]})
            new = write.results["employee_scores"]
            old = old[[c for c in old.columns if c in new.columns or c == "run_id"]]
            revisions = compute_revisions(old.drop(columns=["run_id"]), new, run_id, previous["run_id"], period)
            n_revisions = db.insert_frame(conn, "revisions", revisions)
        if previous is not None:
            conn.execute(sa.text("update runs set published = 0 where run_id = :r"), {"r": previous["run_id"]})
        pause_for_fault_test()
        conn.execute(sa.text(
            "update runs set status = 'succeeded', published = 1, finished_at = :t, source_fingerprint = :fp, "
            "previous_run_id = :prev where run_id = :r"),
            {"t": at, "fp": write.fingerprint, "prev": previous["run_id"] if previous else None, "r": run_id})
    return n_revisions
