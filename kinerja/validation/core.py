"""Row checks of one table: `validate_table` is the unit of validation (and of a later cache).

A verdict depends only on the table's raw rows and on the valid keys of the tables it references
(`refs`), so a cache can key it by `cache_key(table, raw, refs)`. The large tables are validated per
partition (`partition_table`: attendance and activities per month, feedback per quarter) and the
verdicts concatenated with `combine_verdicts`. An attendance key (nip + work_date) lies within one
month; an activity or feedback id can recur in another partition, so `crossing_keys` finds the ids
used in more than one partition and those partitions are validated again with them
(`validate_table(..., crossing=...)`), which gives exactly the whole table's verdict.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kinerja.extract import SOURCE_COLUMNS, TEXT_MARK
from kinerja.fingerprint import WHOLE, partition_columns, partition_keys, text_hashes
from kinerja.validation import parse
from kinerja.validation.gx import ROW, run_suite
from kinerja.validation.suites import (DUPLICATE_CONFLICTING, DUPLICATE_IDENTICAL, KEYS, REFERENCES,
                                       SUITE_VERSION, SUITES, check_names, gx_suite, referenced_tables)

QUARANTINE_COLUMNS = ["source_table", "row_key", "check_name", "detail", "row_json"]
EXAMPLES = 5  # example keys kept per check
Refs = Mapping[str, "pd.Index | Sequence[str]"]


@dataclass
class TableVerdict:
    """The row-check outcome of one table (or one partition of it)."""

    table: str
    extracted: int
    used: pd.DataFrame  # typed (docs/architecture.md, typed frame convention)
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS
    failed: dict[str, int] = field(default_factory=dict)  # check -> rows failing it (first or not)
    examples: dict[str, list[str]] = field(default_factory=dict)  # check -> a few row keys failing it
    quarantined_raw: pd.DataFrame | None = None  # the quarantined rows as read, plus check_name

    @property
    def quarantined(self) -> int:
        return len(self.quarantine)


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in QUARANTINE_COLUMNS})


def normalise_raw(table: str, raw: pd.DataFrame) -> pd.DataFrame:
    """Contract columns in order, object dtype holding str or None, positional index."""
    if (raw.attrs.get(TEXT_MARK) == table and list(raw.columns) == list(SOURCE_COLUMNS[table])
            and isinstance(raw.index, pd.RangeIndex) and raw.index.start == 0 and raw.index.step == 1):
        return raw
    out = {}
    for col in SOURCE_COLUMNS[table]:
        s = raw[col]
        values = s.to_numpy(dtype=object, na_value=None) if s.dtype != object else s.to_numpy()
        if not set(map(type, values)) <= {str, type(None)}:
            values = np.array([_text(v) for v in values], dtype=object)
        out[col] = pd.Series(values, dtype=object, copy=False)
    frame = pd.DataFrame(out, copy=False)
    frame.attrs[TEXT_MARK] = table
    return frame


def _text(v: object) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, float):
        return None if v != v else repr(v)
    if v is pd.NA or v is pd.NaT:
        return None
    return str(v)


def as_index(keys) -> pd.Index:
    """Valid keys of a referenced table (Index, Series, set or list) as an object Index."""
    if keys is None:
        return pd.Index([], dtype=object)
    if isinstance(keys, pd.Index) and keys.dtype == object:
        return keys
    if isinstance(keys, (pd.Index, pd.Series, np.ndarray)):
        return pd.Index(np.asarray(keys, dtype=object), dtype=object)
    return pd.Index(list(keys), dtype=object)


def typed_empty(table: str) -> pd.DataFrame:
    return _typed(table, normalise_raw(table, _empty_raw(table)), {})


def _empty_raw(table: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in SOURCE_COLUMNS[table]})


def _typed(table: str, raw: pd.DataFrame, values: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The typed frame: DATE/TIMESTAMP → datetime64[ns], TIME → float seconds, numbers → float64
    (INTEGER → int64 when never NULL), TEXT → str/None (object)."""
    out = {}
    for col, kind in SOURCE_COLUMNS[table].items():
        if kind == "text":
            out[col] = raw[col].reset_index(drop=True)
            continue
        v = values.get(col)
        if v is None:
            codes, uniques = parse.factorize(raw[col])
            v = parse.map_uniques(codes, uniques, parse.PARSERS[kind])
        if kind == "date":
            out[col] = pd.Series(parse.days_to_datetime(v))
        elif kind == "timestamp":
            out[col] = pd.Series(parse.seconds_to_datetime(v))
        elif kind == "integer" and len(v) and not np.isnan(v).any():
            out[col] = pd.Series(v.astype(np.int64))
        else:
            out[col] = pd.Series(v.astype(np.float64))
    return pd.DataFrame(out)


