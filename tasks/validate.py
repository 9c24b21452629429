"""Validate every extracted table with its Great Expectations suite; quarantine bad rows.

A large table kept by the worker that extracted it (kinerja.held) is validated there, and starts as
soon as the keys it references are known (`find_reference_keys`, `start_held_validation`): while the
other large tables are still being extracted, not after. `validate_sources` then takes those verdicts up.
"""
from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from kinerja.context import RunContext
from kinerja.extract import ExtractedTable
from kinerja.held import HeldRows
from kinerja.validation import ValidationResult, validate
from kinerja.validation.cache import VerdictCache
from kinerja.validation.validate import reference_keys, start_validation


def _verdict_cache(ctx: RunContext) -> VerdictCache:
    return VerdictCache(ctx.settings.cache_dir / "validation")


@task(name="reference-keys", cache_policy=NO_CACHE)
def find_reference_keys(ctx: RunContext, extracted: dict[str, ExtractedTable]) -> dict | None:
    """The keys of the used units, employees and indicators (validation.reference_keys), or None if
    finding them failed: `validate_sources` finds them again and reports what is wrong."""
    try:
        return reference_keys({t: e.rows for t, e in extracted.items()}, ctx.policy, _verdict_cache(ctx),
                              {t: e.row_digests for t, e in extracted.items()})
    except Exception as exc:  # noqa: BLE001 - only a head start is lost
        get_run_logger().warning("reference keys not found ahead of validation: %s", type(exc).__name__)
        return None


@task(name="start-validation", task_run_name="start-validation-{table}", cache_policy=NO_CACHE)
def start_held_validation(ctx: RunContext, table: str, extracted: ExtractedTable, refs: dict | None,
                          unused: dict) -> bool:
    """Let the worker holding `table` validate it now; False when the rows are not held (or no keys)."""
    if refs is None or not isinstance(extracted.rows, HeldRows):
        return False
    try:
        start_validation(extracted.rows, refs, ctx.policy, _verdict_cache(ctx), extracted.row_digests,
                         tuple(unused.get(table, ())))
    except Exception as exc:  # noqa: BLE001 - a worker already let go (an unchanged run); validation will say
        get_run_logger().warning("validation of %s not started early: %s", table, type(exc).__name__)
        return False
    return True


@task(name="validate", cache_policy=NO_CACHE)
def validate_sources(ctx: RunContext, raw: dict, row_digests: dict | None = None,
                     unused: dict | None = None) -> ValidationResult:
    """`raw` as extracted; `row_digests` the extraction's RowDigests of each table (the cache's keys);
    `unused` the columns (table -> names) the run does not need in the used frames."""
    cache = _verdict_cache(ctx)
    result = validate(raw, ctx.flow, ctx.policy, ctx.period, ctx.cutoff, cache=cache, row_digests=row_digests,
                      unused=unused)
    logger = get_run_logger()
    logger.info("validation cache: %d partitions reused, %d validated", cache.hits, cache.misses)
    # Counts only: never a row's personal fields in logs.
    logger.info("validated %d tables: %d rows quarantined, %d findings%s", len(raw), len(result.quarantine),
                len(result.findings), ", publication BLOCKED" if result.blocked else "")
    return result
