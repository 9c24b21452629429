"""Write a run's outcome to the warehouse: results and publication in one transaction."""
from __future__ import annotations

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from kinerja import db, runs
from kinerja.context import RunContext
from kinerja.fingerprint import InputFingerprint
from kinerja.validation import ValidationResult
from tasks.retry import RETRIES


def _quality(checked: ValidationResult) -> dict[str, pd.DataFrame]:
    return {"quarantine": checked.quarantine, "data_quality": checked.data_quality}


@task(name="write-results", cache_policy=NO_CACHE, **RETRIES)
def write_results(ctx: RunContext, results: dict[str, pd.DataFrame], checked: ValidationResult,
                  fingerprint: InputFingerprint) -> int:
    """All result rows, quality rows, fingerprints and revisions, then publish: one transaction."""
    engine = db.get_engine(ctx.settings.warehouse_url)
    write = runs.RunWrite(results=results, quality=_quality(checked), partitions=fingerprint.partitions,
                          employee_digests=fingerprint.employee_digests, fingerprint=fingerprint.source_fingerprint)
    n = runs.publish(engine, ctx.run_id, ctx.flow, ctx.period.code, write, runs.now_local(ctx.policy.tz))
    get_run_logger().info("published %s: %d result tables, %d revision rows", ctx.run_id, len(results), n)
    return n


@task(name="record-blocked", cache_policy=NO_CACHE, **RETRIES)
def record_blocked(ctx: RunContext, checked: ValidationResult, fingerprint: InputFingerprint) -> None:
    engine = db.get_engine(ctx.settings.warehouse_url)
    runs.record_end(engine, ctx.run_id, "blocked", runs.now_local(ctx.policy.tz), reason=checked.block_reason,
                    fingerprint=fingerprint.source_fingerprint, quality=_quality(checked))


@task(name="record-unchanged", cache_policy=NO_CACHE, **RETRIES)
def record_unchanged(ctx: RunContext, fingerprint: InputFingerprint, published_run_id: str) -> None:
    engine = db.get_engine(ctx.settings.warehouse_url)
    runs.record_end(engine, ctx.run_id, "unchanged", runs.now_local(ctx.policy.tz),
                    fingerprint=fingerprint.source_fingerprint, previous_run_id=published_run_id)
