"""Load CSV/XLSX exports into the source tables: `kinerja import TABLE FILE [--mapping M] [--dry-run]`.

Offices keep their data in spreadsheets and in the exports of fingerprint machines and BKN
applications. `import_file` reads such a file, maps its columns onto a contract table (contract.md)
with an optional YAML mapping, parses every value into the contract's text form (DATE `YYYY-MM-DD`,
TIME `HH:MM:SS`, numbers with a decimal point, NIP as 18 digits) and appends the rows with
`kinerja.db.bulk_insert` in one transaction. A row that cannot be parsed is rejected with its row
number and a reason; nothing is dropped silently: for every file read, loaded + rejected = data rows.

The importer checks structure (types, formats, the NIP's shape, lookups); the rules that need other
tables or the period (nip known, weights adding up, duplicates, ...) are validation's and run, as
for any source row, when a flow reads the table (validation.md). The mapping format and the shipped
mappings are described in docs/sources.md.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from kinerja import db

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"

# Contract columns: (name, kind, required). Kinds: text, nip, date, time, int, real, timestamp.
CONTRACT: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "units": (("unit_code", "text", True), ("name", "text", True), ("parent_code", "text", False),
              ("kind", "text", False)),
    "employees": (("nip", "nip", True), ("name", "text", True), ("employment_type", "text", True),
                  ("grade", "text", False), ("active_from", "date", True), ("active_to", "date", False)),
    "assignments": (("nip", "nip", True), ("unit_code", "text", True), ("position", "text", True),
                    ("supervisor_nip", "nip", False), ("valid_from", "date", True),
                    ("valid_to", "date", False)),
    "holidays": (("holiday_date", "date", True), ("name", "text", True), ("kind", "text", True)),
    "work_schedules": (("valid_from", "date", True), ("valid_to", "date", True), ("weekday", "int", True),
                       ("start_time", "time", True), ("end_time", "time", True)),
    "attendance": (("nip", "nip", True), ("work_date", "date", True), ("check_in", "time", False),
                   ("check_out", "time", False), ("status", "text", True)),
    "indicators": (("indicator_id", "text", True), ("unit_code", "text", False), ("name", "text", True),
                   ("uom", "text", True), ("direction", "text", True), ("aggregation", "text", True)),
    "targets": (("nip", "nip", True), ("indicator_id", "text", True), ("year", "int", True),
                ("quarter", "int", True), ("target", "real", True), ("weight", "real", True)),
    "activities": (("activity_id", "text", True), ("nip", "nip", True), ("activity_date", "date", True),
                   ("indicator_id", "text", True), ("quantity", "real", True), ("minutes", "int", False),
                   ("status", "text", True), ("description", "text", False)),
    "feedback": (("feedback_id", "text", True), ("ratee_nip", "nip", True), ("rater_id", "text", True),
                 ("rater_type", "text", True), ("year", "int", True), ("quarter", "int", True),
                 ("aspect", "text", True), ("score", "int", True), ("comment", "text", False),
                 ("submitted_at", "timestamp", True)),
    "survey_responses": (("response_id", "text", True), ("unit_code", "text", True), ("service", "text", True),
                         ("response_date", "date", True),
                         *((f"u{i}", "int", True) for i in range(1, 10))),
}
assert set(CONTRACT) == set(db.SOURCE_TABLES)

DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_MAPPING_KEYS = {"table", "description", "delimiter", "encoding", "sheet", "decimal", "date_formats",
                 "columns", "constants", "lookups", "merge"}
_COLUMN_KEYS = {"from", "lookup", "map", "strict", "default", "constant", "if_present", "then", "else",
                "date_formats"}
_MERGE_KEYS = {"name", "file", "optional", "key", "columns", "constants", "delimiter", "encoding", "sheet",
               "date_formats", "decimal"}


class ImportFailed(Exception):
    """A file-level problem (missing file, unknown table, invalid mapping, unknown columns, database
    refused the rows). Nothing was written. The message is one line; the CLI exits 2."""


class RowError(Exception):
    """One value of one row cannot be used: `reason` is a short code, `detail` says what and why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Rejection:
    row: int          # row number as a spreadsheet shows it (the header is row 1; CSV: its first line)
    reason: str       # short code, e.g. `bad_date`, `nip_spreadsheet`, `encoding`, `unknown_pin`
    detail: str


@dataclass
class MergeReport:
    """A second file merged into the rows (e.g. a leave list): applied + added + rejected = rows."""

    name: str
    path: Path | None
    rows: int = 0
    applied: int = 0       # merged into a row of the main file with the same key
    added: int = 0         # no such row: added as a row of its own
    rejected: list[Rejection] = field(default_factory=list)
    note: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(r.reason for r in self.rejected))


