"""A throwaway PostgreSQL server for the test suite: free port, temporary data dir, torn down at exit.

Installs the server with apt when no `initdb` is found. PostgreSQL refuses to run as root, so as root
the server runs as the `postgres` user (created by the Debian package).
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _find(binary: str) -> str | None:
    for pattern in ("/usr/lib/postgresql/*/bin",):
        for directory in sorted(glob.glob(pattern), reverse=True):
            candidate = Path(directory) / binary
            if candidate.exists():
                return str(candidate)
    return shutil.which(binary)


def ensure_installed() -> None:
    if _find("initdb") and _find("pg_ctl"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)
    if not (_find("initdb") and _find("pg_ctl")):
        raise RuntimeError("PostgreSQL was installed but initdb/pg_ctl are not found")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """Start with `start()`, stop with `stop()`; `url(db)` gives a SQLAlchemy URL."""

    user = "kinerja"

    def __init__(self) -> None:
        ensure_installed()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="kinerja-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.socket_dir.mkdir()
        self._as_root = os.geteuid() == 0
        if self._as_root:
            pw = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, pw.pw_uid, pw.pw_gid)

    def _run(self, *cmd: str, **kw) -> subprocess.CompletedProcess:
        full = (["runuser", "-u", "postgres", "--"] if self._as_root else []) + list(cmd)
        return subprocess.run(full, check=True, capture_output=True, text=True, **kw)

    def start(self) -> "PostgresServer":
        self._run(_find("initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8")
        opts = (f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                "-c shared_buffers=256MB")
        self._run(_find("pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"),
                  "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        try:
            self._run(_find("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        except subprocess.CalledProcessError:
            pass

    def restart_after_stop(self) -> None:
        opts = (f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c max_connections=200")
        self._run(_find("pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"),
                  "-w", "-t", "60", "start")

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        deadline = time.time() + 30
        while True:
            try:
                with psycopg.connect(f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres",
                                     autocommit=True) as con:
                    con.execute(f'create database "{name}"')
                return self.url(name)
            except psycopg.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
