"""Read the source tables for a run's extraction window (methodology.md, "Extraction window").

Every table is read by one function, `extract_table`, with the SQL of `sql/extract/<table>.sql`
(`<table>.<dialect>.sql` where the dialects differ) and bound parameters. Rows come back **as read**:
every column as text (`str` or None), so that SQLite's loose typing (`'abc'` in a DATE column, `'12'`
in a REAL column) and PostgreSQL's strict typing look the same to validation. A row whose window
column does not parse as a date (or year) is extracted anyway so that validation quarantines it.
"""
from __future__ import annotations

import itertools
import logging
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.engine import Engine

from kinerja import memory
from kinerja.db import compile_bound, dialect_of, get_engine, normalise_url, sql_text, stream_rows
from kinerja.fingerprint import RowDigests, table_parts
from kinerja.periods import KIND_OF_FLOW, Period

log = logging.getLogger(__name__)

# Contract columns and types (contract.md), in contract order.
SOURCE_COLUMNS: Mapping[str, Mapping[str, str]] = {
    "units": {"unit_code": "text", "name": "text", "parent_code": "text", "kind": "text"},
    "employees": {"nip": "text", "name": "text", "employment_type": "text", "grade": "text",
                  "active_from": "date", "active_to": "date"},
    "assignments": {"nip": "text", "unit_code": "text", "position": "text", "supervisor_nip": "text",
                    "valid_from": "date", "valid_to": "date"},
    "holidays": {"holiday_date": "date", "name": "text", "kind": "text"},
    "work_schedules": {"valid_from": "date", "valid_to": "date", "weekday": "integer",
                       "start_time": "time", "end_time": "time"},
    "attendance": {"nip": "text", "work_date": "date", "check_in": "time", "check_out": "time",
                   "status": "text"},
    "indicators": {"indicator_id": "text", "unit_code": "text", "name": "text", "uom": "text",
                   "direction": "text", "aggregation": "text"},
    "targets": {"nip": "text", "indicator_id": "text", "year": "integer", "quarter": "integer",
                "target": "real", "weight": "real"},
    "activities": {"activity_id": "text", "nip": "text", "activity_date": "date", "indicator_id": "text",
                   "quantity": "real", "minutes": "integer", "status": "text", "description": "text"},
    "feedback": {"feedback_id": "text", "ratee_nip": "text", "rater_id": "text", "rater_type": "text",
                 "year": "integer", "quarter": "integer", "aspect": "text", "score": "integer",
                 "comment": "text", "submitted_at": "timestamp"},
    "survey_responses": {"response_id": "text", "unit_code": "text", "service": "text",
                         "response_date": "date",
                         **{f"u{i}": "integer" for i in range(1, 10)}},
}

#: DataFrame.attrs flag set on extracted frames: contract columns in order, str/None, positional index.
TEXT_MARK = "kinerja.text_frame"

#: Tables a deployment may leave out (validation.md): absent means "no rows", not an error.
OPTIONAL_TABLES = frozenset({"survey_responses", "work_schedules"})

_EVERY_FLOW = ("units", "employees", "assignments", "holidays", "work_schedules", "attendance",
               "survey_responses")
_APPRAISAL = _EVERY_FLOW + ("indicators", "targets", "activities", "feedback")
#: The tables each flow must have (a monthly run also reads indicators, targets and activities when they exist:
#: the activity volume of its report; see kinerja.context.MONTHLY_TABLES).
FLOW_TABLES: Mapping[str, tuple[str, ...]] = {
    "monthly": _EVERY_FLOW,
    "quarterly": _APPRAISAL,
    "annual": _APPRAISAL,
}


class MissingTable(Exception):
    """A source table, or one of its contract columns, is absent (a critical table check)."""

    def __init__(self, table: str, missing_columns: list[str] | tuple[str, ...] = ()):
        self.table = table
        self.missing_columns = tuple(missing_columns)
        what = (f"lacks column(s) {', '.join(self.missing_columns)}" if self.missing_columns
                else "is missing")
        super().__init__(f"source table {table} {what}")

    @property
    def whole_table(self) -> bool:
        """True when the table itself is absent (not just some columns)."""
        return not self.missing_columns or set(self.missing_columns) == set(SOURCE_COLUMNS[self.table])

    def __reduce__(self):  # picklable across Prefect/Dask workers
        return (MissingTable, (self.table, self.missing_columns))


