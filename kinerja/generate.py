"""`kinerja generate`: a deterministic synthetic city (kota) in the source database.

The city has the units, people, calendar and feeds of a real Indonesian local government, scaled to the
requested head count, plus about 0.5 % realistically bad rows. Every injected bad row is listed in the
`generator_bad_rows` table (source_table, row_key, kind), with row keys built as validation.md builds
them, so validation can be checked against the truth. See docs/demo-city.md.

    summary = generate_city("sqlite:///var/kinerja.db", employees=300, year=2026, seed=1)

The same (employees, year, seed) always gives the same rows on the same engine. PostgreSQL's TIME
type cannot store '25:61:00'; there those rows carry swapped times instead (same keys, other kind).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from sqlalchemy.engine import Connection, Engine

from kinerja.db import SOURCE_TABLES, bulk_insert, create_schema, dialect_of, get_engine
from kinerja.generate_common import MANIFEST_TABLE, Manifest, Table
from kinerja.generate_days import build_attendance, build_calendar, holidays_table, work_schedules_table
from kinerja.generate_org import MIN_EMPLOYEES, assignments_table, build_org, employees_table, units_table
from kinerja.generate_ratings import build_feedback, build_survey
from kinerja.generate_work import build_activities, build_indicators, build_targets, quarters_of

__all__ = ["generate_city", "GenerationSummary", "SourceNotEmpty", "MANIFEST_TABLE"]

MANIFEST_DDL = f"create table if not exists {MANIFEST_TABLE} (source_table text, row_key text, kind text)"


class SourceNotEmpty(ValueError):
    """The source tables already hold rows; generating would mix two cities."""


@dataclass(frozen=True)
class GenerationSummary:
    """What `generate_city` wrote: rows per source table and injected bad rows per table and kind."""

    employees: int
    year: int
    seed: int
    dialect: str
    rows: dict[str, int]
    bad_rows: dict[str, dict[str, int]]
    seconds: float
    facts: dict[str, Any] = field(default_factory=dict)  # named cases for demos and tests

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_bad(self) -> int:
        return sum(n for kinds in self.bad_rows.values() for n in kinds.values())

    def bad_share(self, table: str) -> float:
        return sum(self.bad_rows.get(table, {}).values()) / self.rows[table] if self.rows.get(table) else 0.0

    def format(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        """A short human-readable report (the CLI prints it)."""
        out = [f"Kota sintetis: {self.employees:,} pegawai, tahun {self.year}, seed {self.seed} "
               f"({self.dialect}, {self.seconds:.1f} s)"]
        for table, n in self.rows.items():
            bad = self.bad_rows.get(table, {})
            note = ", ".join(f"{kind} {count:,}" for kind, count in bad.items())
            out.append(f"  {table:<17} {n:>10,}" + (f"   bad: {note}" if note else ""))
        out.append(f"  {MANIFEST_TABLE} lists {self.total_bad:,} injected bad rows")
        return out


class _Progress:
    """A rich progress bar per table, or nothing."""

    def __init__(self, enabled: bool) -> None:
        self._bar = None
        if enabled:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn)

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description:<18}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True))

    def __enter__(self) -> "_Progress":
        if self._bar:
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar:
            self._bar.__exit__(*exc)

    def task(self, name: str) -> Callable[..., None]:
        if not self._bar:
            return lambda *a, **k: None
        bar, task_id = self._bar, self._bar.add_task(name, total=None)

        def update(advance: int = 0, total: int | None = None) -> None:
            if total is not None:
                bar.update(task_id, total=total)
            if advance:
                bar.advance(task_id, advance)
        return update


def _chunks(rows: Iterable[tuple[Any, ...]], report: Callable[..., None], size: int = 50_000) -> Iterator[tuple]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield from chunk
        report(advance=len(chunk))


def _occupied(conn: Connection) -> list[str]:
    return [t for t in SOURCE_TABLES if conn.exec_driver_sql(f"select 1 from {t} limit 1").first()]


def _clear(conn: Connection, tables: list[str]) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"truncate table {', '.join(tables)}")
    else:
        for t in tables:
            conn.exec_driver_sql(f"delete from {t}")


def generate_city(url_or_engine: str | Engine, employees: int, year: int, seed: int = 1,
                  progress: bool = True, replace: bool = False) -> GenerationSummary:
    """Write a synthetic city into the source database and return what was written.

    Creates the source schema if needed. Refuses (SourceNotEmpty) when a source table already holds
    rows, unless `replace`, which deletes them first. Everything is written in one transaction.
    """
    if isinstance(employees, bool) or not isinstance(employees, int) or employees < MIN_EMPLOYEES:
        raise ValueError(f"employees must be a whole number of at least {MIN_EMPLOYEES}, not {employees!r}")
    if isinstance(year, bool) or not isinstance(year, int) or not 1901 <= year <= 2099:
        raise ValueError(f"year must be between 1901 and 2099, not {year!r}")
    started = time.perf_counter()
    engine = url_or_engine if isinstance(url_or_engine, Engine) else get_engine(url_or_engine)
    dialect = dialect_of(engine)
    create_schema(engine, "source")
    with engine.begin() as conn:
        conn.exec_driver_sql(MANIFEST_DDL)

    manifest = Manifest()
    rows: dict[str, int] = {}
    with engine.begin() as conn, _Progress(progress) as bar:
        occupied = _occupied(conn)
        if occupied and not replace:
            raise SourceNotEmpty(
                f"the source database already holds rows in {', '.join(occupied)}; generating would mix two "
                "cities. Use an empty database, or replace=True (--replace) to delete those rows first.")
        _clear(conn, occupied + [MANIFEST_TABLE])

        def load(make: Callable[[], Table], name: str) -> None:
            report = bar.task(name)
            table = make()
            report(total=len(table))
            rows[table.name] = bulk_insert(conn, table.name, table.columns, _chunks(table.rows(), report))

        cal = build_calendar(year)
        org = build_org(employees, year, seed, cal.workdays)
        load(lambda: units_table(org), "units")
        load(lambda: employees_table(org, manifest), "employees")
        load(lambda: assignments_table(org), "assignments")
        load(lambda: holidays_table(cal), "holidays")
        load(lambda: work_schedules_table(cal), "work_schedules")
        made: dict[str, Any] = {}

        def attendance() -> Table:
            made["att"] = build_attendance(org, cal, seed, manifest, dialect)
            return made["att"].table
        load(attendance, "attendance")
        status = made.pop("att")
        quarters = quarters_of(org, cal, status.status)
        indicators, indicators_tbl = build_indicators(org)
        load(lambda: indicators_tbl, "indicators")

        def targets() -> Table:
            table, made["groups"] = build_targets(org, quarters, indicators, seed, manifest)
            return table
        load(targets, "targets")
        load(lambda: build_activities(org, cal, quarters, status.status, indicators, made.pop("groups"), seed,
                                      manifest), "activities")
        load(lambda: build_feedback(org, quarters, seed, manifest), "feedback")
        load(lambda: build_survey(org, cal, seed, manifest), "survey_responses")
        bulk_insert(conn, MANIFEST_TABLE, ("source_table", "row_key", "kind"), manifest.rows)

    if dialect == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("analyze " + ", ".join(list(SOURCE_TABLES) + [MANIFEST_TABLE]))
    facts = {
        "tiny_unit": org.units[org.tiny_unit].code,
        "outlier_unit": org.units[org.outlier_unit].code,
        "lenient_supervisor": org.nip[org.lenient_supervisor],
        "invalid_nip": org.nip[org.invalid],
        "discipline_cases": {level: [org.nip[e] for e in who] for level, who in status.discipline_cases.items()},
        "units": len(org.units),
    }
    return GenerationSummary(employees, year, seed, dialect, {t: rows.get(t, 0) for t in SOURCE_TABLES},
                             manifest.counts(), time.perf_counter() - started, facts)
