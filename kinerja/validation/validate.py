"""`validate`: raw frames in, typed used frames + quarantine + data_quality + findings out (seam 2).

Tables are validated in reference order (units, employees, indicators, then the tables that point at
them), each against the keys of the referenced tables' *used* rows, so the rows of a quarantined
employee are quarantined too (`unknown_nip`). Table checks (kinerja/validation/table_checks.py) then
decide whether publication is blocked.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, MutableMapping
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from kinerja import held, memory
from kinerja.extract import FLOW_TABLES, OPTIONAL_TABLES, SOURCE_COLUMNS, MissingTable
from kinerja.fingerprint import RowDigests
from kinerja.periods import Period
from kinerja.validation import parse
from kinerja.validation.core import (QUARANTINE_COLUMNS, WHOLE, TableVerdict, cache_key,
                                     combine_verdicts, crossing_keys, empty_quarantine, normalise_raw,
                                     partition_positions, take_partition, typed_empty, validate_table)
from kinerja.validation.suites import (CRITICAL, DUPLICATE_IDENTICAL, ERROR, KEYS, WARNING, check_names,
                                       referenced_tables)

#: Validation order: a table comes after the tables it references.
ORDER = ("units", "employees", "indicators", "assignments", "holidays", "work_schedules", "attendance",
         "activities", "targets", "feedback", "survey_responses")
#: The tables other tables reference, in validation order, and their key column.
REFERENCE_KEYS = {"units": "unit_code", "employees": "nip", "indicators": "indicator_id"}
DATA_QUALITY_COLUMNS = ["source_table", "extracted", "used", "quarantined", "check_name", "failed", "severity"]


@dataclass(frozen=True)
class Finding:
    """A row check that quarantined rows, or a table check that found something."""

    source_table: str
    check_name: str
    severity: str  # critical | error | warning
    count: int  # rows (row checks); keys, groups, rows or columns concerned (table checks)
    example_keys: tuple[str, ...] = ()
    message: str = ""
    table_check: bool = False

    def describe(self, *, masked: bool = False) -> str:
        keys = [mask_key(k) for k in self.example_keys] if masked else list(self.example_keys)
        text = f"{self.source_table}: {self.check_name} ({self.count})"
        if self.message:
            text += f" - {self.message}"
        if keys:
            text += f"; e.g. {', '.join(keys)}"
        return text


@dataclass
class ValidationResult:
    used: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    data_quality: pd.DataFrame
    unknown_days: pd.DataFrame
    findings: list[Finding]
    blocked: bool
    block_reason: str | None = None
    verdicts: dict[str, TableVerdict] = field(default_factory=dict)

    def accounts_only(self) -> "ValidationResult":
        """The quarantine and data-quality accounts without the (large) row frames: what the steps
        after scoring need."""
        return replace(self, used={}, verdicts={}, unknown_days=self.unknown_days.iloc[0:0])

    def for_scoring(self, unused: Mapping[str, tuple[str, ...]]) -> "ValidationResult":
        """The result without the per-table verdicts and with the `unused` columns (table -> columns)
        left out of the used frames: what scoring needs, with ids and free text freed."""
        used = dict(self.used)
        for table, columns in unused.items():
            if table in used and set(columns) & set(used[table].columns):
                # A copy: a view would keep the block that holds the dropped columns (and their strings).
                used[table] = used[table].drop(columns=[c for c in columns if c in used[table].columns]).copy()
        return replace(self, used=used, verdicts={})

    @property
    def block_reason_masked(self) -> str | None:
        """The block reason with NIPs masked (`…1031`), for logs and Prefect artifacts."""
        if not self.blocked:
            return None
        return "; ".join(f.describe(masked=True) for f in self.findings if f.severity == CRITICAL)


_NIP_LIKE = re.compile(r"[0-9]{8,}")


def mask_key(key: str) -> str:
    """A key with every long digit run (NIPs) cut to its last 4 digits: `…1031|2026-01-05`."""
    return _NIP_LIKE.sub(lambda m: "…" + m.group(0)[-4:], key)


def validate(raw: Mapping[str, pd.DataFrame | MissingTable | held.HeldRows], flow: str, policy,
             period: Period | None = None, cutoff: date | None = None, *,
             cache: MutableMapping[str, TableVerdict] | None = None,
             row_digests: Mapping[str, RowDigests | None] | None = None,
             unused: Mapping[str, tuple[str, ...]] | None = None) -> ValidationResult:
    """Validate the extracted tables of a run (docs/architecture.md, seam 2; validation.md).

    `raw` maps table → frame as extract_table returned it, or the MissingTable it raised, or the
    HeldRows of a worker process that kept the frame (kinerja.held: validated there, in parallel, and
    released); a table the flow needs and `raw` lacks counts as missing. `period` and `cutoff` enable
    the checks that need the calendar (attendance per month). With `cache`, table verdicts (attendance
    per month) are looked up and stored by `core.cache_key`; `row_digests` (table → the RowDigests
    extraction computed of exactly the frame in `raw`) saves hashing the rows again for the keys.
    `unused` (table → columns) are left out of the used frames: columns the caller does not need (nor a
    worker need send back).
    """
    try:
        return _validate(raw, flow, policy, period, cutoff, cache, row_digests, unused or {})
    finally:
        held.release(raw)  # a worker whose table was not validated (missing columns, an error) exits too


def _validate(raw, flow, policy, period, cutoff, cache, row_digests, unused) -> ValidationResult:
    from kinerja.validation.table_checks import nips_by_month, table_findings

    if flow not in FLOW_TABLES:
        raise ValueError(f"unknown flow {flow!r}; expected one of {', '.join(FLOW_TABLES)}")
    needed = FLOW_TABLES[flow]
    frames: dict[str, pd.DataFrame] = {}
    missing: dict[str, MissingTable] = {}
    for table in ORDER:
        if table not in needed and table not in raw:
            continue
        given = raw.get(table, MissingTable(table, tuple(SOURCE_COLUMNS[table])))
        if isinstance(given, (pd.DataFrame, held.HeldRows)):
            absent = [c for c in SOURCE_COLUMNS[table] if c not in given.columns]
            given = MissingTable(table, absent) if absent else given
        if isinstance(given, MissingTable):
            if table in OPTIONAL_TABLES and given.whole_table:
                given = pd.DataFrame({c: pd.Series([], dtype=object) for c in SOURCE_COLUMNS[table]})
            else:
                missing[table] = given
                continue
        frames[table] = given

    verdicts: dict[str, TableVerdict] = {}
    in_workers: dict[str, Future[held.HeldVerdict]] = {}  # tables validated by the worker holding them
    refs: dict[str, pd.Index] = {}
    digests = {t: d for t, d in (row_digests or {}).items() if t in frames and frames[t] is raw.get(t)}
    for table in ORDER:
        key = REFERENCE_KEYS.get(table)
        if table in missing:
            verdicts[table] = TableVerdict(table, 0, typed_empty(table), empty_quarantine())
        elif table in frames:
            if table == "units":
                verdicts[table] = _validate_units(frames[table], policy, cache, digests.get(table))
            else:
                table_refs = {r: refs.get(r, pd.Index([], dtype=object)) for r in referenced_tables(table)}
                if isinstance(frames[table], held.HeldRows):
                    in_workers[table] = frames[table].validate(table_refs, policy, cache, digests.get(table),
                                                               tuple(unused.get(table, ())))
                    if not key:
                        continue  # validated there while this process goes on with the next tables
                    verdicts[table] = _from_worker(in_workers.pop(table), cache).verdict
                else:
                    verdicts[table] = validate_rows(table, frames[table], table_refs, policy, cache,
                                                    digests.get(table))
        else:
            continue
        if key:
            refs[table] = _used_keys(table, verdicts[table])
    attendance_nips: dict[str, pd.Index] = {}
    for table, future in in_workers.items():
        answer = _from_worker(future, cache)
        verdicts[table] = answer.verdict
        attendance_nips = answer.nips_by_month if table == "attendance" else attendance_nips
        frames[table].release()
    verdicts = {table: verdicts[table] for table in ORDER if table in verdicts}  # the tables' order
    if isinstance(frames.get("attendance"), pd.DataFrame) and len(frames["attendance"]):
        attendance_nips = nips_by_month(frames["attendance"])

    findings = _row_findings(verdicts)
    findings += table_findings(verdicts, missing, attendance_nips or {}, policy, period, cutoff)
    blocked = any(f.severity == CRITICAL for f in findings)
    block_reason = "; ".join(f.describe() for f in findings if f.severity == CRITICAL) if blocked else None
    used = {t: _without(verdicts[t].used if t in verdicts else typed_empty(t), unused.get(t, ()))
            for t in SOURCE_COLUMNS}
    quarantine = pd.concat([empty_quarantine()] + [v.quarantine for v in verdicts.values() if len(v.quarantine)],
                           ignore_index=True)[QUARANTINE_COLUMNS]
    return ValidationResult(
        used=used,
        quarantine=quarantine,
        data_quality=_data_quality(verdicts, findings),
        unknown_days=_unknown_days(verdicts.get("attendance")),
        findings=findings,
        blocked=blocked,
        block_reason=block_reason,
        verdicts=verdicts,
    )


def reference_keys(raw: Mapping, policy, cache=None, row_digests: Mapping | None = None) -> dict[str, pd.Index]:
    """The keys other tables reference (REFERENCE_KEYS): those of the used rows of units, employees and
    indicators, as `validate` finds them (empty for a table that is absent, missing or lacks a column)."""
    refs: dict[str, pd.Index] = {}
    for table in REFERENCE_KEYS:  # in validation order
        frame = raw.get(table)
        if not isinstance(frame, pd.DataFrame) or any(c not in frame.columns for c in SOURCE_COLUMNS[table]):
            refs[table] = pd.Index([], dtype=object)
            continue
        digest = (row_digests or {}).get(table)
        if table == "units":
            verdict = _validate_units(frame, policy, cache, digest)
        else:
            verdict = validate_rows(table, frame, {r: refs[r] for r in referenced_tables(table)}, policy, cache,
                                    digest)
        refs[table] = _used_keys(table, verdict)
    return refs


def start_validation(rows: held.HeldRows, refs: Mapping[str, pd.Index], policy, cache=None,
                     rows_digests: RowDigests | None = None, unused: tuple[str, ...] = ()) -> None:
    """Start validating a table its worker holds, given `reference_keys`, so that it runs while other
    tables are still being extracted; `validate`, given the same keys, takes the verdict up."""
    table_refs = {r: refs.get(r, pd.Index([], dtype=object)) for r in referenced_tables(rows.table)}
    rows.validate(table_refs, policy, cache, rows_digests, tuple(unused))


def _used_keys(table: str, verdict: TableVerdict) -> pd.Index:
    return pd.Index(verdict.used[REFERENCE_KEYS[table]].to_numpy(dtype=object), dtype=object)


def _without(frame: pd.DataFrame, columns) -> pd.DataFrame:
    drop = [c for c in columns if c in frame.columns]
    return frame.drop(columns=drop) if drop else frame


def _from_worker(future: "Future[held.HeldVerdict]", cache) -> held.HeldVerdict:
    """The verdict a worker sent; its cache counts added to `cache`'s (a VerdictCache counts)."""
    answer = future.result()
    if hasattr(cache, "hits"):
        cache.hits += answer.hits
        cache.misses += answer.misses
    return answer