@dataclass
class ImportReport:
    table: str
    path: Path
    mapping: str | None
    encoding: str | None
    dry_run: bool
    rows_in_file: int = 0
    loaded: int = 0                        # rows of the file loaded (would be loaded on a dry run)
    rejected: list[Rejection] = field(default_factory=list)
    blank_rows: int = 0
    merges: list[MergeReport] = field(default_factory=list)
    columns: tuple[str, ...] = ()
    preview: list[tuple[str | None, ...]] = field(default_factory=list)
    written: int = 0                       # rows written to the table (0 on a dry run)

    @property
    def counts(self) -> dict[str, int]:
        """Rejected rows of the file per reason."""
        return dict(Counter(r.reason for r in self.rejected))

    @property
    def total_rows(self) -> int:
        """Rows that go (or would go) into the table: the file's loaded rows plus rows added by merges."""
        return self.loaded + sum(m.added for m in self.merges)

    def format(self, limit: int = 20) -> str:
        """A human summary for the command line."""
        head = f"{'Dry run: nothing written. ' if self.dry_run else ''}Import of {self.path.name} into {self.table}"
        details = [f"mapping {self.mapping}" if self.mapping else "contract columns",
                   f"encoding {self.encoding}" if self.encoding else None]
        lines = [f"{head} ({', '.join(d for d in details if d)})",
                 f"  rows in file: {self.rows_in_file}, {'to load' if self.dry_run else 'loaded'}: "
                 f"{self.loaded}, rejected: {len(self.rejected)}"
                 + (f" (blank rows skipped: {self.blank_rows})" if self.blank_rows else "")]
        lines += _format_rejections(self.rejected, limit)
        for merge in self.merges:
            where = merge.path.name if merge.path else merge.name
            if merge.note:
                lines.append(f"  {merge.name} ({where}): {merge.note}")
                continue
            lines.append(f"  {merge.name} ({where}): rows: {merge.rows}, applied to rows of the file: "
                         f"{merge.applied}, added as rows: {merge.added}, rejected: {len(merge.rejected)}")
            lines += _format_rejections(merge.rejected, limit)
        if self.dry_run:
            lines.append(f"  rows that would be written to {self.table}: {self.total_rows}")
        else:
            lines.append(f"  rows written to {self.table}: {self.written}")
        if self.dry_run and self.preview:
            lines.append(f"  first rows to load ({' | '.join(self.columns)}):")
            lines += ["    " + " | ".join("" if v is None else v for v in row) for row in self.preview]
        return "\n".join(lines)


def _format_rejections(rejected: list[Rejection], limit: int) -> list[str]:
    if not rejected:
        return []
    out = ["    rejected per reason: " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(
        r.reason for r in rejected).items()))]
    out += [f"    row {r.row}: {r.reason}: {r.detail}" for r in rejected[:limit]]
    if len(rejected) > limit:
        out.append(f"    ... and {len(rejected) - limit} more rejected rows")
    return out


# --------------------------------------------------------------------------------------------------
# Reading files: a header and records (row number, values, decoding problem or None)

@dataclass
class Sheet:
    path: Path
    header: list[str]
    records: list[tuple[int, list[Any], str | None]]
    encoding: str | None
    blank_rows: int


_ENCODING_NAMES = {"utf-8": "utf-8", "utf-8-sig": "utf-8 with BOM", "cp1252": "windows-1252",
                   "utf-16": "utf-16"}


def _choose_encoding(lines: list[bytes]) -> str:
    """A decode-try ladder: UTF-8 when most non-ASCII lines are UTF-8, else Windows-1252 (what Excel
    writes on Indonesian Windows), else charset-normalizer's guess when it decodes more lines."""
    non_ascii = [line for line in lines if not line.isascii()]
    if not non_ascii:
        return "utf-8"

    def decodes(encoding: str) -> int:
        ok = 0
        for line in non_ascii:
            try:
                line.decode(encoding)
                ok += 1
            except (UnicodeDecodeError, LookupError):
                pass
        return ok

    if decodes("utf-8") * 2 >= len(non_ascii):
        return "utf-8"
    cp1252 = decodes("cp1252")
    if cp1252 * 2 >= len(non_ascii):
        return "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(b"".join(non_ascii)).best()
    if best is not None and decodes(best.encoding) > cp1252:
        return best.encoding
    return "cp1252"


