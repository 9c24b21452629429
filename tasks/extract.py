"""Extract one source table for the run's window and fingerprint it; combine the fingerprints.

The three large tables of a large source (attendance, activities, feedback: millions of rows a year)
are each extracted in a worker process of their own, at most `extract_processes` at a time: reading
rows out of a database driver holds Python's GIL, so threads extract them one after another (a 15,000
employee year: about 50 s in threads, about half that in two processes). The worker also fingerprints
the table, and sends rows and fingerprint back pickled (a second or two). Small sources, and tasks
already running in a daemonic worker (Dask), extract in the task's own thread.
"""
from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor

import sqlalchemy as sa
from prefect import task
from prefect.cache_policies import NO_CACHE

from kinerja import db
from kinerja.context import RunContext
from kinerja.extract import ExtractedTable, extract_and_fingerprint
from kinerja.fingerprint import InputFingerprint, combine_inputs
from tasks.retry import RETRIES

#: Tables worth a process of their own (they grow with employees x days).
LARGE_TABLES = frozenset({"attendance", "activities", "feedback"})
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
        wanted = 2 if _employees(ctx.settings.source_url) >= PROCESSES_FROM_EMPLOYEES else 0
    return wanted if wanted >= 2 else 0


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
    """The table's rows of the run's window as text, and their fingerprint; a missing table is returned,
    not raised."""
    processes = _processes(ctx, table)
    args = (ctx.settings.source_url, table, ctx.period, ctx.cutoff)
    if not processes:
        return extract_and_fingerprint(*args)
    with _slot(processes):  # at most `processes` workers at once (each holds one table's rows)
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as worker:
            return worker.submit(extract_and_fingerprint, *args).result()


@task(name="fingerprint", cache_policy=NO_CACHE)
def fingerprint_sources(ctx: RunContext, extracted: dict[str, ExtractedTable]) -> InputFingerprint:
    """The run's fingerprint from the tables' fingerprints (kinerja.fingerprint.combine_inputs)."""
    parts = {table: (e.partitions, e.digests) for table, e in extracted.items()}
    return combine_inputs(parts, ctx.policy.content_hash, ctx.cutoff, ctx.flow, ctx.period.code)