class _Helpers:
    """Helper columns for one table's batch, computed on demand and vectorised."""

    def __init__(self, table: str, raw: pd.DataFrame, refs: Refs):
        self.table, self.raw, self.refs = table, raw, refs
        self._codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.values: dict[str, np.ndarray] = {}

    def codes(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        if col not in self._codes:
            self._codes[col] = parse.factorize(self.raw[col])
        return self._codes[col]

    def value(self, col: str) -> np.ndarray:
        if col not in self.values:
            codes, uniques = self.codes(col)
            self.values[col] = parse.map_uniques(codes, uniques, parse.PARSERS[SOURCE_COLUMNS[self.table][col]])
        return self.values[col]

    def column(self, name: str) -> np.ndarray:
        if name == "_key":
            return self.key_codes()
        if name == "self_rater_ok":
            rater_type = self.raw["rater_type"].to_numpy()
            same = self.raw["rater_id"].to_numpy() == self.raw["ratee_nip"].to_numpy()
            return (rater_type != "self") | same
        if name.startswith("nip__") and self.table == "employees":
            return self.nip_structure()[name]
        col, _, helper = name.partition("__")
        if helper == "value":
            return self.value(col)
        codes, uniques = self.codes(col)
        if helper == "ok":
            return (codes < 0) | ~np.isnan(self.value(col))
        if helper == "present":
            per_unique = np.fromiter((bool(u.strip()) for u in uniques), dtype=bool, count=len(uniques))
            return np.where(codes >= 0, per_unique[np.maximum(codes, 0)] if len(uniques) else False, False)
        if helper == "known":
            ref_table, nullable = REFERENCES[self.table][col]
            ref_index = as_index(self.refs.get(ref_table))
            per_unique = pd.Index(uniques, dtype=object).isin(ref_index)
            known = per_unique[np.maximum(codes, 0)] if len(uniques) else np.zeros(len(codes), bool)
            return np.where(codes >= 0, known, nullable)
        if helper == "" and col in self.raw:
            return pd.Categorical(self.raw[col])  # codes hash and compare fast; NULL stays NULL
        raise KeyError(name)

    def nip_structure(self) -> dict[str, np.ndarray]:
        if "_nip" not in self.values:
            nips = self.raw["nip"].to_numpy()
            types = self.raw["employment_type"].to_numpy()
            n = len(nips)
            birth, sex, tmt = np.ones(n, bool), np.ones(n, bool), np.ones(n, bool)
            for i, (nip, kind) in enumerate(zip(nips, types)):
                # Structure is judged only for 18-digit NIPs; others fail nip_format alone.
                if isinstance(nip, str) and len(nip) == 18 and nip.isascii() and nip.isdigit():
                    birth[i], sex[i], tmt[i] = parse.nip_structure(nip, kind)
            self.values["_nip"] = {"nip__birth_ok": birth, "nip__sex_ok": sex, "nip__tmt_ok": tmt}
        return self.values["_nip"]

    def combined_codes(self, cols: Sequence[str]) -> np.ndarray:
        """One int code per distinct combination of the columns' raw values (None is a value)."""
        code = np.zeros(len(self.raw), dtype=np.int64)
        for col in cols:
            c, u = self.codes(col)
            code = code * (len(u) + 1) + (c + 1)
            code = pd.factorize(code)[0].astype(np.int64)
        return code

    def key_codes(self) -> np.ndarray:
        return self.combined_codes(KEYS[self.table])


def _batch_frame(table: str, helpers: _Helpers) -> pd.DataFrame:
    columns: dict[str, object] = {ROW: np.arange(len(helpers.raw), dtype=np.int64)}
    for check in SUITES[table]:
        for col in check.expect.columns:
            if col in columns:
                continue
            if check.expect.kind == "ExpectColumnValuesToMatchRegex":
                columns[col] = helpers.raw[col].to_numpy()  # regex needs the text itself
            else:
                columns[col] = helpers.column(col)
    columns["_key"] = helpers.key_codes()
    return pd.DataFrame(columns)


def validate_table(table: str, raw_df: pd.DataFrame, refs: Refs | None = None, policy=None, *,
                   crossing: pd.Index | None = None) -> TableVerdict:
    """Run the table's suite on its raw rows; quarantine failing rows and key duplicates.

    `refs` maps a referenced table ("employees", "units", "indicators") to the keys of its rows that
    passed their own checks. `policy` is accepted for the seam; row checks do not depend on it.
    `crossing` (for a partition of a table with a one-column key): keys that rows of other partitions
    also use; rows holding them that pass every check are duplicates with conflicting values (two
    partitions never hold identical rows), as they would be in the whole table.
    """
    if table not in SUITES:
        raise ValueError(f"{table!r} is not a source table")
    raw = normalise_raw(table, raw_df)
    n = len(raw)
    if n == 0:
        return TableVerdict(table, 0, typed_empty(table), empty_quarantine(), {}, {}, raw.assign(check_name=[]))
    refs = refs or {}
    helpers = _Helpers(table, raw, refs)
    checks = SUITES[table]
    failing = run_suite(table, gx_suite(table), _batch_frame(table, helpers))

    names = check_names(table)
    name_pos = {name: i for i, name in enumerate(names)}
    # Per row: bit i set when expectation i failed; per check: rows failing it.
    bits = np.zeros(n, dtype=np.int64)
    fails_check = np.zeros((len(names), n), dtype=bool)
    for pos, rows in failing.items():
        if pos == len(checks):
            continue  # key uniqueness, handled below among passing rows
        bits[rows] |= np.int64(1) << pos
        fails_check[name_pos[checks[pos].name], rows] = True
    passed = bits == 0

    # Key duplicates among rows that passed: GX flags every row whose key repeats.
    dup_rows = failing.get(len(checks), np.empty(0, dtype=np.int64))
    dup_rows = dup_rows[passed[dup_rows]] if len(dup_rows) else dup_rows
    identical_extra, conflicting = _duplicates(helpers, dup_rows)
    if crossing is not None and len(crossing):
        (key_col,) = KEYS[table]
        across = np.flatnonzero(passed & raw[key_col].isin(as_index(crossing)).to_numpy())
        identical_extra = np.setdiff1d(identical_extra, across)
        conflicting = np.union1d(conflicting, across)
    fails_check[name_pos[DUPLICATE_IDENTICAL.name], identical_extra] = True
    fails_check[name_pos[DUPLICATE_CONFLICTING.name], conflicting] = True
    passed[identical_extra] = False
    passed[conflicting] = False

    q_pos = np.flatnonzero(~passed)
    first = np.argmax(fails_check[:, q_pos], axis=0) if len(q_pos) else np.empty(0, dtype=np.int64)
    check_name = np.array(names, dtype=object)[first] if len(q_pos) else np.empty(0, dtype=object)
    detail = _details(checks, bits[q_pos], check_name)
    quarantine = pd.DataFrame({
        "source_table": pd.Series([table] * len(q_pos), dtype=object),
        "row_key": pd.Series(_row_keys(raw, KEYS[table], q_pos), dtype=object),
        "check_name": pd.Series(check_name, dtype=object),
        "detail": pd.Series(detail, dtype=object),
        "row_json": pd.Series(_row_json(raw, q_pos), dtype=object),
    })
    failed = {name: int(fails_check[i].sum()) for i, name in enumerate(names) if fails_check[i].any()}
    examples = {name: _row_keys(raw, KEYS[table], np.flatnonzero(fails_check[names.index(name)])[:EXAMPLES])
                for name in failed}
    used_pos = np.flatnonzero(passed)
    used_raw = raw.iloc[used_pos].reset_index(drop=True)
    used_values = {c: v[used_pos] for c, v in helpers.values.items() if c in SOURCE_COLUMNS[table]}
    quarantined_raw = raw.iloc[q_pos].reset_index(drop=True).assign(check_name=check_name)
    return TableVerdict(table, n, _typed(table, used_raw, used_values), quarantine, failed, examples,
                        quarantined_raw)


def _duplicates(helpers: _Helpers, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(extra identical copies, rows of conflicting keys) among `rows` (positions of passing rows)."""
    if len(rows) == 0:
        return rows, rows
    rows = np.sort(rows)
    key = helpers.key_codes()[rows]
    content = helpers.combined_codes(list(SOURCE_COLUMNS[helpers.table]))[rows]
    frame = pd.DataFrame({"row": rows, "key": key, "content": content})
    sizes = frame.groupby("key")["row"].transform("size")
    frame = frame[sizes.to_numpy() > 1]  # repeats among passing rows only
    variants = frame.groupby("key")["content"].transform("nunique").to_numpy()
    conflicting = frame["row"].to_numpy()[variants > 1]
    same = frame[variants == 1]
    identical_extra = same["row"].to_numpy()[same.duplicated("key", keep="first").to_numpy()]
    return identical_extra, conflicting


def _details(checks, bits: np.ndarray, check_name: np.ndarray) -> list[str]:
    """Every failing check of each row in plain words (rows with the same failures share the text)."""
    words: dict[tuple[int, str], str] = {}
    out = []
    for b, name in zip(bits.tolist(), check_name.tolist()):
        if (b, name) not in words:
            if b == 0:  # a duplicate: it passed every other check
                text = (DUPLICATE_IDENTICAL if name == DUPLICATE_IDENTICAL.name else DUPLICATE_CONFLICTING).says
            else:
                parts = [f"{c.name}: {c.says}" for i, c in enumerate(checks) if b >> i & 1]
                text = "; ".join(parts)
            words[(b, name)] = text
        out.append(words[(b, name)])
    return out


def _row_keys(raw: pd.DataFrame, key_cols: Sequence[str], positions: np.ndarray) -> list[str]:
    parts = [raw[c].to_numpy()[positions] for c in key_cols]
    return ["|".join("" if v is None else v for v in vals) for vals in zip(*parts)]


def _row_json(raw: pd.DataFrame, positions: np.ndarray) -> list[str]:
    cols = list(raw.columns)
    data = [raw[c].to_numpy()[positions] for c in cols]
    return [json.dumps(dict(zip(cols, vals)), ensure_ascii=False) for vals in zip(*data)]


def combine_verdicts(verdicts: Sequence[TableVerdict]) -> TableVerdict:
    """One verdict from the verdicts of a table's partitions (e.g. attendance months).

    Partitions without used rows are left out of `used`: their INTEGER columns are float64 (an
    empty column cannot show it is never NULL) and would make the table's float64 too.
    """
    if not verdicts:
        raise ValueError("no verdicts to combine")
    table = verdicts[0].table
    failed: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    for v in verdicts:
        for k, c in v.failed.items():
            failed[k] = failed.get(k, 0) + c
            examples[k] = (examples.get(k, []) + v.examples.get(k, []))[:EXAMPLES]
    order = check_names(table)
    return TableVerdict(
        table,
        sum(v.extracted for v in verdicts),
        pd.concat([v.used for v in verdicts if len(v.used)] or [verdicts[0].used], ignore_index=True),
        pd.concat([v.quarantine for v in verdicts], ignore_index=True),
        dict(sorted(failed.items(), key=lambda kv: order.index(kv[0]))),
        examples,
        pd.concat([v.quarantined_raw for v in verdicts if v.quarantined_raw is not None], ignore_index=True),
    )


#: Tables validated per partition (the fingerprint's: a month of attendance and activities, a quarter of
#: feedback): the large ones; a small table split in months would pay GX's cost per batch for nothing.
PARTITIONED = ("attendance", "activities", "feedback")


def partition_table(table: str, raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows of a PARTITIONED table by the partition its fingerprint gives them
    (`kinerja.fingerprint.partition_keys`: labels sorted, row order kept within each), or the whole
    table under WHOLE for the others.

    Each partition is validated alone with the same refs: its checks see only its own rows and the
    valid keys of the referenced tables. Identical rows always share a partition.
    """
    raw = normalise_raw(table, raw)
    positions = partition_positions(table, raw)
    if positions is None:
        return {WHOLE: raw}
    return {label: take_partition(table, raw, rows) for label, rows in positions.items()}


def partition_positions(table: str, raw: pd.DataFrame) -> dict[str, np.ndarray] | None:
    """The row positions of each partition of `partition_table` (labels sorted, positions ascending),
    or None when the table is validated whole. `raw` as normalise_raw returned it."""
    if table not in PARTITIONED or len(raw) == 0:
        return None
    label_codes, labels = pd.factorize(partition_keys(table, raw), sort=True)
    order = np.argsort(label_codes, kind="stable")
    bounds = np.cumsum(np.bincount(label_codes, minlength=len(labels)))[:-1]
    return {str(label): rows for label, rows in zip(labels, np.split(order, bounds))}


def take_partition(table: str, raw: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """One partition's rows (a copy, as raw text) from their positions in `raw`."""
    part = raw.take(rows).reset_index(drop=True)
    part.attrs[TEXT_MARK] = table
    return part


def crossing_keys(table: str, verdicts: Mapping[str, TableVerdict]) -> pd.Index:
    """Keys held by rows that passed their checks in more than one partition's verdict.

    A passing row is used, or quarantined only as a key duplicate within its partition. Every such key
    is a conflicting duplicate of the whole table. Keys are compared as 64-bit hashes first (the ids of
    a large year are millions of distinct strings), then as text among the few that share a hash.
    """
    if table not in PARTITIONED or set(partition_columns(table)) <= set(KEYS[table]) or len(verdicts) < 2:
        return pd.Index([], dtype=object)
    (key_col,) = KEYS[table]
    duplicates = (DUPLICATE_IDENTICAL.name, DUPLICATE_CONFLICTING.name)
    keys, parts = [], []
    for i, verdict in enumerate(verdicts.values()):
        q = verdict.quarantine
        held = [verdict.used[key_col].to_numpy(dtype=object),
                q["row_key"].to_numpy(dtype=object)[q["check_name"].isin(duplicates).to_numpy()]]
        for k in held:
            keys.append(k)
            parts.append(np.full(len(k), i, dtype=np.int64))
    keys_all, parts_all = np.concatenate(keys), np.concatenate(parts)  # at least two verdicts: never empty lists
    candidates = pd.Series(text_hashes(keys_all)).duplicated(keep=False).to_numpy()  # held twice, anywhere
    if not candidates.any():
        return pd.Index([], dtype=object)
    exact = pd.DataFrame({"key": keys_all[candidates], "part": parts_all[candidates]}).drop_duplicates()
    spread = exact.groupby("key", sort=True)["part"].size()
    return pd.Index(spread.index[spread.to_numpy() > 1].to_numpy(dtype=object), dtype=object)


def fingerprint_frame(raw: pd.DataFrame) -> str:
    """A content fingerprint of raw rows (order-sensitive)."""
    if len(raw) == 0:
        return hashlib.sha256(b"empty|" + ",".join(raw.columns).encode()).hexdigest()
    digest = hashlib.sha256(",".join(raw.columns).encode())
    for col in raw.columns:
        digest.update(text_hashes(raw[col].to_numpy(dtype=object)).tobytes())
    return digest.hexdigest()


def fingerprint_refs(table: str, refs: Refs | None) -> str:
    """A fingerprint of the referenced keys `table` depends on (order-insensitive)."""
    h = hashlib.sha256()
    for ref in referenced_tables(table):
        keys = sorted(str(k) for k in as_index((refs or {}).get(ref)).unique())
        h.update(f"{ref}:{len(keys)}\n".encode())
        h.update("\n".join(keys).encode())
    return h.hexdigest()


def cache_key(table: str, raw: pd.DataFrame, refs: Refs | None, rows_digest: str | None = None) -> str:
    """The key under which `validate_table(table, raw, refs)` may be cached.

    `rows_digest`, when the caller has it, is the order-sensitive digest extraction computed of exactly
    these rows (kinerja.fingerprint.RowDigests): it replaces hashing them again. Both kinds of key name
    what they are, so they never meet.
    """
    rows = f"rows-{rows_digest}" if rows_digest is not None else fingerprint_frame(raw)
    return f"v{SUITE_VERSION}:{table}:{rows}:{fingerprint_refs(table, refs)}"