def _decode(data: bytes, forced: str | None) -> tuple[str, list[str], dict[int, str]]:
    """Decode line by line: (encoding, lines with their endings, {line number: problem})."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFailed(f"the file starts like UTF-16 but is not valid UTF-16: {exc.reason}") from None
        return "utf-16", text.splitlines(keepends=True), {}
    encoding = forced
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8-sig"
    raw_lines = data.splitlines(keepends=True)
    if encoding is None:
        encoding = _choose_encoding(raw_lines)
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        "".encode(codec)
    except LookupError:
        raise ImportFailed(f"unknown encoding {forced!r} in the mapping") from None
    lines: list[str] = []
    bad: dict[int, str] = {}
    for number, raw in enumerate(raw_lines, start=1):
        try:
            lines.append(raw.decode(codec))
        except UnicodeDecodeError as exc:
            name = _ENCODING_NAMES.get(encoding, encoding)
            bad[number] = (f"undecodable bytes {raw[exc.start:exc.end].hex(' ')} (not valid {name}); "
                           "fix or re-export the row")
            lines.append(raw.decode(codec, errors="replace"))
    return encoding, lines, bad


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _read_csv(path: Path, options: dict[str, Any]) -> Sheet:
    encoding, lines, bad = _decode(path.read_bytes(), options.get("encoding"))
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise ImportFailed(f"{path.name} is empty (no header line)")
    delimiter = options.get("delimiter") or _sniff_delimiter(first)
    reader = csv.reader(lines, delimiter=delimiter)
    header: list[str] | None = None
    records: list[tuple[int, list[Any], str | None]] = []
    blank = 0
    previous = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            start, previous = previous + 1, reader.line_num
            records.append((start, [], f"malformed CSV line: {exc}"))
            continue
        start, previous = previous + 1, reader.line_num
        problem = next((bad[n] for n in range(start, reader.line_num + 1) if n in bad), None)
        if header is None:
            if _blank(values):
                continue
            if problem:
                raise ImportFailed(f"the header line of {path.name} cannot be decoded: {problem}")
            header = [v.strip() for v in values]
            continue
        if _blank(values) and not problem:
            blank += 1
            continue
        records.append((start, values, problem))
    assert header is not None
    return Sheet(path, header, records, encoding, blank)


def _read_xlsx(path: Path, options: dict[str, Any]) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFailed(f"{path.name} is not a readable XLSX workbook: {exc}") from None
    try:
        wanted = options.get("sheet")
        if wanted is None:
            sheet = workbook.worksheets[0]
        elif isinstance(wanted, int):
            if not 1 <= wanted <= len(workbook.worksheets):
                raise ImportFailed(f"{path.name} has no sheet number {wanted}")
            sheet = workbook.worksheets[wanted - 1]
        elif wanted in workbook.sheetnames:
            sheet = workbook[wanted]
        else:
            raise ImportFailed(f"{path.name} has no sheet {wanted!r} (sheets: {', '.join(workbook.sheetnames)})")
        header: list[str] | None = None
        records: list[tuple[int, list[Any], str | None]] = []
        blank = 0
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = list(row)
            if header is None:
                if _blank(values):
                    continue
                header = ["" if v is None else str(v).strip() for v in values]
                while header and header[-1] == "":
                    header.pop()
                continue
            if _blank(values):
                blank += 1
                continue
            records.append((number, values, None))
        if header is None:
            raise ImportFailed(f"{path.name} is empty (no header row)")
        return Sheet(path, header, records, None, blank)
    finally:
        workbook.close()


def read_sheet(path: Path, options: dict[str, Any]) -> Sheet:
    """The header and records of a CSV or XLSX file."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ImportFailed(f"{path.name}: XLS (Excel 97-2003) is not supported; save it as XLSX or CSV")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if suffix in (".xlsx", ".xlsm") or (suffix not in (".csv", ".txt", ".tsv") and magic == b"PK\x03\x04"):
        return _read_xlsx(path, options)
    return _read_csv(path, options)


# --------------------------------------------------------------------------------------------------
# Parsing values into the contract's text form

