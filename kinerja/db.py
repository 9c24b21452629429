"""Database access: engines for the source and warehouse URLs, the schema, SQL files and bulk loads.

SQLite (the embedded default) and PostgreSQL are both first-class. SQL lives in `sql/`; a statement
that differs per dialect has a file per dialect (`name.sqlite.sql`, `name.postgresql.sql`), a shared
one is `name.sql`. Bulk loads use COPY on PostgreSQL and `executemany` in one transaction on SQLite
(`DataFrame.to_sql` is 6x slower). Passwords never leave this module: use `redact()` on any URL that
is printed.
"""
from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = PROJECT_ROOT / "sql"
DEFAULT_DB_PATH = Path("var") / "kinerja.db"

SOURCE_TABLES = ("units", "employees", "assignments", "holidays", "work_schedules", "attendance",
                 "indicators", "targets", "activities", "feedback", "survey_responses")


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached (after retries); a usage error for the CLI (exit 2)."""


def default_url() -> str:
    return f"sqlite:///{DEFAULT_DB_PATH}"


_PASSWORD = re.compile(r"(://[^:/@\s]+:)([^@\s]+)(@)")


def redact(text: object) -> str:
    """Text with any password inside a database URL replaced by `***`."""
    return _PASSWORD.sub(r"\1***\3", str(text))


def normalise_url(url: str) -> str:
    """Pick the drivers Kinerja ships: psycopg 3 for PostgreSQL, PyMySQL for MySQL/MariaDB."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("mysql://") or url.startswith("mariadb://"):
        return "mysql+pymysql://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("pragma journal_mode=wal")
    cursor.execute("pragma busy_timeout=60000")
    cursor.execute("pragma synchronous=normal")
    cursor.close()


@lru_cache(maxsize=16)
def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 60})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A run extracts its tables in parallel and holds one connection for its lock; several runs may
    # share a process (tests, the demo, `serve`), so the pool is wider than SQLAlchemy's default 5+10.
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40)


def get_engine(url: str | None, *, attempts: int = 4, backoff: float = 0.5) -> Engine:
    """An engine for `url`, checked with a connection; retried with backoff, then DatabaseUnavailable."""
    url = normalise_url(url or default_url())
    try:
        engine = _engine(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ValueError) as exc:
        raise DatabaseUnavailable(f"database URL {redact(url)} is not usable: {redact(exc)}") from None
    last: Exception | None = None
    for attempt in range(attempts):
        try:
            with engine.connect():
                return engine
        except sa.exc.OperationalError as exc:  # refused, unknown host, bad password, locked file
            last = exc
            time.sleep(backoff * (2 ** attempt))
        except sa.exc.DBAPIError as exc:
            last = exc
            break
    reason = redact(getattr(last, "orig", last)).strip().splitlines()[0] if last else "unknown error"
    raise DatabaseUnavailable(f"cannot reach database {redact(url)}: {reason}")


def dialect_of(bind: Engine | Connection) -> str:
    return bind.dialect.name  # "sqlite", "postgresql", "mysql"


@lru_cache(maxsize=256)
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def sql_text(name: str, dialect: str) -> str:
    """The SQL of `sql/<name>.<dialect>.sql` if it exists, else `sql/<name>.sql`."""
    for candidate in (SQL_DIR / f"{name}.{dialect}.sql", SQL_DIR / f"{name}.sql"):
        if candidate.exists():
            return _read(candidate)
    raise FileNotFoundError(f"no SQL file for {name!r} ({dialect}) under {SQL_DIR}")


