"""Fingerprints of a run's inputs, per table and per month partition, and per employee.

A run's result depends on the extracted rows (quarantined ones included), the policy file's content,
the code and the cut-off date. Each extracted table is split into partitions (a month of `attendance`,
`activities`, `survey_responses` by their date; a quarter of `feedback`/`targets`; the whole table for
the others) and each partition gets an order-independent checksum of its rows. The run's
`source_fingerprint` hashes all of them with the policy hash, code version and cut-off; equal
fingerprints mean an identical result, so the run is recorded `unchanged`. The partition checksums let
validation reuse verdicts of unchanged partitions, and the per-employee digests let `kinerja diff` say
which inputs of an employee changed.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.core.util.hashing import combine_hash_arrays

import kinerja

# The column that splits a table into partitions, and how many leading characters name the partition.
PARTITION_COLUMN = {
    "attendance": ("work_date", 7),        # YYYY-MM
    "activities": ("activity_date", 7),
    "survey_responses": ("response_date", 7),
}
# The column naming the employee a row is about (for per-employee digests).
EMPLOYEE_COLUMN = {
    "employees": "nip", "assignments": "nip", "attendance": "nip", "activities": "nip",
    "targets": "nip", "feedback": "ratee_nip",
}
WHOLE = "all"


#: The first rows of a column that decide how it is hashed (text_hashes).
_SAMPLE = 4096
#: Values hashed at once by text_hashes, value by value.
_SLICE = 1 << 16
#: hash_array's hash of NULL when it factorises first (pandas' u8max).
_NULL_HASH = np.uint64(np.iinfo(np.uint64).max)


def text_hashes(values: np.ndarray) -> np.ndarray:
    """The 64-bit hash of each text cell (str or None): exactly `pandas.util.hash_array(values)`.

    pandas factorises a column and hashes its distinct values, which is cheap for dates and codes but
    for identifiers and free text (millions of distinct strings) builds a hash table that outgrows
    the processor's caches. Such a column (more than half of its first rows distinct) is hashed value
    by value instead, with NULL given the hash pandas gives it (not the hash of the text "None").
    """
    values = np.asarray(values, dtype=object)
    sample = values[:_SAMPLE]
    if len(values) <= _SAMPLE or len(pd.unique(sample)) <= len(sample) // 2:
        return pd.util.hash_array(values)
    # In slices: hash_array encodes every value of its input to a new bytes object and holds them all until
    # it is done (a year's activity ids: 0.26 GiB at once), where a slice's 64k cost a few MiB, in less time.
    hashed = np.empty(len(values), dtype=np.uint64)
    for start in range(0, len(values), _SLICE):
        hashed[start:start + _SLICE] = pd.util.hash_array(values[start:start + _SLICE], categorize=False)
    nulls = pd.isna(values)
    if nulls.any():
        hashed[nulls] = _NULL_HASH
    return hashed


def row_hashes(frame: pd.DataFrame, codes: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None
               ) -> np.ndarray:
    """A 64-bit hash of each row's values (column order fixed by sorting the names); the same as
    `pandas.util.hash_pandas_object(frame, index=False)` on raw frames (text or None).

    `codes` may give a column as its distinct values and each cell's position in them (as extraction
    read it): only the distinct values are hashed then, with the same result."""
    if frame.empty:
        return np.zeros(0, dtype=np.uint64)
    codes = codes or {}

    def hashes(column: str) -> np.ndarray:
        if column in codes:
            distinct, positions = codes[column]
            return text_hashes(distinct)[positions]
        return text_hashes(frame[column].to_numpy(dtype=object))

    columns = sorted(frame.columns)
    return combine_hash_arrays((hashes(c) for c in columns), len(columns))


def combine(hashes: np.ndarray) -> str:
    """An order-independent digest of a multiset of row hashes."""
    return hashlib.sha256(np.sort(hashes).tobytes()).hexdigest()


@dataclass
class InputFingerprint:
    """Partition checksums of every table a run read, and the overall fingerprint."""

    partitions: pd.DataFrame  # source_table, partition, row_count, fingerprint
    employee_digests: pd.DataFrame  # source_table, nip, row_count, digest
    source_fingerprint: str = ""
    extras: dict[str, str] = field(default_factory=dict)


def _distinct(values: pd.Series, fn, null: str) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row, fn of each distinct value): fn applied once per distinct value (partition keys
    repeat millions of times); NULL maps to `null`, the last code."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [fn(u) for u in uniques]
    mapped[-1] = null
    return codes % len(mapped), mapped


def _per_distinct(values: pd.Series, fn, null: str) -> np.ndarray:
    """fn of each row's value, computed once per distinct value."""
    codes, mapped = _distinct(values, fn, null)
    return mapped[codes]


def partition_columns(table: str) -> tuple[str, ...]:
    """The columns whose raw values name a row's partition (none: the table is one partition)."""
    if table in PARTITION_COLUMN:
        return (PARTITION_COLUMN[table][0],)
    return ("year", "quarter") if table in ("feedback", "targets") else ()


def partition_keys(table: str, frame: pd.DataFrame) -> np.ndarray:
    """Each row's partition, from the raw text of partition_columns: `YYYY-MM` (the first 7 characters
    of a date), `<year>-Q<quarter>`, or WHOLE; a NULL part reads "null". Identical rows always share a
    partition."""
    if table in PARTITION_COLUMN:
        column, width = PARTITION_COLUMN[table]
        return _per_distinct(frame[column], lambda v: str(v)[:width], "null")
    if table in ("feedback", "targets"):
        (year_codes, years), (quarter_codes, quarters) = (_distinct(frame[c], str, "null") for c in ("year", "quarter"))
        pair_codes, pairs = pd.factorize(year_codes * len(quarters) + quarter_codes)
        names = np.array([f"{years[p // len(quarters)]}-Q{quarters[p % len(quarters)]}" for p in pairs],
                         dtype=object)
        return names[pair_codes]
    return np.full(len(frame), WHOLE, dtype=object)


