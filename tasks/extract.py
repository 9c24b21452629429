"""Extract one source table for the run's window and fingerprint it; combine the fingerprints.

The three large tables of a large source (attendance, activities, feedback: millions of rows a year)
are each extracted in a worker process of their own, at most `extract_processes` at a time: reading
rows out of a database driver holds Python's GIL, so threads extract them one after another (a 15,000
employee year: about 50 s in threads, about half that in two processes). The worker also fingerprints
the table, sends the fingerprint back and keeps the rows (kinerja.held): validation asks it for their
verdict, so the worker validates them too, in parallel with the other workers, and the rows never
travel. A worker is let go once validated, or by the run if it stops before validation. Small
sources, and tasks already running in a daemonic worker (Dask), extract in the task's own thread.
"""
from __future__ import annotations

import multiprocessing
import os
import threading

import sqlalchemy as sa
from prefect import task
from prefect.cache_policies import NO_CACHE

from kinerja import db, held
from kinerja.context import RunContext
from kinerja.extract import LARGE_TABLES, ExtractedTable, extract_and_fingerprint
from kinerja.fingerprint import InputFingerprint, combine_inputs
from tasks.retry import RETRIES

#: With `extract_processes` left to choose (None), sources of at least this many employees use processes:
#: below it a table reads in well under a second and starting a process (about 2 s) would cost more.
PROCESSES_FROM_EMPLOYEES = 2000

_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def _processes(ctx: RunContext, table: str) -> int:
    """How many worker processes the large tables may use at once; 0 to extract in this thread."""
    if table not in LARGE_TABLES or multiprocessing.current_process().daemon:
        return 0
    wanted = ctx.settings.extract_processes
    if wanted is None:
        wanted = default_processes() if _employees(ctx.settings.source_url) >= PROCESSES_FROM_EMPLOYEES else 0
    return wanted if wanted >= 2 else 0


def default_processes() -> int:
    """One worker per large table, but at most one per core (at least two): on two cores a third worker
    only takes turns with the other two while holding its rows. Annual run of a 15,000-employee year
    (docs/performance.md): two workers instead of three, peak 2.6 -> 2.2 GiB; wall 0.97 after the
    monthly runs, 1.05 cold."""
    return min(len(LARGE_TABLES), max(2, os.cpu_count() or 2))


def holds_large_tables(ctx: RunContext) -> list[str]:
    """The run's tables that worker processes will extract and keep (kinerja.held), in the run's order:
    none with the Dask runner (its workers extract in their own thread) or a small source."""
    if ctx.settings.task_runner != "thread":
        return []
    return [table for table in ctx.tables if _processes(ctx, table)]


def _employees(source_url: str) -> int:
    try:
        with db.get_engine(source_url).connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM employees")).scalar() or 0)
    except sa.exc.SQLAlchemyError:  # no employees table: extraction reports it as missing
        return 0


def _slot(processes: int) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _slots.setdefault(processes, threading.BoundedSemaphore(processes))


@task(name="extract", task_run_name="extract-{table}", cache_policy=NO_CACHE, **RETRIES)
def extract_source_table(ctx: RunContext, table: str) -> ExtractedTable:
    """The table's rows of the run's window as text (or held by their worker process), and their
    fingerprint; a missing table is returned, not raised."""
    processes = _processes(ctx, table)
    args = (ctx.settings.source_url, table, ctx.period, ctx.cutoff)
    if not processes:
        return extract_and_fingerprint(*args)
    worker = held.start_worker()
    try:
        with _slot(processes):  # at most `processes` workers extract at once
            extracted = worker.submit(held.extract_and_hold, *args).result()
    except BaseException:
        worker.shutdown(wait=False, cancel_futures=True)
        raise
    if isinstance(extracted.rows, held.HeldRows):  # the worker keeps the rows until validation
        extracted.rows.bind(worker)
    else:
        worker.shutdown(wait=False)
    return extracted


@task(name="fingerprint", cache_policy=NO_CACHE)
def fingerprint_sources(ctx: RunContext, extracted: dict[str, ExtractedTable]) -> InputFingerprint:
    """The run's fingerprint from the tables' fingerprints (kinerja.fingerprint.combine_inputs)."""
    parts = {table: (e.partitions, e.digests) for table, e in extracted.items()}
    return combine_inputs(parts, ctx.policy.content_hash, ctx.cutoff, ctx.flow, ctx.period.code)