def statements(script: str) -> list[str]:
    """Split a DDL script into statements (no semicolons inside literals in our DDL)."""
    body = "\n".join(line for line in script.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


_CREATED = re.compile(r"\s*create\s+(?:unique\s+)?(?:table|index)\s+if\s+not\s+exists\s+(\w+)", re.I)


def create_schema(engine: Engine, which: str) -> None:
    """Create the `source` or `warehouse` tables if they do not exist (idempotent)."""
    script = sql_text(f"schema/{which}", dialect_of(engine))
    with engine.begin() as conn:
        todo = statements(script)
        if dialect_of(engine) == "postgresql":
            # Concurrent "create ... if not exists" race on PostgreSQL: one creator at a time. And only
            # what is missing: `create index if not exists` on an existing index still takes a lock on
            # its table, which deadlocks with a run writing results into it (quarantine, then runs).
            conn.exec_driver_sql("select pg_advisory_xact_lock(7351)")
            named = [(stmt, _CREATED.match(stmt)) for stmt in todo]
            names = [m.group(1) for _, m in named if m]
            present = set(conn.execute(sa.text("select n from unnest(cast(:names as text[])) as n "
                                               "where to_regclass(n) is not null"),
                                       {"names": names}).scalars()) if names else set()
            todo = [stmt for stmt, m in named if not (m and m.group(1) in present)]
        for stmt in todo:
            conn.exec_driver_sql(stmt)


def _clean(value: Any) -> Any:
    """Python value fit for a DBAPI parameter: NaN/NaT/pd.NA become None, numpy scalars plain."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def bulk_insert(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
                *, chunk: int = 50_000, clean: bool = True) -> int:
    """Append rows to `table` inside the caller's transaction; returns the number of rows written.

    PostgreSQL: COPY FROM STDIN (text rows streamed in chunks). SQLite/MySQL: executemany. Each value
    passes `_clean`, unless the caller made the rows of DBAPI values already (`clean=False`).
    """
    cols = ", ".join(columns)
    n = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection  # psycopg.Connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_clean(v) for v in row] if clean else row)
                n += 1
        return n
    placeholders = ", ".join("?" if conn.dialect.name == "sqlite" else "%s" for _ in columns)
    sql = f"insert into {table} ({cols}) values ({placeholders})"
    cursor = conn.connection.driver_connection.cursor()
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(tuple(_clean(v) for v in row) if clean else tuple(row))
        if len(batch) >= chunk:
            cursor.executemany(sql, batch)
            n += len(batch)
            batch.clear()
    if batch:
        cursor.executemany(sql, batch)
        n += len(batch)
    return n


def insert_frame(conn: Connection, table: str, frame: "Any", columns: Sequence[str] | None = None) -> int:
    """Append a DataFrame's rows (columns in `columns` order, default the frame's) to `table`."""
    columns = list(columns or frame.columns)
    if frame.empty:
        return 0
    return bulk_insert(conn, table, columns, zip(*(_db_values(frame[c]) for c in columns)), clean=False)


def _db_values(column: "Any") -> list:
    """A frame's column as DBAPI values, what `_clean` makes of each value, a column at a time: numbers
    and booleans as Python scalars and text as it is (a year's results are millions of values), missing
    values as None; other columns (dates, mixed objects) value by value."""
    import numpy as np
    import pandas as pd

    missing = column.isna().to_numpy()
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else ""
    if kind in ("b", "i", "u", "f"):
        values = column.to_numpy().tolist()
    elif kind == "O" and pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        values = column.tolist()
    else:
        values = [_clean(v) for v in column.astype(object)]
    for i in np.flatnonzero(missing):
        values[i] = None
    return values


def compile_bound(statement: "sa.TextClause", dialect: Any, params: dict[str, Any]) -> tuple[str, Any]:
    """`statement` compiled for `dialect`, and its parameters as that dialect's DBAPI takes them (a
    tuple in placeholder order for positional styles): values stay bound, never formatted into the text."""
    compiled = statement.compile(dialect=dialect)
    bound = compiled.construct_params(params)
    args = tuple(bound[name] for name in compiled.positiontup) if compiled.positional else bound
    return str(compiled), args


def stream_rows(conn: Connection, statement: "sa.TextClause", params: dict[str, Any], chunk_rows: int,
                *, server_side: bool = False):
    """Plain DBAPI row tuples of `statement` in chunks (SQLAlchemy Row objects would double the cost
    of a large read). SQLAlchemy compiles the statement for the connection's dialect, so values are
    bound parameters, never formatted into the text. `server_side` streams through a named cursor on
    PostgreSQL instead of buffering the whole result in the client."""
    sql, args = compile_bound(statement, conn.dialect, params)
    dbapi = conn.connection.driver_connection
    named = server_side and conn.dialect.name == "postgresql"
    cursor = dbapi.cursor(name="kinerja_stream") if named else dbapi.cursor()
    try:
        cursor.execute(sql, args)
        while True:
            rows = cursor.fetchmany(chunk_rows)
            if not rows:
                return
            yield rows
    finally:
        cursor.close()