_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_DECIMAL = re.compile(r"^\d+[.,]\d+$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def _text(value: Any) -> str | None:
    """A cell as stripped text (None when empty); numbers a spreadsheet made of codes lose `.0`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).replace("\u00a0", " ").strip()
    if "\x00" in text:
        raise RowError("encoding", "the value contains a NUL byte")
    return text or None


def parse_nip(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise RowError("nip_spreadsheet", f"NIP {value!r} was stored as a number by a spreadsheet and lost "
                       "digits (NIP rusak oleh spreadsheet); format the column as text and export again")
    text = _text(value)
    if text is None:
        return None
    compact = re.sub(r"\s+", "", text.lstrip("'"))
    if _SCIENTIFIC.match(compact) or _DECIMAL.match(compact) or (
            len(compact) == 18 and compact.isdigit() and compact.endswith("000")):
        raise RowError("nip_spreadsheet", f"NIP {text!r} was damaged by a spreadsheet (scientific notation or "
                       "rounded digits; NIP rusak oleh spreadsheet - angka ilmiah); format the column as "
                       "text and export again")
    if not (len(compact) == 18 and compact.isascii() and compact.isdigit()):
        raise RowError("nip_invalid", f"NIP {text!r} is not 18 digits")
    return compact


def parse_date(value: Any, formats: tuple[str, ...]) -> str | None:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise RowError("bad_date", f"{value.isoformat(sep=' ')} is a date and time, not a date")
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise RowError("bad_date", f"{value!r} is a number, not a date")
        text = _text(value)
        if text is None:
            return None
        text = re.sub(r"[ T]00:00(:00)?$", "", text)
        day = None
        for fmt in formats:
            try:
                day = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if day is None:
            raise RowError("bad_date", f"{text!r} is not a date (expected {' or '.join(_show(formats))})")
    if not 1900 <= day.year <= 2100:
        raise RowError("bad_date", f"{day.isoformat()} is outside the years 1900-2100")
    return day.isoformat()


def _show(formats: tuple[str, ...]) -> list[str]:
    return [f.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD").replace("%y", "YY")
            for f in formats]


def parse_time(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        value = value.time()
    if isinstance(value, dt.time):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        if not 0 <= seconds < 86400:
            raise RowError("bad_time", f"{value} is not a time of day")
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if isinstance(value, float) and 0 <= value < 1:  # an Excel time stored as a fraction of a day
        seconds = round(value * 86400)
        if seconds < 86400:
            return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    text = _text(value)
    if text is None:
        return None
    match = _TIME.match(text)
    if match:
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if hour < 24 and minute < 60 and second < 60:
            return f"{hour:02d}:{minute:02d}:{second:02d}"
    raise RowError("bad_time", f"{text!r} is not a time of day (HH:MM or HH:MM:SS, 00:00-23:59)")


def parse_number(value: Any, decimal: str, whole: bool) -> str | None:
    if isinstance(value, bool):
        raise RowError("bad_number", f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = _text(value)
        if text is None:
            return None
        compact = re.sub(r"\s+", "", text)
        if decimal == ",":
            if re.match(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$", compact):
                compact = compact.replace(".", "")
            compact = compact.replace(",", ".")
        elif re.match(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$", compact):
            compact = compact.replace(",", "")
        if not _NUMBER.match(compact):
            raise RowError("bad_number", f"{text!r} is not a number")
        number = float(compact)
    if not math.isfinite(number):
        raise RowError("bad_number", f"{value!r} is not a finite number")
    if whole:
        if not number.is_integer():
            raise RowError("bad_number", f"{value!r} is not a whole number")
        return str(int(number))
    return repr(number)


def parse_timestamp(value: Any, formats: tuple[str, ...]) -> str | None:
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0, tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return f"{value.isoformat()} 00:00:00"
    text = _text(value)
    if text is None:
        return None
    parts = re.split(r"[ T]+", text, maxsplit=1)
    try:
        day = parse_date(parts[0], formats)
        clock = parse_time(re.sub(r"(Z|[+-]\d{2}:?\d{2})$", "", parts[1])) if len(parts) > 1 else "00:00:00"
    except RowError:
        raise RowError("bad_timestamp", f"{text!r} is not a date and time (YYYY-MM-DD HH:MM:SS)") from None
    return f"{day} {clock}"


def _parser(kind: str, formats: tuple[str, ...], decimal: str) -> Callable[[Any], str | None]:
    if kind == "nip":
        return parse_nip
    if kind == "date":
        return lambda v: parse_date(v, formats)
    if kind == "time":
        return parse_time
    if kind == "int":
        return lambda v: parse_number(v, decimal, whole=True)
    if kind == "real":
        return lambda v: parse_number(v, decimal, whole=False)
    if kind == "timestamp":
        return lambda v: parse_timestamp(v, formats)
    return _text


# --------------------------------------------------------------------------------------------------
# Mappings

def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("\ufeff", "")).strip().casefold()


def _key(value: Any) -> str | None:
    """Lookup keys compare as text, with `0101`, `101` and `101.0` the same number."""
    text = _text(value)
    if text is None:
        return None
    if re.match(r"^\d+(\.0+)?$", text):
        return str(int(float(text))) if "." in text else str(int(text))
    return text.casefold()


def shipped_mappings() -> dict[str, Path]:
    """Mappings that ship with Kinerja, by name (the file name without `.yaml`)."""
    return {p.stem: p for p in sorted(MAPPINGS_DIR.glob("*.yaml"))}


def _load_mapping(mapping: Path | str | dict | None) -> tuple[dict | None, str | None, Path | None]:
    """(mapping dict, display name, directory of a user's mapping file)."""
    if mapping is None:
        return None, None, None
    if isinstance(mapping, dict):
        return mapping, "(given)", None
    path = Path(mapping).expanduser()
    shipped = shipped_mappings()
    user_dir: Path | None = path.resolve().parent
    if not path.exists():
        if str(mapping) in shipped:
            path, user_dir = shipped[str(mapping)], None
        else:
            raise ImportFailed(f"mapping {mapping} not found (shipped mappings: {', '.join(shipped) or 'none'})")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportFailed(f"mapping {path.name} is not valid YAML: {first}") from None
    if not isinstance(loaded, dict):
        raise ImportFailed(f"mapping {path.name} must be a YAML mapping with a `columns:` section")
    return loaded, path.stem if user_dir is None else path.name, user_dir


@dataclass
class _Column:
    name: str
    kind: str
    required: bool
    source: int | None = None              # index in the file's header
    lookup: str | None = None
    value_map: dict[str, Any] | None = None
    map_keys: tuple[str, ...] = ()
    strict: bool = False
    default: Any = None
    constant: Any = None
    if_present: tuple[str, ...] = ()
    then: Any = None
    otherwise: Any = None
    parse: Callable[[Any], str | None] = _text


@dataclass
class _Plan:
    """How to turn the records of one file into contract rows."""

    columns: list[_Column]
    width: int
    lookups: dict[str, tuple[dict[str, Any], str]]   # name -> ({key: value}, file name)

    def row(self, values: list[Any]) -> dict[str, str | None]:
        extra = [v for v in values[self.width:] if _text(v) is not None]
        if extra:
            raise RowError("extra_fields", f"{len(values)} fields but the header has {self.width} "
                           f"(values beyond the header: {', '.join(repr(_text(v)) for v in extra[:3])})")
        out: dict[str, str | None] = {}
        errors: list[RowError] = []
        derived: list[_Column] = []
        for col in self.columns:
            if col.if_present:
                derived.append(col)
                continue
            try:
                out[col.name] = self._value(col, values)
            except RowError as exc:
                errors.append(exc)
                out[col.name] = None
        for col in derived:
            present = any(out.get(name) is not None for name in col.if_present)
            out[col.name] = col.parse(col.then if present else col.otherwise)
        for col in self.columns:
            if col.required and out.get(col.name) is None and not any(
                    e for e in errors if getattr(e, "column", None) == col.name):
                errors.append(RowError("missing_value", f"{col.name} is empty"))
        if errors:
            first = errors[0]
            detail = "; ".join(e.detail for e in errors)
            raise RowError(first.reason, detail)
        return out

    def _value(self, col: _Column, values: list[Any]) -> str | None:
        try:
            if col.constant is not None:
                return col.parse(col.constant)
            raw = values[col.source] if col.source is not None and col.source < len(values) else None
            if col.lookup is not None and _text(raw) is not None:
                table, file_name = self.lookups[col.lookup]
                found = table.get(_key(raw))
                if found is None:
                    raise RowError(f"unknown_{col.lookup}", f"{col.lookup} {_text(raw)!r} is not in {file_name}")
                raw = found
            if col.value_map is not None and _text(raw) is not None:
                mapped = col.value_map.get(_text(raw).casefold())
                if mapped is not None:
                    raw = mapped
                elif col.strict:
                    known = ", ".join(col.map_keys)
                    raise RowError("unknown_value", f"{col.name} {_text(raw)!r} is not one of the mapped values "
                                   f"({known})")
            if _text(raw) is None and col.default is not None:
                raw = col.default
            return col.parse(raw)
        except RowError as exc:
            exc.column = col.name  # type: ignore[attr-defined]
            if exc.reason in ("bad_date", "bad_time", "bad_number", "bad_timestamp") and not exc.detail.startswith(col.name):
                exc.detail = f"{col.name} {exc.detail}"
            raise


def _resolve_file(name: Any, data_dir: Path, user_dir: Path | None, what: str) -> Path:
    if not isinstance(name, str) or not name.strip():
        raise ImportFailed(f"mapping invalid: {what} needs a `file:`")
    path = Path(name).expanduser()
    if path.is_absolute():
        return path
    for base in ([user_dir] if user_dir else []) + [data_dir]:
        if (base / path).exists():
            return base / path
    return data_dir / path


def _load_lookups(spec: Any, data_dir: Path, user_dir: Path | None) -> dict[str, tuple[dict[str, Any], str]]:
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise ImportFailed("mapping invalid: `lookups:` must map names to {file, key, value}")
    out: dict[str, tuple[dict[str, Any], str]] = {}
    for name, entry in spec.items():
        if not isinstance(entry, dict) or not {"file", "key", "value"} <= set(entry):
            raise ImportFailed(f"mapping invalid: lookup {name!r} needs `file`, `key` and `value`")
        path = _resolve_file(entry["file"], data_dir, user_dir, f"lookup {name!r}")
        if not path.exists():
            raise ImportFailed(f"lookup file {path} for {name!r} not found")
        sheet = read_sheet(path, {k: entry[k] for k in ("delimiter", "encoding", "sheet") if k in entry})
        header = [_norm(h) for h in sheet.header]
        try:
            k, v = header.index(_norm(str(entry["key"]))), header.index(_norm(str(entry["value"])))
        except ValueError:
            raise ImportFailed(f"lookup file {path.name} needs columns {entry['key']!r} and {entry['value']!r} "
                               f"(it has {', '.join(sheet.header)})") from None
        table: dict[str, Any] = {}
        for number, values, problem in sheet.records:
            if problem:
                raise ImportFailed(f"lookup file {path.name} row {number}: {problem}")
            key = _key(values[k]) if k < len(values) else None
            value = values[v] if v < len(values) else None
            if key is None:
                continue
            if key in table and _text(table[key]) != _text(value):
                raise ImportFailed(f"lookup file {path.name} maps {entry['key']} {_text(values[k])!r} twice "
                                   f"({_text(table[key])!r} and {_text(value)!r})")
            table[key] = value
        out[str(name)] = (table, path.name)
    return out


def _plan(table: str, header: list[str], columns_spec: dict | None, constants: dict | None,
          options: dict[str, Any], lookups: dict[str, tuple[dict[str, Any], str]], file_name: str,
          subset: bool = False) -> _Plan:
    """Bind the mapping (or the contract names when there is none) to a file's header."""
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            continue
        if _norm(name) in positions:
            raise ImportFailed(f"{file_name} has the column {name!r} twice")
        positions[_norm(name)] = i
    formats = tuple(options.get("date_formats") or DEFAULT_DATE_FORMATS)
    decimal = str(options.get("decimal") or ".")
    if decimal not in (".", ","):
        raise ImportFailed("mapping invalid: `decimal:` is `.` or `,`")
    contract = {name: (kind, required) for name, kind, required in CONTRACT[table]}
    columns: list[_Column] = []

    if columns_spec is None and constants is None:  # no mapping: the file's columns are the contract's
        unknown = [h for h in header if h and _norm(h) not in contract]
        if unknown:
            raise ImportFailed(f"{file_name}: unknown columns {', '.join(unknown)} for {table} "
                               f"(expected {', '.join(contract)}; use --mapping for other layouts)")
        missing = [n for n, (_, req) in contract.items() if req and n not in positions]
        if missing:
            raise ImportFailed(f"{file_name}: missing columns {', '.join(missing)} for {table}")
        for name, (kind, required) in contract.items():
            columns.append(_Column(name, kind, required, source=positions.get(name),
                                   parse=_parser(kind, formats, decimal)))
        return _Plan(columns, len(header), lookups)

    specs: dict[str, Any] = dict(columns_spec or {})
    for name, value in (constants or {}).items():
        if name in specs:
            raise ImportFailed(f"mapping invalid: {name} is both a column and a constant")
        specs[name] = {"constant": value}
    bad = [n for n in specs if n not in contract]
    if bad:
        raise ImportFailed(f"mapping invalid: {', '.join(map(str, bad))} not columns of {table} "
                           f"({', '.join(contract)})")
    for name, (kind, required) in contract.items():
        if name not in specs:
            if required and not subset:
                raise ImportFailed(f"mapping invalid: required column {name} of {table} is not mapped")
            if not subset:
                columns.append(_Column(name, kind, required, parse=_parser(kind, formats, decimal)))
            continue
        columns.append(_bind_column(name, kind, required and not subset, specs[name], positions, header,
                                    formats, decimal, lookups, file_name, set(specs)))
    return _Plan(columns, len(header), lookups)


def _bind_column(name: str, kind: str, required: bool, spec: Any, positions: dict[str, int],
                 header: list[str], formats: tuple[str, ...], decimal: str,
                 lookups: dict[str, Any], file_name: str, mapped: set[str]) -> _Column:
    alternatives = spec if isinstance(spec, list) else [spec]
    if not alternatives:
        raise ImportFailed(f"mapping invalid: column {name} has an empty list")
    for alternative in alternatives:
        if isinstance(alternative, str):
            alternative = {"from": alternative}
        if not isinstance(alternative, dict):
            raise ImportFailed(f"mapping invalid: column {name} must be a column name or a mapping")
        unknown_keys = set(alternative) - _COLUMN_KEYS
        if unknown_keys:
            raise ImportFailed(f"mapping invalid: column {name} has unknown keys {', '.join(sorted(unknown_keys))}")
        source = alternative.get("from")
        if source is not None and _norm(str(source)) not in positions:
            if len(alternatives) > 1:
                continue
            raise ImportFailed(f"{file_name}: no column {source!r} (mapped to {name}); the file has "
                               f"{', '.join(h for h in header if h)}")
        lookup = alternative.get("lookup")
        if lookup is not None and lookup not in lookups:
            raise ImportFailed(f"mapping invalid: column {name} uses lookup {lookup!r}, which is not declared")
        value_map = alternative.get("map")
        if value_map is not None and not isinstance(value_map, dict):
            raise ImportFailed(f"mapping invalid: `map:` of {name} must map values to values")
        if_present = alternative.get("if_present")
        if if_present is not None:
            if_present = [if_present] if isinstance(if_present, str) else list(if_present)
            missing = [c for c in if_present if c not in mapped]
            if missing or "then" not in alternative:
                raise ImportFailed(f"mapping invalid: {name} derives from unmapped columns or lacks `then:`")
        if source is None and "constant" not in alternative and if_present is None:
            raise ImportFailed(f"mapping invalid: column {name} needs `from`, `constant` or `if_present`")
        col_formats = tuple(alternative.get("date_formats") or formats)
        return _Column(
            name, kind, required,
            source=positions[_norm(str(source))] if source is not None else None,
            lookup=lookup,
            value_map={str(k).strip().casefold(): v for k, v in value_map.items()} if value_map else None,
            map_keys=tuple(str(k) for k in value_map) if value_map else (),
            strict=bool(alternative.get("strict", False)),
            default=alternative.get("default"),
            constant=alternative.get("constant"),
            if_present=tuple(if_present or ()),
            then=alternative.get("then"),
            otherwise=alternative.get("else"),
            parse=_parser(kind, col_formats, decimal),
        )
    names = [a if isinstance(a, str) else a.get("from") for a in alternatives]
    raise ImportFailed(f"{file_name}: none of the columns {', '.join(map(repr, names))} (for {name}) is present")


def _rows(sheet: Sheet, plan: _Plan) -> Iterator[tuple[int, dict[str, str | None] | None, Rejection | None]]:
    for number, values, problem in sheet.records:
        if problem:
            reason = "encoding" if problem.startswith("undecodable") else "malformed"
            yield number, None, Rejection(number, reason, problem)
            continue
        try:
            yield number, plan.row(values), None
        except RowError as exc:
            yield number, None, Rejection(number, exc.reason, exc.detail)


# --------------------------------------------------------------------------------------------------
# The import

def import_file(engine: Any, table: str, path: Path | str, mapping: Path | str | dict | None = None,
                dry_run: bool = False) -> ImportReport:
    """Load `path` (CSV or XLSX) into the source table `table`; see the module docstring.

    `mapping`: a YAML file, the name of a shipped mapping (kinerja/mappings/, e.g.
    `fingerprint_attendance`), a dict of the same shape, or None (the file's columns are the
    contract's). Raises ImportFailed for file-level problems; rows that cannot be used are in the
    report. A dry run reads and checks everything and writes nothing (`engine` may then be None).
    """
    if table not in CONTRACT:
        raise ImportFailed(f"unknown table {table!r}; one of {', '.join(CONTRACT)}")
    path = Path(path).expanduser()
    if not path.is_file():
        raise ImportFailed(f"file not found: {path}")
    spec, mapping_name, user_dir = _load_mapping(mapping)
    spec = spec or {}
    unknown_keys = set(spec) - _MAPPING_KEYS
    if unknown_keys:
        raise ImportFailed(f"mapping invalid: unknown keys {', '.join(sorted(map(str, unknown_keys)))}")
    if spec.get("table") not in (None, table):
        raise ImportFailed(f"mapping {mapping_name} is for table {spec['table']}, not {table}")
    if mapping is not None and "columns" not in spec and "constants" not in spec:
        raise ImportFailed(f"mapping {mapping_name} has no `columns:` section")
    options = {k: spec[k] for k in ("delimiter", "encoding", "sheet", "decimal", "date_formats") if k in spec}
    data_dir = path.resolve().parent
    lookups = _load_lookups(spec.get("lookups"), data_dir, user_dir)

    sheet = read_sheet(path, options)
    plan = _plan(table, sheet.header, spec.get("columns"), spec.get("constants"), options, lookups, path.name)
    report = ImportReport(table=table, path=path, mapping=mapping_name,
                          encoding=_ENCODING_NAMES.get(sheet.encoding or "", sheet.encoding),
                          dry_run=dry_run, rows_in_file=len(sheet.records), blank_rows=sheet.blank_rows,
                          columns=tuple(c.name for c in plan.columns))
    rows: list[dict[str, str | None]] = []
    for _number, row, rejection in _rows(sheet, plan):
        if rejection:
            report.rejected.append(rejection)
        else:
            rows.append(row)  # type: ignore[arg-type]
    report.loaded = len(rows)
    main_rows = len(rows)

    for merge_spec in spec.get("merge") or []:
        report.merges.append(_merge(table, merge_spec, rows, main_rows, options, lookups, data_dir, user_dir))

    assert report.loaded + len(report.rejected) == report.rows_in_file
    columns = list(report.columns)
    tuples = [tuple(row.get(c) for c in columns) for row in rows]
    report.preview = tuples[:10]
    if dry_run or not tuples:
        return report
    report.written = _write(engine, table, columns, tuples)
    return report


def _merge(table: str, spec: Any, rows: list[dict[str, str | None]], main_rows: int, options: dict[str, Any],
           lookups: dict[str, Any], data_dir: Path, user_dir: Path | None) -> MergeReport:
    """Merge a second file into `rows`: a row with the same key gets the file's non-empty values,
    a key that is not there is added as a row of its own (the leave list of an attendance export)."""
    if not isinstance(spec, dict):
        raise ImportFailed("mapping invalid: `merge:` must be a list of mappings")
    unknown_keys = set(spec) - _MERGE_KEYS
    if unknown_keys:
        raise ImportFailed(f"mapping invalid: merge has unknown keys {', '.join(sorted(unknown_keys))}")
    name = str(spec.get("name") or "merge")
    key = spec.get("key")
    if not isinstance(key, list) or not key or not isinstance(spec.get("columns"), dict) or any(
            k not in spec["columns"] for k in key):
        raise ImportFailed(f"mapping invalid: merge {name!r} needs `key:` (a list of mapped columns) and `columns:`")
    path = _resolve_file(spec.get("file"), data_dir, user_dir, f"merge {name!r}")
    if not path.exists():
        if spec.get("optional"):
            return MergeReport(name, path, note=f"{path.name} not found; nothing merged")
        raise ImportFailed(f"{name} file {path} not found")
    merge_options = {**options, **{k: spec[k] for k in ("delimiter", "encoding", "sheet", "date_formats",
                                                        "decimal") if k in spec}}
    sheet = read_sheet(path, merge_options)
    plan = _plan(table, sheet.header, spec["columns"], spec.get("constants"), merge_options, lookups,
                 path.name, subset=True)
    report = MergeReport(name, path, rows=len(sheet.records))
    index: dict[tuple, list[int]] = {}
    for i, row in enumerate(rows[:main_rows]):
        index.setdefault(tuple(row.get(k) for k in key), []).append(i)
    seen: dict[tuple, int] = {}
    contract = CONTRACT[table]
    for number, row, rejection in _rows(sheet, plan):
        if rejection:
            report.rejected.append(rejection)
            continue
        assert row is not None
        row_key = tuple(row.get(k) for k in key)
        if row_key in seen:
            report.rejected.append(Rejection(number, "duplicate", f"same {', '.join(key)} as row {seen[row_key]} "
                                             f"of {path.name}"))
            continue
        seen[row_key] = number
        if row_key in index:
            for i in index[row_key]:
                rows[i].update({k: v for k, v in row.items() if v is not None})
            report.applied += 1
            continue
        missing = [c for c, _, required in contract if required and row.get(c) is None]
        if missing:
            report.rejected.append(Rejection(number, "missing_value", f"{', '.join(missing)} empty and no row of "
                                             "the main file to merge into"))
            continue
        rows.append({c: row.get(c) for c, _, _ in contract})
        report.added += 1
    assert report.applied + report.added + len(report.rejected) == report.rows
    return report


def _write(engine: Any, table: str, columns: list[str], rows: list[tuple[str | None, ...]]) -> int:
    """Append the rows in one transaction; the table is created (source schema) when missing."""
    import sqlalchemy as sa

    if engine is None:
        raise ImportFailed("no database to import into")
    dbapi_error = getattr(engine.dialect, "loaded_dbapi", None)
    errors: tuple[type[BaseException], ...] = (sa.exc.SQLAlchemyError,) + (
        (dbapi_error.Error,) if dbapi_error is not None and hasattr(dbapi_error, "Error") else ())
    try:
        if not sa.inspect(engine).has_table(table):
            db.create_schema(engine, "source")
        with engine.begin() as conn:
            return db.bulk_insert(conn, table, columns, rows)
    except errors as exc:
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise ImportFailed(f"the database refused the rows of {table}, nothing was written: "
                           f"{db.redact(message[0] if message else type(exc).__name__)}") from None