def empty_frame(table: str) -> pd.DataFrame:
    """A frame with the contract columns of `table` and no rows (text columns, object dtype)."""
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in SOURCE_COLUMNS[table]})
    frame.attrs[TEXT_MARK] = table
    return frame


def window_params(table: str, period: Period, dialect: str) -> dict[str, object]:
    """The bound parameters of a table's window query (methodology.md, "Extraction window")."""
    as_param = (lambda d: d.isoformat()) if dialect == "sqlite" else (lambda d: d)
    if table == "attendance":  # 1 January of the period's year .. period end (discipline counts the year)
        return {"date_from": as_param(date(period.year, 1, 1)), "date_to": as_param(period.end)}
    if table in ("activities", "survey_responses"):
        return {"date_from": as_param(period.start), "date_to": as_param(period.end)}
    if table == "targets":
        return {"year": period.year}
    if table == "feedback":
        quarters = [q.number for q in period.quarters()]
        return {"year": period.year, "quarter_from": min(quarters), "quarter_to": max(quarters)}
    return {}


def _check_columns(engine: Engine, table: str) -> bool:
    """True when the table exists with every contract column; MissingTable otherwise.

    Returns False (no error) for an absent optional table.
    """
    inspector = sa.inspect(engine)
    present = ({c["name"].lower() for c in inspector.get_columns(table)} if inspector.has_table(table)
               else set())
    return _columns_present(table, present)


def _columns_present(table: str, present: set[str]) -> bool:
    """`_check_columns` given the names of the table's columns (none: the table is absent)."""
    if not present:
        if table in OPTIONAL_TABLES:
            return False
        raise MissingTable(table, tuple(SOURCE_COLUMNS[table]))
    missing = [c for c in SOURCE_COLUMNS[table] if c not in present]
    if missing:
        raise MissingTable(table, missing)
    return True


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, float):
        return None if value != value else repr(value)  # NaN stored in a REAL column reads as NULL
    return str(value)


_MOSTLY_UNIQUE = object()  # a key of a column's pool: its values are (nearly) all distinct


def _shared(values: np.ndarray, pool: dict) -> np.ndarray:
    """The same values, with one object per distinct value across all chunks of a column.

    A driver returns a new string object for every cell; dates, times, codes and NIPs repeat, so
    sharing them keeps a year of attendance at a pointer per cell instead of a string per cell.
    """
    if pool.get(_MOSTLY_UNIQUE):
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) > len(values) // 2 and len(values) >= 1000:
        # Identifiers and free text: sharing saves nothing. Stop trying for this column's later chunks.
        pool[_MOSTLY_UNIQUE] = True
        return values
    canonical = np.empty(len(uniques) + 1, dtype=object)  # the last slot (code -1) stays None
    canonical[:-1] = [pool.setdefault(u, u) for u in uniques]
    return canonical[codes]


#: A column's distinct values (object array) and each cell's position in them (`_objects`).
Codes = tuple[np.ndarray, np.ndarray]
#: The tables that grow with employees x days: each is extracted by a worker process of its own
#: (tasks/extract.py, kinerja.held), which reads it through Arrow from an SQLite file
#: (`_extract_through_arrow`; their SQL casts every column to text, so both readers agree).
LARGE_TABLES = frozenset({"attendance", "activities", "feedback"})
_ARROW_SAMPLE = 100_000  # values of a column looked at to tell an identifier from a repeating value
_ARROW_BATCH = 100_000  # rows per Arrow batch of the driver (its default, 1,024, costs Python work per batch)
_BATCH_ROWS = "adbc.sqlite.query.batch_rows"


