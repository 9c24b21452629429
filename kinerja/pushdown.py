"""SQL pushdown of the heavy aggregation (docs/pushdown.md; architecture.md seam 3).

`sql_aggregates(engine, period, cutoff, policy, quarantine, unknown_days, used_small)` builds the
`kinerja.methodology.Aggregates` of a quarter or year inside the source database, so that
`score_period(inputs, period, cutoff, policy, aggregates=sql_aggregates(...))` equals
`score_period(inputs, period, cutoff, policy)` without reading the big tables (attendance, activities,
feedback, survey_responses) into pandas. `inputs` then needs only the small tables (and feedback, which
score_period reads for comments and calibration).

The SQL lives in `sql/aggregate/` (`<name>.<dialect>.sql`). Everything the SQL needs from the policy and
from validation goes in as bound parameters or as temporary tables filled with bound parameters:
- k_workday: the working days up to the cut-off with their schedule (seconds since midnight);
  k_emp: each employee's active range (day numbers); k_unknown: the unknown days of validation;
  k_status: the class of each status code; k_band: the TL/PSW band bounds; k_target: target keys.
- k_q_<table>: every quarantined row as read (extracted text) with its row key: the SQL removes each
  source row whose content equals a quarantined row (anti-join on the key, then every column).
- k_dup_<table>: one copy of each identical duplicate (`duplicate_identical`): its copies were all
  removed by the anti-join, and validation uses exactly one of them.
The rows the SQL aggregates are therefore exactly validation's used rows of the window.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kinerja.db import bulk_insert, dialect_of, sql_text, statements, stream_rows
from kinerja.extract import SOURCE_COLUMNS, window_params
from kinerja.methodology import Aggregates
from kinerja.methodology._common import DECIMALS, day_number, days_to_datetime, obj
from kinerja.methodology.attendance import DAILY_COLUMNS, DAY_CLASSES, EXCUSED, OTHER, PRESENT, TK, UNKNOWN
from kinerja.methodology.calendar import employee_bounds, work_schedule, working_day_numbers
from kinerja.methodology.hasil_kerja import period_targets
from kinerja.methodology.ikm import ELEMENTS
from kinerja.periods import Period
from kinerja.validation.suites import DUPLICATE_IDENTICAL

__all__ = ["BIG_TABLES", "PUSHED_DOWN", "sql_aggregates", "sql_attendance_daily", "pushdown_session"]

#: The tables aggregated in the database (the rest are small and come validated from Python).
BIG_TABLES = ("attendance", "activities", "feedback", "survey_responses")
#: The Aggregates fields computed in SQL (all of them; see docs/pushdown.md).
PUSHED_DOWN = ("attendance_daily", "activity_totals", "feedback_type_stats", "feedback_aspect_stats",
               "survey_totals")
APPROVED = "approved"  # the activity status that counts (methodology.md §3)
_FETCH_ROWS = 200_000

# Columns of the k_dup_<table> temporary tables (sql/aggregate/setup.sql), taken from the quarantined row.
_DUP_COLUMNS = {
    "attendance": ("nip", "work_date", "check_in", "check_out", "status"),
    "activities": ("nip", "activity_date", "indicator_id", "quantity", "status"),
    "feedback": ("ratee_nip", "rater_id", "rater_type", "year", "quarter", "aspect", "score"),
    "survey_responses": ("unit_code", "response_date", *ELEMENTS),
}


def _day_text(day: int) -> str:
    return np.datetime64(int(day), "D").astype(object).isoformat()


class pushdown_session:
    """One connection with the temporary tables of a pushdown run (context manager).

    Loads the small calendar, the policy tables, the target keys and the quarantine once; the
    aggregate queries then run on the same connection. The temporary tables are dropped on exit."""

    def __init__(self, engine: Engine, start: date, end: date, cutoff: date, policy,
                 quarantine: pd.DataFrame, unknown_days: pd.DataFrame, used_small: Mapping[str, pd.DataFrame],
                 period: Period | None = None):
        self.engine, self.start, self.end, self.cutoff, self.policy = engine, start, end, cutoff, policy
        self.period = period
        self.quarantine, self.unknown_days, self.used = quarantine, unknown_days, used_small
        self.dialect = dialect_of(engine)
        self.conn: Connection | None = None
        self._feedback_scored = False  # k_feedback_scored filled (sql/aggregate/feedback_scored)

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> "pushdown_session":
        self.conn = self.engine.connect()
        try:
            self._run_script("aggregate/teardown")
            self._run_script("aggregate/setup")
            self._load()
            self._run_script("aggregate/indexes")
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._close()

    def _close(self) -> None:
        if self.conn is None:
            return
        try:
            self.conn.rollback()
            self._run_script("aggregate/teardown")
            self.conn.commit()
        finally:
            self.conn.close()
            self.conn = None

    def _run_script(self, name: str) -> None:
        for stmt in statements(sql_text(name, self.dialect)):
            self.conn.exec_driver_sql(stmt)

    def _insert(self, table: str, columns: list[str], rows) -> None:
        bulk_insert(self.conn, table, columns, rows)

    # -- temporary tables ----------------------------------------------------------------------------
    def _load(self) -> None:
        policy, used = self.policy, self.used
        att = policy.attendance
        employees = used["employees"].drop_duplicates("nip")
        self.nips, af, at = employee_bounds(employees)
        by_nip = sorted(range(len(self.nips)), key=lambda i: self.nips[i])  # rowid order = nip order
        self._insert("k_emp", ["ord", "nip", "af", "at"],
                     ((i, self.nips[i], int(af[i]), int(at[i])) for i in by_nip))

        self.wd = working_day_numbers(self.start, min(self.end, self.cutoff), used["holidays"], policy)
        st, et = (work_schedule(self.wd, used["work_schedules"], policy) if len(self.wd)
                  else (np.empty(0), np.empty(0)))
        whole = lambda x: None if np.isnan(x) else int(round(x))  # noqa: E731 (seconds are whole)
        self._insert("k_workday", ["day", "work_date", "start_sec", "end_sec"],
                     ((int(d), _day_text(d), whole(s), whole(e)) for d, s, e in zip(self.wd, st, et)))

        u = self.unknown_days
        if len(u):
            u_days = pd.to_datetime(u["work_date"]).to_numpy().astype("datetime64[D]").astype("int64")
            pairs = sorted({(n, d) for n, d in zip(u["nip"].astype(object).tolist(), u_days.tolist())
                            if isinstance(n, str)})
            self._insert("k_unknown", ["nip", "day"], pairs)

        status_rows = []
        for s in sorted(set(att.present_statuses) | set(att.excused_statuses) | {"TK"}):
            cls = PRESENT if s in att.present_statuses else EXCUSED if s in att.excused_statuses else TK
            status_rows.append((s, DAY_CLASSES.index(cls), int(s == "HD" and s in att.present_statuses)))
        self._insert("k_status", ["status", "day_class", "timed"], status_rows)
        bands = att.bands
        self._insert("k_band", ["band", "hi"],
                     [(i + 1, None if (b is None or i == len(bands) - 1) else round(float(b), DECIMALS))
                      for i, (b, _) in enumerate(bands)])

        if self.period is not None and "targets" in used:
            keys = period_targets(used["targets"], self.period)[["nip", "indicator_id", "quarter"]].drop_duplicates()
            self._insert("k_target", ["nip", "indicator_id", "quarter"],
                         zip(keys["nip"].tolist(), keys["indicator_id"].tolist(),
                             keys["quarter"].astype(int).tolist()))

        q = self.quarantine
        for table in BIG_TABLES:
            rows = q[q["source_table"] == table] if len(q) else q
            if not len(rows):
                continue
            columns = list(SOURCE_COLUMNS[table])
            contents = [json.loads(r) for r in rows["row_json"].tolist()]
            self._insert(f"k_q_{table}", ["k"] + columns,
                         ([k] + [c.get(col) for col in columns]
                          for k, c in zip(rows["row_key"].tolist(), contents)))
            dup = {}
            for k, name, c in zip(rows["row_key"].tolist(), rows["check_name"].tolist(), contents):
                if name == DUPLICATE_IDENTICAL.name and k not in dup:
                    dup[k] = [c.get(col) for col in _DUP_COLUMNS[table]]
            if dup:
                self._insert(f"k_dup_{table}", list(_DUP_COLUMNS[table]), dup.values())

    # -- queries ------------------------------------------------------------------------------------
    def _param(self, d: date):
        return d.isoformat() if self.dialect == "sqlite" else d

    def _fetch(self, name: str, params: dict, columns: list[str]) -> pd.DataFrame:
        """The rows of sql/aggregate/<name> as a frame (plain DBAPI rows fetched in chunks)."""
        statement = sa.text(sql_text(f"aggregate/{name}", self.dialect))
        parts = []
        # a plain cursor, and no rollback after it: the session's temporary tables must live on
        for rows in stream_rows(self.conn, statement, params, _FETCH_ROWS):
            block = np.empty((len(rows), len(columns)), dtype=object)
            block[:] = rows
            parts.append(pd.DataFrame({c: pd.Series(block[:, i], dtype=object) for i, c in enumerate(columns)}))
        if not parts:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def attendance_daily(self) -> pd.DataFrame:
        """`kinerja.methodology.attendance_daily` of [start, min(end, cutoff)], classified in SQL."""
        att = self.policy.attendance
        cols = ["ord", "day", "status", "day_class", "late_minutes", "early_minutes", "tl_band", "psw_band"]
        if len(self.wd) and len(self.nips):
            params = {"date_from": self._param(np.datetime64(int(self.wd[0]), "D").astype(object)),
                      "date_to": self._param(np.datetime64(int(self.wd[-1]), "D").astype(object)),
                      "grace": round(float(att.grace_minutes), DECIMALS), "missing_band": int(att.missing_time_band),
                      "missing_class": DAY_CLASSES.index(TK if att.missing_record_as == "TK" else UNKNOWN),
                      "unknown_class": DAY_CLASSES.index(UNKNOWN), "other_class": DAY_CLASSES.index(OTHER)}
            rows = self._fetch("attendance_daily", params, cols)
        else:
            rows = pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
        ord_ = rows["ord"].to_numpy(dtype="int64")
        day = rows["day"].to_numpy(dtype="int64")
        order = np.lexsort((day, ord_))
        ord_, day = ord_[order], day[order]
        n = len(order)
        months = day.astype("datetime64[D]").astype("datetime64[M]").astype("int64")
        first = int(months.min()) if n else 0
        labels = np.array([f"{(first + i) // 12 + 1970:04d}-{(first + i) % 12 + 1:02d}"
                           for i in range(int(months.max()) - first + 1 if n else 0)], dtype=object)
        status = rows["status"].to_numpy(dtype=object)[order]
        status[~np.fromiter((isinstance(v, str) for v in status), dtype=bool, count=n)] = None
        return pd.DataFrame({
            "nip": pd.Categorical.from_codes(ord_, categories=pd.Index(self.nips, dtype=object)) if n else
            pd.Series([], dtype=object),
            "work_date": days_to_datetime(day),
            "month": pd.Categorical.from_codes((months - first) if n else np.empty(0, dtype="int64"),
                                               categories=pd.Index(labels, dtype=object)),
            "status": obj(status),
            "day_class": pd.Categorical.from_codes(rows["day_class"].to_numpy(dtype="int64")[order],
                                                   categories=DAY_CLASSES),
            "late_minutes": rows["late_minutes"].to_numpy(dtype="float64")[order],
            "early_minutes": rows["early_minutes"].to_numpy(dtype="float64")[order],
            "tl_band": rows["tl_band"].to_numpy(dtype="int64")[order],
            "psw_band": rows["psw_band"].to_numpy(dtype="int64")[order],
        })[DAILY_COLUMNS]

    def activity_totals(self) -> pd.DataFrame:
        p = self.period
        cols = ["nip", "indicator_id", "quarter", "quantity_sum", "quantity_count"]
        params = {**window_params("activities", p, self.dialect), "approved": APPROVED,
                  "cutoff_day": day_number(self.cutoff)}
        g = self._fetch("activity_totals", params, cols)
        out = pd.DataFrame({"nip": obj(g["nip"]), "indicator_id": obj(g["indicator_id"]),
                            "quarter": g["quarter"].to_numpy(dtype="int64"),
                            "quantity_sum": g["quantity_sum"].to_numpy(dtype="float64"),
                            "quantity_count": g["quantity_count"].to_numpy(dtype="float64")})
        return out.sort_values(["nip", "indicator_id", "quarter"], kind="mergesort").reset_index(drop=True)

    def _feedback(self, name: str, keys: list[str], counts: list[str]) -> pd.DataFrame:
        if not self._feedback_scored:  # both feedback aggregates read the same staged rows: stage them once
            statement = sa.text(sql_text("aggregate/feedback_scored", self.dialect))
            self.conn.execute(statement, window_params("feedback", self.period, self.dialect))
            self._feedback_scored = True
        g = self._fetch(name, {}, keys + counts + ["score_sum"])
        out = pd.DataFrame({**{k: obj(g[k]) for k in keys},
                            **{c: g[c].to_numpy(dtype="float64") for c in counts + ["score_sum"]}})
        return out.sort_values(keys, kind="mergesort").reset_index(drop=True)

    def feedback_type_stats(self) -> pd.DataFrame:
        return self._feedback("feedback_type_stats", ["ratee_nip", "rater_type"], ["raters", "ratings"])

    def feedback_aspect_stats(self) -> pd.DataFrame:
        return self._feedback("feedback_aspect_stats", ["ratee_nip", "rater_type", "aspect"], ["ratings"])

    def survey_totals(self) -> pd.DataFrame:
        p = self.period
        cols = ["unit_code", "responses"] + [f"{u}_sum" for u in ELEMENTS]
        params = {**window_params("survey_responses", p, self.dialect),
                  "last_day": self._param(min(p.end, self.cutoff))}
        g = self._fetch("survey_totals", params, cols)
        out = pd.DataFrame({"unit_code": obj(g["unit_code"]),
                            **{c: g[c].to_numpy(dtype="float64") for c in cols[1:]}})
        return out.sort_values("unit_code", kind="mergesort").reset_index(drop=True)


def sql_aggregates(engine: Engine, period: Period, cutoff: date, policy, quarantine: pd.DataFrame,
                   unknown_days: pd.DataFrame, used_small: Mapping[str, pd.DataFrame]) -> Aggregates:
    """The `Aggregates` of a quarter or year, computed in the source database.

    `quarantine` and `unknown_days` are validation's (ValidationResult) for the run's extraction
    window; `used_small` holds validation's used frames of at least employees, holidays,
    work_schedules and targets. Equal to `period_aggregates(inputs, period, cutoff, policy)`."""
    with pushdown_session(engine, period.start, period.end, cutoff, policy, quarantine, unknown_days,
                          used_small, period) as s:
        return Aggregates(attendance_daily=s.attendance_daily(), activity_totals=s.activity_totals(),
                          feedback_type_stats=s.feedback_type_stats(),
                          feedback_aspect_stats=s.feedback_aspect_stats(), survey_totals=s.survey_totals())


def sql_attendance_daily(engine: Engine, start: date, end: date, cutoff: date, policy, quarantine: pd.DataFrame,
                         unknown_days: pd.DataFrame, used_small: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """`attendance_daily(employees, attendance, unknown_days, holidays, work_schedules, start, end, cutoff,
    policy)` computed in the source database (e.g. the year to date of a monthly run)."""
    with pushdown_session(engine, start, end, cutoff, policy, quarantine, unknown_days, used_small) as s:
        return s.attendance_daily()
