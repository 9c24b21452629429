"""Prefect tasks: each wraps one step of the `kinerja` package (extract a table, validate, score, write, report).

Tasks take a `RunContext` and frames, never open-ended settings; large frames pass between tasks in
memory, so every task here opts out of Prefect's input-hash caching (`NO_CACHE`), which would hash
millions of rows.
"""
from tasks.extract import extract_source_table, fingerprint_sources, holds_large_tables
from tasks.report import post_artifacts, render_reports
from tasks.score import score_month_task, score_period_task
from tasks.validate import find_reference_keys, start_held_validation, validate_sources
from tasks.write import record_blocked, record_unchanged, write_results

__all__ = [
    "extract_source_table", "holds_large_tables", "fingerprint_sources", "find_reference_keys",
    "start_held_validation", "validate_sources", "score_month_task",
    "score_period_task", "write_results", "record_blocked", "record_unchanged", "render_reports",
    "post_artifacts",
]