class _ColumnReader:
    """One Arrow text column read batch by batch into an object array of `str`/None: one object per
    distinct value when the values repeat (as `_shared` does for rows read by sqlite3), one per cell for
    identifiers and text, told apart on the first batch. For repeating values also their codes (distinct
    values, position of each cell's value), with which the fingerprint hashes the distinct values only.

    Converting each batch as it arrives keeps one batch of Arrow text in memory instead of the whole
    result: the driver frees a batch's buffers only when every column of it is dropped."""

    def __init__(self) -> None:
        self.unique: bool | None = None
        self.parts: list[np.ndarray] = []
        self.pool: dict[str, int] = {}  # repeating values: each distinct value's code, in order seen

    def add(self, values: "pa.Array") -> None:
        import pyarrow.compute as pc

        if self.unique is None:
            sample = values.slice(0, _ARROW_SAMPLE)
            self.unique = len(values) >= 1000 and pc.count_distinct(sample).as_py() > len(sample) // 2
        if self.unique:
            self.parts.append(values.to_numpy(zero_copy_only=False))
            return
        encoded = values.dictionary_encode()
        pool = self.pool
        # The batch's codes in the pool, and -1 last: a NULL's index (-1) picks it, even in a batch of NULLs.
        lookup = np.fromiter(itertools.chain((pool.setdefault(v, len(pool)) for v in encoded.dictionary.to_pylist()),
                                             [-1]), dtype=np.int32, count=len(encoded.dictionary) + 1)
        self.parts.append(lookup[encoded.indices.fill_null(-1).to_numpy()])

    def finish(self) -> tuple[np.ndarray, Codes | None]:
        parts, self.parts = self.parts, []
        if self.unique:
            return (parts[0] if len(parts) == 1 else np.concatenate(parts)), None
        canonical = np.empty(len(self.pool) + 1, dtype=object)  # the last slot (null) stays None
        canonical[:-1] = list(self.pool)
        positions = parts[0] if len(parts) == 1 else np.concatenate(parts)
        del parts
        positions[positions < 0] = len(self.pool)
        return canonical[positions], (canonical, positions)


def _finish_columns(table: str, columns: list[str], readers: list[_ColumnReader]
                    ) -> tuple[pd.DataFrame, dict[str, Codes]]:
    """The frame and codes of an Arrow read's converted columns; the Arrow memory goes back to the system."""
    import pyarrow as pa

    out = [reader.finish() for reader in readers]
    readers.clear()
    codes = {name: coded for name, (_, coded) in zip(columns, out) if coded is not None}
    memory.trim()
    pa.default_memory_pool().release_unused()
    return _text_frame(table, columns, [values for values, _ in out]), codes


def _sqlite_file(source_url: str) -> str | None:
    """The path of the SQLite file `source_url` names, or None for another database or memory."""
    url = sa.engine.make_url(normalise_url(source_url))
    path = url.database
    if url.get_backend_name() != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path