def validate_rows(table: str, frame: pd.DataFrame, refs, policy, cache,
                  digests: RowDigests | None = None, unused: tuple[str, ...] = (),
                  reread: Callable[[], pd.DataFrame] | None = None) -> TableVerdict:
    """The table's verdict from its partitions' verdicts (core.partition_table), each looked up in
    `cache` by content or validated and stored; without a cache, the whole table at once. `digests`
    are the frame's RowDigests from extraction (the content part of the keys), if known; `unused`
    columns are left out of the verdict's used rows (the cache keeps them).

    Once every partition is judged this function lets go of `frame` before it combines the verdicts: a
    caller that passes its only reference (kinerja.held's workers) has the raw rows freed by then. Such a
    caller may also give `reread`, which reads the same rows again: the frame is then cut into its
    partitions at once and each partition's rows are freed as soon as they are judged, instead of the
    whole table staying until the last one is (about 0.4 GiB of a year of activities or feedback, beside
    the verdicts judged so far). The rare table whose ids cross partitions is read again to judge the
    partitions holding them again."""
    if cache is None:
        return _without_used(validate_table(table, frame, refs, policy), unused)
    frame = normalise_raw(table, frame)
    positions = partition_positions(table, frame) or {WHOLE: None}
    whole = len(positions) == 1  # one partition holds the frame's rows in their order
    waiting: dict[str, pd.DataFrame] | None = None  # with `reread`: each partition's rows until judged
    if reread is not None and not whole:
        waiting = {label: take_partition(table, frame, rows) for label, rows in positions.items()}
        frame = None
        memory.trim()

    def rows_of(label: str) -> pd.DataFrame:  # taken when judged: one partition's copy at a time
        if waiting is not None:
            return waiting.pop(label)
        return frame if positions[label] is None else take_partition(table, frame, positions[label])

    verdicts: dict[str, TableVerdict] = {}
    for label in positions:
        part = rows_of(label)
        key = cache_key(table, part, refs, _rows_digest(digests, label, whole))
        if key in cache:
            verdicts[label] = cache[key]
        else:  # stored for later runs; this run keeps the verdict it has instead of reading it back
            verdicts[label] = cache[key] = validate_table(table, part, refs, policy)
        del part
        memory.trim()  # the partition's copies and batch: freed pages go back before the next one
    crossing = crossing_keys(table, verdicts)
    if len(crossing):  # ids used in several partitions: those partitions again, knowing them (rare)
        if waiting is not None:  # the rows were let go as they were judged: read them again
            frame, waiting = normalise_raw(table, reread()), None
            positions = partition_positions(table, frame) or {WHOLE: None}
        (key_col,) = KEYS[table]
        for label in positions:
            part = rows_of(label)
            if part[key_col].isin(crossing).any():
                verdicts[label] = validate_table(table, part, refs, policy, crossing=crossing)
    part = frame = None  # judged: the raw rows go now, unless the caller keeps them
    memory.trim()
    # Each partition's verdict without the unused columns, its full one let go as the next is taken.
    return combine_verdicts([_without_used(verdicts.pop(label), unused) for label in list(verdicts)])


