"""Validation of extracted source rows: GX suites (one per table, declared in suites.py), quarantine,
data_quality and the publication gate (validation.md). Entry points: `validate` (a run's tables) and
`validate_table` (one table or partition: the unit a cache keys by `cache_key`).
"""
from kinerja.validation.core import (QUARANTINE_COLUMNS, TableVerdict, cache_key, combine_verdicts,
                                     crossing_keys, fingerprint_frame, fingerprint_refs, partition_table,
                                     validate_table)
from kinerja.validation.suites import KEYS, SUITE_VERSION, SUITES, check_names
from kinerja.validation.validate import (DATA_QUALITY_COLUMNS, Finding, ValidationResult, mask_key,
                                         validate)

__all__ = [
    "DATA_QUALITY_COLUMNS", "KEYS", "QUARANTINE_COLUMNS", "SUITES", "SUITE_VERSION", "Finding",
    "TableVerdict", "ValidationResult", "cache_key", "check_names", "combine_verdicts", "crossing_keys",
    "fingerprint_frame", "fingerprint_refs", "mask_key", "partition_table", "validate", "validate_table",
]