def _extract_through_arrow(source_url: str, table: str, period: Period
                           ) -> tuple[pd.DataFrame, dict[str, Codes]] | None:
    """`_extract` of a large table of an SQLite file, read by ADBC's SQLite driver, which builds Arrow
    arrays in C instead of a Python tuple per row: a 15,000-employee year of attendance in 4 s instead
    of 8, of activities in 6.4 s instead of 11 (docs/performance.md). The values are those sqlite3
    reads, because the SQL casts every column to text (tested against the sqlite3 path).

    The driver carries its own copy of SQLite. Two copies of SQLite must never have one database open
    in one process (sqlite.org/howtocorrupt.html, 2.2.1: each copy would take the other's WAL index
    for unused and truncate it under it, which crashes the process with SIGBUS); so only the worker
    processes of `kinerja.held`, which open the source through nothing else, read through Arrow.

    None, and the caller reads through sqlite3, when the driver is not installed, the source is not a
    file, or the driver cannot give every column as text (it fails instead of guessing when a column's
    type changes within the result). A first row of empty texts fixes every column's type as text,
    since the driver infers a column's type from its first values; it is dropped again.
    """
    path = _sqlite_file(source_url) if table in LARGE_TABLES else None
    if path is None:
        return None
    try:
        import adbc_driver_sqlite.dbapi as adbc
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    columns = list(SOURCE_COLUMNS[table])
    window, args = compile_bound(sa.text(sql_text(f"extract/{table}", "sqlite")), sqlite_dialect(),
                                 window_params(table, period, "sqlite"))
    typed_first = ", ".join(f"'' as {c}" for c in columns)
    sql = (f"select 0 as k_first, {typed_first} union all "
           f"select 1, {', '.join('q.' + c for c in columns)} from ({window}) as q")
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
    readers = [_ColumnReader() for _ in columns]
    read = 0
    try:
        with adbc.connect(uri) as conn, conn.cursor() as cursor:
            cursor.execute("select name from pragma_table_info(?)", (table,))
            present = {str(name).lower() for name in cursor.fetch_arrow_table().column(0).to_pylist()}
            if present and not set(columns) - present:
                cursor.adbc_statement.set_options(**{_BATCH_ROWS: str(_ARROW_BATCH)})
                cursor.execute(sql, args)
                for batch in cursor.fetch_record_batch():
                    first, *arrays = batch.columns
                    if any(not pa.types.is_string(a.type) and not pa.types.is_large_string(a.type)
                           for a in arrays):
                        return None
                    skip = 0
                    if read == 0:  # the row of empty texts that fixed the types
                        if not len(first) or first[0].as_py() != 0:
                            return None
                        skip = 1
                    if pc.sum(first.slice(skip)).as_py() not in (None, len(first) - skip):
                        return None
                    for reader, values in zip(readers, arrays):
                        values = values.slice(skip)
                        values.validate(full=True)  # text that is not UTF-8 fails here, not as mangled strings
                        reader.add(values)
                    read += len(first)
                    del batch, first, arrays, values
    except (pa.ArrowException, UnicodeDecodeError) as exc:
        log.debug("converting %s's Arrow columns failed (%s); reading it through sqlite3", table, exc)
        return None
    except Exception as exc:  # the driver's errors name a column number and a type, never a value
        log.debug("reading %s through Arrow failed (%s); reading it through sqlite3", table, exc)
        return None
    if not _columns_present(table, present):  # an absent or incomplete table: as _extract reports it
        return empty_frame(table), {}
    if read == 0:
        return None
    return _finish_columns(table, columns, readers)


#: PostgreSQL's text types (text, varchar, bpchar, name): COPY sends their values verbatim, exactly the
#: strings psycopg returns for them.
_PG_TEXT_TYPES = frozenset({25, 1043, 1042, 19})
_CSV_BLOCK = 16 << 20  # bytes of whole COPY rows parsed at a time (about 150,000 rows of feedback)


def _copy_blocks(copy, size: int):
    """A COPY TO STDOUT result in blocks of whole rows of about `size` bytes: psycopg gives one row per
    `read()`, and a block of whole rows parses on its own, even with line breaks inside quoted values."""
    block, read = bytearray(), copy.read
    while row := read():
        block += row  # not a list of rows: millions of live memoryviews would keep the GC scanning them
        if len(block) >= size:
            yield block
            block = bytearray()
    if block:
        yield block