def _without_used(verdict: TableVerdict, unused: tuple[str, ...]) -> TableVerdict:
    return replace(verdict, used=_without(verdict.used, unused)) if unused else verdict


def _rows_digest(digests: RowDigests | None, label: str, whole: bool) -> str | None:
    """The digest of one partition's rows, or of the whole table's when it is validated in one piece
    (a table that is not partitioned, or has a single partition)."""
    if digests is None:
        return None
    return digests.whole if whole else digests.partitions.get(label)


def _validate_units(frame: pd.DataFrame, policy, cache, digests: RowDigests | None = None) -> TableVerdict:
    """Units reference units (parent_code): repeat until the set of valid unit codes is stable."""
    codes = frame["unit_code"].dropna()
    known = pd.Index(codes[codes.astype(str).str.strip() != ""].unique().tolist(), dtype=object)
    while True:
        verdict = validate_rows("units", frame, {"units": known}, policy, cache, digests)
        valid = pd.Index(verdict.used["unit_code"].to_numpy(dtype=object), dtype=object).unique()
        if len(valid) == len(known) and valid.isin(known).all():
            return verdict
        known = valid


def _row_findings(verdicts: Mapping[str, TableVerdict]) -> list[Finding]:
    out = []
    for table, verdict in verdicts.items():
        for check, count in verdict.failed.items():
            severity = WARNING if check == DUPLICATE_IDENTICAL.name else ERROR
            out.append(Finding(table, check, severity, count, tuple(verdict.examples.get(check, ())),
                               f"{count} row(s) failed"))
    return out


