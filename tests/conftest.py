"""Shared fixtures: a throwaway PostgreSQL server, per-test databases on both engines, one Prefect harness.

`db_url` is parametrised so every database-facing test runs twice, with ids ending `[sqlite]` and
`[postgresql]`. PostgreSQL tests are never skipped: when the server cannot start, they fail.
"""
from __future__ import annotations

import itertools
import os

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Several flow runs at once write to the test server's SQLite database: wait for its lock, don't fail.
os.environ.setdefault("PREFECT_SERVER_DATABASE_TIMEOUT", "60")

from tests.pg import PostgresServer  # noqa: E402

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    server = PostgresServer().start()
    yield server
    server.destroy()


def _new_url(request, engine: str, tmp_path_factory) -> str:
    n = next(_counter)
    if engine == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db')}/kinerja_{n}.db"
    server = request.getfixturevalue("pg_server")
    return server.create_database(f"kinerja_{n}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path_factory) -> str:
    """A fresh, empty database on each engine (source and warehouse may share it)."""
    return _new_url(request, request.param, tmp_path_factory)


@pytest.fixture
def new_db_url(request, tmp_path_factory):
    """Factory for further empty databases on the same engine as `db_url`."""
    engine = request.node.callspec.params.get("db_url", "sqlite") if hasattr(request.node, "callspec") else "sqlite"
    return lambda: _new_url(request, engine, tmp_path_factory)


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session (starting one costs 10-18 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def city(request, tmp_path_factory):
    """A generated 40-employee city per engine and test module (tests/city.py); `.copy()` gives each
    test a fresh database holding the same rows."""
    from tests.city import CityTemplate

    pg = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    module = request.module.__name__.rsplit(".", 1)[-1]
    return CityTemplate(request.param, tmp_path_factory.mktemp(f"{module}-{request.param}"), pg)

