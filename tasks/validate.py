"""Validate every extracted table with its Great Expectations suite; quarantine bad rows."""
from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from kinerja.context import RunContext
from kinerja.validation import ValidationResult, validate
from kinerja.validation.cache import VerdictCache


@task(name="validate", cache_policy=NO_CACHE)
def validate_sources(ctx: RunContext, raw: dict, row_digests: dict | None = None) -> ValidationResult:
    """`raw` as extracted; `row_digests` the extraction's RowDigests of each table (the cache's keys)."""
    cache = VerdictCache(ctx.settings.cache_dir / "validation")
    result = validate(raw, ctx.flow, ctx.policy, ctx.period, ctx.cutoff, cache=cache, row_digests=row_digests)
    logger = get_run_logger()
    logger.info("validation cache: %d partitions reused, %d validated", cache.hits, cache.misses)
    # Counts only: never a row's personal fields in logs.
    logger.info("validated %d tables: %d rows quarantined, %d findings%s", len(raw), len(result.quarantine),
                len(result.findings), ", publication BLOCKED" if result.blocked else "")
    return result
