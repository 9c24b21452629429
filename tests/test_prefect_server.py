"""Prefect's temporary server started as the CLI's first step (kinerja/prefect_server.py)."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import prefect  # noqa: F401 - imported, as it is in the test harness's process
from kinerja.prefect_server import adopt, start_early
from tests.city import YEAR

KINERJA = str(Path(sys.executable).parent / "kinerja")


def test_no_early_server_where_prefect_is_already_set_up():
    """In a process that imported Prefect (a test harness, a deployment's worker) or that has an API URL,
    nothing is started, and nothing is adopted."""
    assert start_early() is None
    assert adopt(None) is False


def test_a_run_uses_the_server_started_early_and_stops_it(city, tmp_path):
    """A `kinerja run` without an API URL: Prefect never starts a server of its own (its "Starting
    temporary server" line is absent), the run succeeds on the early one, and that one is stopped when
    the run's process exits."""
    if city.engine != "sqlite":
        pytest.skip("the server does not depend on the source's engine")
    url = city.copy()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), KINERJA_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([KINERJA, "run", "monthly", "--month", f"{YEAR}-03", "--source", url, "--warehouse", url,
                           "--output", str(tmp_path / "out"), "--data-as-of", f"{YEAR}-12-31T23:59:59",
                           "--no-reports"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "succeeded" in done.stdout
    assert "Starting temporary server" not in done.stderr
    stopped = re.search(r"Stopping temporary server on http://127\.0\.0\.1:(\d+)", done.stderr)
    assert stopped, done.stderr[-2000:]
    with socket.socket() as probe:  # nothing listens there any more
        assert probe.connect_ex(("127.0.0.1", int(stopped.group(1)))) != 0