def _extract_postgresql_through_arrow(source_url: str, table: str, period: Period
                                      ) -> tuple[pd.DataFrame, dict[str, Codes]] | None:
    """`_extract` of a large table of a PostgreSQL source, read as CSV through `COPY (window) TO STDOUT`
    and parsed by Arrow's CSV reader in C, instead of a Python tuple per row from a cursor; then
    converted batch by batch as the SQLite path's Arrow batches are (`_ColumnReader`), codes included.

    The values are the cursor's: the window's SQL gives every column as text (`to_char`, casts), and a
    text value travels verbatim both ways. CSV keeps NULL (unquoted empty) apart from the empty string
    (`""`), and a quoted value may hold commas, quotes and line breaks. None, and the caller reads
    through the cursor, when pyarrow is missing, the connection's encoding is not UTF-8, a column of
    the result is not of a text type (a deployment's own SQL), or the read fails."""
    if table not in LARGE_TABLES or sa.engine.make_url(normalise_url(source_url)).get_backend_name() != "postgresql":
        return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pa_csv
    except ImportError:
        return None
    engine = get_engine(source_url)
    columns = list(SOURCE_COLUMNS[table])
    if not _check_columns(engine, table):  # raises MissingTable as _extract does
        return empty_frame(table), {}
    sql, args = compile_bound(sa.text(sql_text(f"extract/{table}", "postgresql")), engine.dialect,
                              window_params(table, period, "postgresql"))
    options = {
        "read_options": pa_csv.ReadOptions(column_names=columns, block_size=_CSV_BLOCK + (1 << 20),
                                            use_threads=False),
        "parse_options": pa_csv.ParseOptions(newlines_in_values=True),
        "convert_options": pa_csv.ConvertOptions(column_types={c: pa.string() for c in columns},
                                                 null_values=[""], strings_can_be_null=True,
                                                 quoted_strings_can_be_null=False)}
    readers = [_ColumnReader() for _ in columns]
    read = 0
    try:
        with engine.connect() as conn:
            dbapi = conn.connection.driver_connection
            try:
                if dbapi.info.encoding.replace("-", "").lower() != "utf8":
                    return None
                with dbapi.cursor() as cursor:
                    cursor.execute(f"select * from ({sql}) as q limit 0", args)
                    if [d.name for d in cursor.description] != columns or any(
                            d.type_code not in _PG_TEXT_TYPES for d in cursor.description):
                        return None
                    with cursor.copy(f"copy ({sql}) to stdout with (format csv)", args) as copy:
                        # Parsed here block by block, not by Arrow's streaming reader, whose own thread
                        # would call back into Python for every block and contend for the GIL.
                        for block in _copy_blocks(copy, _CSV_BLOCK):
                            for batch in pa_csv.read_csv(pa.py_buffer(block), **options).to_batches():
                                for reader, values in zip(readers, batch.columns):
                                    reader.add(values)
                                read += batch.num_rows
                            del block, batch, values
            finally:
                dbapi.rollback()
    except Exception as exc:  # noqa: BLE001 - messages name types and positions; read again the plain way
        log.debug("reading %s through COPY failed (%s); reading it through the cursor", table, type(exc).__name__)
        return None
    if read == 0:
        return None
    return _finish_columns(table, columns, readers)


def _fetch_chunks(conn, statement, params: dict[str, object], chunk_rows: int):
    """The window's rows in chunks, streamed (server-side cursor on PostgreSQL); the read-only
    transaction the driver opened is ended afterwards."""
    try:
        yield from stream_rows(conn, statement, params, chunk_rows, server_side=True)
    finally:
        conn.connection.driver_connection.rollback()


def extract_table(engine: Engine, table: str, period: Period, cutoff: date | None, *,
                  chunk_rows: int = 200_000) -> pd.DataFrame:
    """The rows of `table` in the run's extraction window, every column as text (`str` or None).

    `cutoff` (the run's data cut-off) does not narrow the window: methodology.md defines the window
    by the period, and days after the cut-off are ignored by scoring, not by extraction. It is part of
    the signature so that a pushdown extractor can use it. Rows are streamed in chunks of
    `chunk_rows`. Raises MissingTable when a needed table or a contract column is absent; an absent
    optional table (work_schedules, survey_responses) gives an empty frame.
    """
    return _extract(engine, table, period, cutoff, chunk_rows)[0]


