"""Extract one source table for the run's window; fingerprint what was extracted."""
from __future__ import annotations

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from kinerja import db
from kinerja.context import RunContext
from kinerja.extract import MissingTable, extract_table
from kinerja.fingerprint import InputFingerprint, fingerprint_inputs
from tasks.retry import RETRIES


@task(name="extract", task_run_name="extract-{table}", cache_policy=NO_CACHE, **RETRIES)
def extract_source_table(ctx: RunContext, table: str) -> pd.DataFrame | MissingTable:
    """The table's rows of the run's window, as text; a missing table is returned, not raised."""
    engine = db.get_engine(ctx.settings.source_url)
    try:
        return extract_table(engine, table, ctx.period, ctx.cutoff)
    except MissingTable as missing:
        return missing


@task(name="fingerprint", cache_policy=NO_CACHE)
def fingerprint_sources(ctx: RunContext, raw: dict[str, pd.DataFrame | MissingTable]) -> InputFingerprint:
    return fingerprint_inputs(raw, ctx.policy.content_hash, ctx.cutoff, ctx.flow, ctx.period.code)