def _data_quality(verdicts: Mapping[str, TableVerdict], findings: list[Finding]) -> pd.DataFrame:
    rows = []
    for table, v in verdicts.items():
        totals = dict(source_table=table, extracted=v.extracted, used=len(v.used), quarantined=v.quarantined)
        rows.append({**totals, "check_name": None, "failed": v.quarantined, "severity": None})
        order = check_names(table)
        row_checks = sorted((f for f in findings if f.source_table == table and not f.table_check),
                            key=lambda f: order.index(f.check_name))
        for f in row_checks:
            rows.append({**totals, "check_name": f.check_name, "failed": f.count, "severity": f.severity})
        for f in findings:
            if f.source_table == table and f.table_check:
                rows.append({**totals, "check_name": f.check_name, "failed": 1, "severity": f.severity})
    frame = pd.DataFrame(rows, columns=DATA_QUALITY_COLUMNS)
    for col in ("extracted", "used", "quarantined", "failed"):
        frame[col] = frame[col].astype(np.int64)
    for col in ("source_table", "check_name", "severity"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


def _unknown_days(verdict: TableVerdict | None) -> pd.DataFrame:
    """Days with a quarantined attendance row and no used row (methodology.md, unknown day)."""
    empty = pd.DataFrame({"nip": pd.Series([], dtype=object),
                          "work_date": pd.Series([], dtype="datetime64[ns]")})
    if verdict is None or verdict.quarantined_raw is None or len(verdict.quarantined_raw) == 0:
        return empty
    q = verdict.quarantined_raw
    codes, uniques = parse.factorize(q["work_date"])
    days = parse.map_uniques(codes, uniques, parse.date_days)
    keep = ~np.isnan(days) & q["nip"].notna().to_numpy()
    days_frame = pd.DataFrame({"nip": q["nip"].to_numpy()[keep],
                               "work_date": parse.days_to_datetime(days[keep])}).drop_duplicates()
    used = verdict.used[["nip", "work_date"]]
    used = used[used["nip"].isin(days_frame["nip"]).to_numpy()].drop_duplicates()  # only those NIPs' days
    merged = days_frame.merge(used, on=["nip", "work_date"], how="left", indicator=True)
    out = merged[merged["_merge"] == "left_only"][["nip", "work_date"]]
    out = out.sort_values(["work_date", "nip"], kind="stable").reset_index(drop=True)
    out["nip"] = out["nip"].astype(object)
    return out
