"""The monthly, quarterly and annual flows: extract → validate → score → write → report.

Each flow is the same cycle over a different period. The bookkeeping that must stay in the flow's own
process (the lock, the `runs` row) is `open_run`/`close_run`; every step is a task. Flows return an
`Outcome`; a run that did not succeed ends the flow run in a Failed state carrying that outcome.
"""
from __future__ import annotations

import threading
from datetime import datetime

from prefect import flow, get_run_logger
from prefect.futures import wait
from prefect.runtime import flow_run
from prefect.states import Completed, Failed

from kinerja import db, held, memory, runs
from kinerja.context import Outcome, RunContext
from kinerja.fingerprint import code_version
from kinerja.methodology import UNSCORED_COLUMNS
from kinerja.periods import Period, previous_complete
from kinerja.policy import PolicyError
from kinerja.settings import RunSettings
from kinerja.validation.validate import REFERENCE_KEYS
from tasks import (extract_source_table, find_reference_keys, fingerprint_sources, holds_large_tables,
                   post_artifacts, record_blocked, record_unchanged, render_reports, score_month_task,
                   score_period_task, start_held_validation, validate_sources, write_results)

SCHEDULE_TIMEZONE = "Asia/Jakarta"


def _period(kind: str, year: int | None = None, number: int | None = None) -> Period:
    """The requested period, or the previous complete one in Asia/Jakarta (what schedules run)."""
    if year is None:
        from zoneinfo import ZoneInfo

        return previous_complete(kind, datetime.now(ZoneInfo(SCHEDULE_TIMEZONE)))
    return Period(kind, year, number or 1)


def _run_name() -> str:
    p = flow_run.parameters
    kind = {"monthly": "month", "quarterly": "quarter", "annual": "year"}[flow_run.flow_name]
    number = p.get("month") if kind == "month" else p.get("quarter")
    return f"{flow_run.flow_name}-{_period(kind, p.get('year'), number).code}"


def open_run(flow_name: str, period: Period, settings: RunSettings, reason: str | None):
    """Check policy and databases, reap dead runs, take the lock, record the run as `running`."""
    try:
        policy = settings.policy()
        warehouse = db.get_engine(settings.warehouse_url)
        db.get_engine(settings.source_url)
        db.create_schema(warehouse, "warehouse")
    except (PolicyError, db.DatabaseUnavailable) as exc:
        return None, Outcome("usage_error", db.redact(exc), flow=flow_name, period=period.code)
    started = runs.now_local(policy.tz)
    data_as_of, cutoff = settings.cutoff(policy, started)
    run_id = runs.new_run_id(flow_name, period, started)
    runs.reap_dead_runs(warehouse, started)
    try:
        lock = runs.acquire_lock(warehouse, flow_name, period, run_id, started)
    except runs.RunInProgress as exc:
        return None, Outcome("locked", str(exc), flow=flow_name, period=period.code)
    ctx = RunContext(run_id, flow_name, period, settings, policy, started, data_as_of, cutoff, reason)
    runs.record_start(warehouse, {
        "run_id": run_id, "flow": flow_name, "period": period.code, "policy_version": policy.version,
        "policy_hash": policy.content_hash, "data_as_of": data_as_of, "started_at": started,
        "previous_run_id": None, "reason": reason, "code_version": code_version()})
    return (ctx, lock), None


def close_run(ctx: RunContext, lock: runs.RunLock, outcome: Outcome | None, error: BaseException | None):
    """Record a crash as `failed` (if the warehouse is reachable; else the next run reaps it), unlock."""
    try:
        if error is not None:
            reason = f"{type(error).__name__}: {db.redact(error)}".splitlines()[0][:500]
            outcome = Outcome("failed", reason, ctx.run_id, ctx.flow, ctx.period.code)
            runs.record_end(db.get_engine(ctx.settings.warehouse_url, attempts=1), ctx.run_id, "failed",
                            runs.now_local(ctx.policy.tz), reason=reason)
    except Exception:  # noqa: BLE001 - the database is gone; the next run reaps this one
        pass
    finally:
        try:
            lock.release()
        except Exception:  # noqa: BLE001 - same: a lost database released nothing, reaping will
            pass
    return outcome


