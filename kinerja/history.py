"""Reading the warehouse's history: which runs exist, what changed between two, is it consistent."""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from kinerja import db, runs

TABLE_WORDS = {"attendance": "attendance", "activities": "activity", "targets": "target",
               "feedback": "feedback", "employees": "employee", "assignments": "assignment"}


class NotFound(LookupError):
    """A run id or period that the warehouse does not hold (usage error)."""


def _warehouse(url: str):
    engine = db.get_engine(url)
    db.create_schema(engine, "warehouse")
    return engine


def list_runs(url: str, period: str | None = None) -> str:
    engine = _warehouse(url)
    query = ("select run_id, flow, period, status, published, started_at, finished_at, reason from runs"
             + (" where period = :p" if period else "") + " order by period, flow, started_at")
    with engine.connect() as conn:
        frame = runs.read_frame(conn, query, {"p": period} if period else {})
    if frame.empty:
        return "no runs" + (f" for {period}" if period else "")
    frame["published"] = frame["published"].map({1: "*", 0: ""})
    frame["reason"] = frame["reason"].fillna("").astype(str).str.slice(0, 60)
    return frame.to_string(index=False)


def _run(conn, run_id: str) -> dict:
    row = conn.execute(sa.text("select * from runs where run_id = :r"), {"r": run_id}).mappings().first()
    if row is None:
        raise NotFound(f"no run {run_id[:80]!r} in the warehouse")
    return dict(row)


def diff_runs(url: str, run_id: str, other_id: str | None = None) -> str:
    """Changed employee_scores fields between two runs (default: a run and the one published before it),
    and for each changed employee which inputs differ."""
    engine = _warehouse(url)
    with engine.connect() as conn:
        new = _run(conn, run_id)
        old_id = other_id or new.get("previous_run_id")
        if not old_id:
            return f"{run_id} has no earlier run of {new['period']} to compare with"
        old = _run(conn, old_id)
        if (old["flow"], old["period"]) != (new["flow"], new["period"]):
            raise NotFound(f"{old_id} and {run_id} are not runs of the same flow and period")
        if other_id:  # `diff A B`: A is the older, B the newer
            old, new = new, old
        scores = {r: runs.read_frame(conn, "select * from employee_scores where run_id = :r", {"r": r})
                  for r in (old["run_id"], new["run_id"])}
        digests = {r: runs.read_frame(conn, "select source_table, nip, row_count, digest from input_row_digests "
                                            "where run_id = :r", {"r": r}) for r in (old["run_id"], new["run_id"])}
    a, b = scores[old["run_id"]], scores[new["run_id"]]
    if a.empty and b.empty:
        changes = pd.DataFrame(columns=["nip", "field", "old_value", "new_value"])
    else:
        b_cols = [c for c in b.columns if c != "run_id"]
        changes = runs.compute_revisions(a[[c for c in b_cols if c in a.columns]], b[b_cols], new["run_id"],
                                         old["run_id"], new["period"])
    lines = [f"{old['run_id']} -> {new['run_id']} ({new['flow']} {new['period']})"]
    if changes.empty:
        lines.append("no employee result changed")
        return "\n".join(lines)
    inputs = input_changes(digests[old["run_id"]], digests[new["run_id"]])
    for nip, group in changes.groupby("nip", sort=True):
        lines.append(f"{nip}: inputs changed: {inputs.get(nip, 'none recorded')}")
        for row in group.itertuples(index=False):
            lines.append(f"    {row.field}: {row.old_value} -> {row.new_value}")
    lines.append(f"{changes['nip'].nunique()} employees changed, {len(changes)} fields")
    return "\n".join(lines)


def input_changes(old: pd.DataFrame, new: pd.DataFrame) -> dict[str, str]:
    """Per employee, the input tables whose rows differ between two runs, in words."""
    merged = old.merge(new, on=["source_table", "nip"], how="outer", suffixes=("_old", "_new"))
    changed = merged[(merged["digest_old"] != merged["digest_new"])]
    words: dict[str, list[str]] = {}
    for row in changed.itertuples(index=False):
        before = 0 if pd.isna(row.row_count_old) else int(row.row_count_old)
        after = 0 if pd.isna(row.row_count_new) else int(row.row_count_new)
        noun = TABLE_WORDS.get(row.source_table, row.source_table)
        detail = f"{after} rows, content differs" if before == after else f"{before} -> {after} rows"
        words.setdefault(row.nip, []).append(f"{noun} ({detail})")
    return {nip: ", ".join(parts) for nip, parts in words.items()}


def check_warehouse(url: str) -> list[str]:
    """The invariants of a consistent warehouse (docs/reliability.md); returns the problems found."""
    engine = _warehouse(url)
    runs.reap_dead_runs(engine, runs.now_local(None))
    problems: list[str] = []
    with engine.connect() as conn:
        for flow, period, n in conn.execute(sa.text(
                "select flow, period, count(*) from runs where published = 1 group by flow, period having count(*) > 1")):
            problems.append(f"{n} published runs of {flow} {period}")
        for table in runs.RESULT_TABLES + ("revisions",):
            bad = conn.execute(sa.text(
                f"select count(*) from {table} t join runs r on r.run_id = t.run_id "  # noqa: S608 - fixed names
                f"where r.status <> 'succeeded'")).scalar()
            orphans = conn.execute(sa.text(
                f"select count(*) from {table} t where not exists (select 1 from runs r where r.run_id = t.run_id)")).scalar()
            if bad or orphans:
                problems.append(f"{table}: {bad + orphans} result rows of runs that did not succeed")
        for run_id, table, extracted, used, quarantined in conn.execute(sa.text(
                "select run_id, source_table, extracted, used, quarantined from data_quality "
                "where check_name is null and extracted <> used + quarantined")):
            problems.append(f"{run_id} {table}: extracted {extracted} != used {used} + quarantined {quarantined}")
        for (run_id,) in conn.execute(sa.text("select run_id from runs where status = 'running'")):
            held = conn.execute(sa.text("select pid, host from run_locks where run_id = :r"), {"r": run_id}).first()
            if held is None or not runs.pid_alive(held.pid, held.host, run_id):
                problems.append(f"{run_id} is 'running' without a live process")
        for flow, period in conn.execute(sa.text(
                "select flow, period from runs where published = 1 and status <> 'succeeded'")):
            problems.append(f"a published run of {flow} {period} did not succeed")
    return problems