def fingerprint_table(table: str, frame: pd.DataFrame, hashes: np.ndarray,
                      parts: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Partition checksums and per-employee digests of one extracted (raw) table, given its `row_hashes`
    and `partition_keys` (table_parts computes them once for this and for `row_digests`)."""
    hashes = pd.Series(hashes, index=frame.index, dtype="uint64")
    partitions = [
        {"source_table": table, "partition": str(key), "row_count": int(len(group)),
         "fingerprint": combine(group.to_numpy(dtype=np.uint64))}
        for key, group in hashes.groupby(parts, sort=True)
    ]
    if not partitions:
        partitions = [{"source_table": table, "partition": WHOLE, "row_count": 0,
                       "fingerprint": combine(np.zeros(0, np.uint64))}]
    digests = pd.DataFrame(columns=["source_table", "nip", "row_count", "digest"])
    column = EMPLOYEE_COLUMN.get(table)
    if column and not frame.empty:
        nips = _per_distinct(frame[column], str, "")
        grouped = hashes.groupby(nips, sort=True)
        sums = grouped.sum().astype("uint64")
        digests = pd.DataFrame({
            "source_table": table,
            "nip": sums.index.to_numpy(dtype=object),
            "row_count": grouped.size().to_numpy(),
            # a sum of row hashes (mod 2^64) is order-independent and cheap for many small groups
            "digest": [f"{int(v):016x}" for v in sums.to_numpy()],
        })
    return pd.DataFrame(partitions), digests


@dataclass(frozen=True)
class RowDigests:
    """Order-sensitive digests of a table's rows as extracted: of the whole table and of each partition
    (labels of `partition_keys`, rows in their order within it).

    Validation keys its cached verdicts by them (kinerja.validation.core.cache_key): a verdict lists the
    used and quarantined rows in their order, so the order-independent checksums of `fingerprint_table`
    would not do, and hashing the rows again in the run's process would cost seconds a year.
    """

    whole: str
    partitions: dict[str, str]


def row_digests(hashes: np.ndarray, parts: np.ndarray) -> RowDigests:
    """The RowDigests of rows with these `row_hashes` and `partition_keys`."""
    hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
    per = pd.Series(hashes).groupby(parts, sort=True) if len(hashes) else ()
    return RowDigests(hashlib.sha256(hashes.tobytes()).hexdigest(),
                      {str(key): hashlib.sha256(group.to_numpy(dtype=np.uint64).tobytes()).hexdigest()
                       for key, group in per})


@lru_cache(maxsize=1)
def code_version() -> str:
    """The package version plus a digest of the code and SQL that compute results."""
    root = Path(kinerja.__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for folder, pattern in (("kinerja", "**/*.py"), ("sql", "**/*.sql"), ("flows", "*.py"), ("tasks", "*.py")):
        for path in sorted((root / folder).glob(pattern)):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{kinerja.__version__}+{digest.hexdigest()[:12]}"


def table_parts(table: str, frame: pd.DataFrame | Exception,
                codes: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame | None, RowDigests | None]:
    """One table's share of a run's fingerprint: its partition checksums and per-employee digests
    (`fingerprint_table`), or for a missing table a checksum of its absence; and the RowDigests that
    key its validation. Computed where the table was extracted (a worker process for the large tables),
    so the rows are hashed once, while they are still warm. `codes`: as for `row_hashes`."""
    if not isinstance(frame, pd.DataFrame):  # a missing table: its absence is part of the input
        return pd.DataFrame([{"source_table": table, "partition": "missing", "row_count": 0,
                              "fingerprint": hashlib.sha256(repr(frame).encode()).hexdigest()}]), None, None
    hashes = row_hashes(frame, codes)
    parts = partition_keys(table, frame) if not frame.empty else np.array([], dtype=object)
    return (*fingerprint_table(table, frame, hashes, parts), row_digests(hashes, parts))


def combine_inputs(parts: dict[str, tuple[pd.DataFrame, pd.DataFrame | None]], policy_hash: str, cutoff: date,
                   flow: str, period: str) -> InputFingerprint:
    """The run's fingerprint from every table's `table_parts`, the policy, the code and the cut-off."""
    partitions = pd.concat([parts[table][0] for table in sorted(parts)], ignore_index=True)
    digests = [parts[table][1] for table in sorted(parts) if parts[table][1] is not None]
    extras = {"policy_hash": policy_hash, "code_version": code_version(), "cutoff": cutoff.isoformat(),
              "flow": flow, "period": period}
    overall = hashlib.sha256()
    for row in partitions.itertuples(index=False):
        overall.update(f"{row.source_table}/{row.partition}/{row.row_count}/{row.fingerprint}\n".encode())
    for key in sorted(extras):
        overall.update(f"{key}={extras[key]}\n".encode())
    employee = (pd.concat(digests, ignore_index=True) if digests
                else pd.DataFrame(columns=["source_table", "nip", "row_count", "digest"]))
    return InputFingerprint(partitions, employee, overall.hexdigest(), extras)


def fingerprint_inputs(raw: dict[str, pd.DataFrame | Exception], policy_hash: str, cutoff: date,
                       flow: str, period: str) -> InputFingerprint:
    """Fingerprint everything a run's results depend on."""
    return combine_inputs({table: table_parts(table, frame)[:2] for table, frame in raw.items()}, policy_hash,
                          cutoff, flow, period)