def cycle(ctx: RunContext) -> Outcome:
    """The steps of one run, in order."""
    extracting = {table: extract_source_table.submit(ctx, table) for table in ctx.tables}
    # Worker processes keep the large tables they extract, and validate them as soon as the keys they
    # reference are known, while other tables are still being extracted (tasks/validate.py).
    early = []
    if held_tables := holds_large_tables(ctx):
        keys = find_reference_keys.submit(ctx, {t: extracting[t] for t in REFERENCE_KEYS if t in extracting})
        early = [start_held_validation.submit(ctx, t, extracting[t], keys, UNSCORED_COLUMNS) for t in held_tables]
    extracted = {table: future.result() for table, future in extracting.items()}
    del extracting  # the rows are in `extracted` now, and freed with it
    fingerprint = fingerprint_sources(ctx, extracted)
    raw = {table: e.rows for table, e in extracted.items()}
    row_digests = {table: e.row_digests for table, e in extracted.items()}
    del extracted

    published = runs.published_run(db.get_engine(ctx.settings.warehouse_url), ctx.flow, ctx.period.code)
    if published and published["source_fingerprint"] == fingerprint.source_fingerprint:
        held.release(raw)  # the workers holding large tables exit, validated or not
        wait(early)
        record_unchanged(ctx, fingerprint, published["run_id"])
        return Outcome("unchanged", f"inputs unchanged since {published['run_id']}", ctx.run_id, ctx.flow,
                       ctx.period.code)

    wait(early)  # validation takes up what was started
    checked = validate_sources(ctx, raw, row_digests, UNSCORED_COLUMNS)  # ids, descriptions: not scored
    del raw  # validated: what follows needs the typed rows and the accounts only (a year of raw text is GBs)
    memory.release()
    if checked.blocked:
        record_blocked(ctx, checked, fingerprint)
        post_artifacts(ctx, "blocked", checked, None, None)
        return Outcome("blocked", checked.block_reason, ctx.run_id, ctx.flow, ctx.period.code,
                       log_message=checked.block_reason_masked)

    checked = checked.for_scoring(UNSCORED_COLUMNS)  # without the per-table verdicts
    memory.release()
    score = score_month_task if ctx.flow == "monthly" else score_period_task
    results = score(ctx, checked)
    checked = checked.accounts_only()  # scored: the steps after need the results and the accounts only
    memory.release()
    revisions = write_results(ctx, results, checked, fingerprint)
    memory.release()  # writing's garbage: else rendering starts on top of it (0.7 GiB for a large year)
    counts = {name: len(frame) for name, frame in results.items()}
    try:
        index = render_reports(ctx) if ctx.settings.render_reports else None
    except Exception as exc:  # noqa: BLE001 - the run is published; its reports can be rendered again
        post_artifacts(ctx, "succeeded, reports failed", checked, results, None)
        return Outcome("reports_failed", f"published {ctx.run_id}, but its reports failed: "
                       f"{type(exc).__name__}: {db.redact(exc)}".splitlines()[0], ctx.run_id, ctx.flow,
                       ctx.period.code, None, revisions, counts)
    post_artifacts(ctx, "succeeded", checked, results, index)
    return Outcome("succeeded", f"published {ctx.run_id}", ctx.run_id, ctx.flow, ctx.period.code, index,
                   revisions, counts)


def run_period(flow_name: str, period: Period, settings: RunSettings | None, reason: str | None):
    memory.limit_arenas()  # a deployment's worker does not pass through the CLI
    settings = settings or RunSettings.from_env()
    opened, refused = open_run(flow_name, period, settings, reason)
    if refused is not None:
        return _final(refused)
    ctx, lock = opened
    outcome, error = None, None
    try:
        outcome = cycle(ctx)
    except Exception as exc:  # noqa: BLE001 - recorded as a failed run, re-raised for Prefect below
        error = exc
    outcome = close_run(ctx, lock, outcome, error)
    return _final(outcome)


#: The Outcome each flow run of this process ended with, by flow run id, until `outcome_of` takes it.
_outcomes: dict[str, Outcome] = {}
_outcomes_lock = threading.Lock()
_OUTCOMES_KEPT = 1000  # the newest ones: a long-lived process never grows this without bound


def outcome_of(state) -> Outcome | None:
    """The Outcome of a flow run this process ran, given the final state its call returned.

    The Outcome travels as the state's data, but that data is Prefect's to keep: with several flows
    running at once on an embedded Prefect server under load, a Failed state has come back without it
    (the server's own SQLite was locked). The flow therefore also leaves its Outcome here, by flow run id,
    and that is what the caller gets: the run's real status, never a made-up failure."""
    run_id = str(state.state_details.flow_run_id) if state.state_details.flow_run_id else None
    with _outcomes_lock:
        kept = _outcomes.pop(run_id, None) if run_id else None
    if kept is not None:
        return kept
    data = state.result(raise_on_failure=False)
    return data if isinstance(data, Outcome) else None


def _final(outcome: Outcome):
    logger = get_run_logger()
    logger.info("%s %s: %s", outcome.flow, outcome.period, outcome.status)
    if flow_run.id:
        with _outcomes_lock:
            _outcomes[str(flow_run.id)] = outcome
            while len(_outcomes) > _OUTCOMES_KEPT:  # flows called without outcome_of leave theirs
                _outcomes.pop(next(iter(_outcomes)))
    if outcome.exit_code == 0:
        return Completed(message=outcome.public_message, data=outcome)
    return Failed(message=outcome.public_message, data=outcome)


@flow(name="monthly", flow_run_name=_run_name, log_prints=False)
def monthly(year: int | None = None, month: int | None = None, settings: RunSettings | None = None,
            reason: str | None = None) -> Outcome:
    """Monthly accountability: attendance and discipline of one month (default: the previous month)."""
    return run_period("monthly", _period("month", year, month), settings, reason)


@flow(name="quarterly", flow_run_name=_run_name, log_prints=False)
def quarterly(year: int | None = None, quarter: int | None = None, settings: RunSettings | None = None,
              reason: str | None = None) -> Outcome:
    """Quarterly (triwulan) appraisal (default: the previous complete quarter)."""
    return run_period("quarterly", _period("quarter", year, quarter), settings, reason)


@flow(name="annual", flow_run_name=_run_name, log_prints=False)
def annual(year: int | None = None, settings: RunSettings | None = None, reason: str | None = None) -> Outcome:
    """Annual appraisal (default: the previous year)."""
    return run_period("annual", _period("year", year), settings, reason)


FLOWS = {"monthly": monthly, "quarterly": quarterly, "annual": annual}
