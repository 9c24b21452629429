"""A small generated city, made once per engine and copied for each test that changes it."""
from __future__ import annotations

import itertools
import sqlite3
from datetime import datetime
from pathlib import Path

from kinerja.settings import RunSettings

YEAR = 2026
EMPLOYEES = 40
CUTOFF = datetime(YEAR, 12, 31, 23, 59, 59)


_TEMPLATES = itertools.count(1)


class CityTemplate:
    """One generated source per engine; `copy()` gives a fresh database holding the same rows."""

    def __init__(self, engine: str, tmp: Path, pg_server=None) -> None:
        from kinerja.generate import generate_city

        self.engine, self.tmp, self.pg = engine, tmp, pg_server
        self.copies = 0
        self.name = f"city_template_{next(_TEMPLATES)}"  # one per test module on the shared server
        if engine == "sqlite":
            self.path = tmp / "city_template.db"
            self.url = f"sqlite:///{self.path}"
        else:
            self.url = pg_server.create_database(self.name)
        generate_city(self.url, EMPLOYEES, YEAR, seed=7, progress=False)
        if engine == "postgresql":
            from kinerja import db

            db.get_engine(self.url).dispose()  # CREATE DATABASE ... TEMPLATE needs no open sessions

    def copy(self) -> str:
        self.copies += 1
        if self.engine == "sqlite":  # the backup API also copies what still sits in the WAL file
            target = self.tmp / f"city_{self.copies}.db"
            with sqlite3.connect(self.path) as src, sqlite3.connect(target) as dst:
                src.backup(dst)
            return f"sqlite:///{target}"
        import psycopg

        name = f"{self.name}_copy_{self.copies}"
        with psycopg.connect(self.pg.url("postgres").replace("postgresql+psycopg", "postgresql"),
                             autocommit=True) as con:
            con.execute(f'create database "{name}" template "{self.name}"')
        return self.pg.url(name)


def settings_for(url: str, output: Path, **extra) -> RunSettings:
    return RunSettings(source_url=url, warehouse_url=url, output_dir=output, data_as_of=CUTOFF,
                       cache_dir=extra.pop("cache_dir", output / "cache"),
                       render_reports=extra.pop("render_reports", False), **extra)