def _extract(engine: Engine, table: str, period: Period, cutoff: date | None,
             chunk_rows: int = 200_000) -> tuple[pd.DataFrame, dict[str, Codes]]:
    """`extract_table`'s frame, and the codes of its columns that repeat (none: sqlite3 gives none)."""
    if table not in SOURCE_COLUMNS:
        raise ValueError(f"{table!r} is not a source table")
    if cutoff is not None and not isinstance(cutoff, date):
        raise TypeError("cutoff must be a date or None")
    columns = list(SOURCE_COLUMNS[table])
    if not _check_columns(engine, table):
        return empty_frame(table), {}
    dialect = dialect_of(engine)
    statement = sa.text(sql_text(f"extract/{table}", dialect))
    params = window_params(table, period, dialect)
    chunks: list[list[np.ndarray]] = [[] for _ in columns]
    pools: list[dict] = [{} for _ in columns]
    with engine.connect() as conn:
        for rows in _fetch_chunks(conn, statement, params, chunk_rows):
            block = np.empty((len(rows), len(columns)), dtype=object)
            block[:] = rows
            for i, (chunk, pool) in enumerate(zip(chunks, pools)):
                chunk.append(_shared(np.ascontiguousarray(block[:, i]), pool))
    if not chunks[0]:
        return empty_frame(table), {}
    columns_read = []
    for chunk, pool in zip(chunks, pools):
        values = chunk[0] if len(chunk) == 1 else np.concatenate(chunk)
        # The SQL casts to text; drivers may not. A shared column's distinct values are its pool's keys.
        seen = set(map(type, values)) if pool.get(_MOSTLY_UNIQUE) or not pool else set(map(type, pool))
        if not seen <= {str, type(None)}:
            values = np.array([_as_text(v) for v in values], dtype=object)
        columns_read.append(values)
    return _text_frame(table, columns, columns_read), {}


def _text_frame(table: str, columns: list[str], values: list[np.ndarray]) -> pd.DataFrame:
    """The extracted frame of `table` from its columns' object arrays (no copy)."""
    if not len(values[0]):
        return empty_frame(table)
    frame = pd.DataFrame({name: pd.Series(column, dtype=object, copy=False)
                          for name, column in zip(columns, values)}, copy=False)
    frame.attrs[TEXT_MARK] = table
    return frame


def extract_tables(engine: Engine, flow: str, period: Period,
                   cutoff: date | None) -> dict[str, pd.DataFrame | MissingTable]:
    """Every table `flow` needs, as `extract_table` returns it, or the MissingTable it raised."""
    if flow not in FLOW_TABLES:
        raise ValueError(f"unknown flow {flow!r}; expected one of {', '.join(FLOW_TABLES)}")
    if KIND_OF_FLOW[flow] != period.kind:
        raise ValueError(f"flow {flow} runs on a {KIND_OF_FLOW[flow]}, not on {period.code}")
    out: dict[str, pd.DataFrame | MissingTable] = {}
    for table in FLOW_TABLES[flow]:
        try:
            out[table] = extract_table(engine, table, period, cutoff)
        except MissingTable as exc:
            out[table] = exc
    return out


@dataclass
class ExtractedTable:
    """A table's rows as read (or the MissingTable it raised) and its share of the run's fingerprint."""

    table: str
    rows: pd.DataFrame | MissingTable
    partitions: pd.DataFrame
    digests: pd.DataFrame | None
    row_digests: RowDigests | None = None  # validation's cache keys (None for a missing table)


def extract_and_fingerprint(source_url: str, table: str, period: Period, cutoff: date | None, *,
                            arrow: bool = False) -> ExtractedTable:
    """Read `table`'s window and fingerprint it: what one extraction task does, in its own thread or in a
    worker process (a top-level function of a module without Prefect, so a spawned worker starts fast).

    `arrow`: read a large table of an SQLite file through Arrow (`_extract_through_arrow`); only for a
    process that has the source open through nothing else. Should it fall back to sqlite3, the
    connections are closed again, so that a later Arrow read in the process never meets them.
    A large table of a PostgreSQL source is read through COPY and Arrow's CSV reader in any process
    (`_extract_postgresql_through_arrow`), else through the cursor."""
    codes: dict[str, Codes] = {}
    try:
        read = _extract_through_arrow(source_url, table, period) if arrow else None
        if read is None:
            read = _extract_postgresql_through_arrow(source_url, table, period)
        if read is None:
            engine = get_engine(source_url)
            try:
                rows, codes = _extract(engine, table, period, cutoff)
            finally:
                if arrow:
                    engine.dispose()
        else:
            rows, codes = read
    except MissingTable as missing:
        rows = missing
    return ExtractedTable(table, rows, *table_parts(table, rows, codes))
