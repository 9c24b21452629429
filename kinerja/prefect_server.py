"""Start Prefect's temporary API server at once, while the run's process is still importing.

Without `PREFECT_API_URL`, Prefect starts a temporary server when the first flow begins: `uvicorn`
in a subprocess, about 4.5 s before it answers, after the 2–3 s the CLI takes to import the flows,
one after the other. `start_early()` launches that same command line (Prefect's own,
`prefect.server.api.server.SubprocessASGIServer._run_uvicorn_command`) as the CLI's first step, using
only the standard library; `adopt()`, once Prefect is imported, waits until it answers and hands it to
Prefect's server singleton, which then uses it and stops it at exit as its own. A `kinerja run` saves
about 3–4 s; anything unexpected (an API URL configured, a server already running, the early one
failing to start) stops the early server and leaves Prefect to do as it always does.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

#: What Prefect sets for its temporary server's process (no UI, marked ephemeral).
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}


@dataclass
class EarlyServer:
    port: int
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_early() -> EarlyServer | None:
    """Launch the temporary server now, unless an API URL is set or Prefect is already imported (then a
    server or a test harness may be in place)."""
    if os.environ.get("PREFECT_API_URL") or "prefect" in sys.modules:
        return None
    try:
        import importlib.util

        spec = importlib.util.find_spec("prefect")
        if spec is None or not spec.origin:
            return None
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(spec.origin).parent.parent), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "error", "--lifespan", "on"],
            env={**os.environ, **SERVER_ENV})
    except OSError:
        return None
    early = EarlyServer(port, process)
    import atexit

    atexit.register(early.stop)  # a run that ends before its flow begins (a usage error) stops it too
    return early


def adopt(early: EarlyServer | None) -> bool:
    """Hand the early server to Prefect once it answers; True if Prefect will use it. Otherwise it is
    stopped and Prefect starts its own when the flow begins."""
    if early is None:
        return False
    import httpx
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import (PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED,
                                  PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)

    server = SubprocessASGIServer()  # the singleton Prefect's client asks for when no API URL is set
    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value() or server.running:
        early.stop()
        return False
    deadline = time.monotonic() + PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
    with httpx.Client() as client:
        while time.monotonic() < deadline and early.process.poll() is None:
            try:
                if client.get(f"http://127.0.0.1:{early.port}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            early.stop()  # exited (its port taken?) or never answered
            return False
    import atexit

    server.port, server.server_process, server.running = early.port, early.process, True
    atexit.register(server.stop)
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
