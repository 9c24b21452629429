"""A throwaway MariaDB server for the test suite: free port, temporary data dir, torn down at exit.

Like tests/pg.py. Installs `mariadb-server` with apt when no `mariadbd`/`mariadb-install-db` is found.
As root the server runs as the `mysql` user (created by the Debian package). The server listens on a
socket in its temporary directory (used to create the test user) and on TCP 127.0.0.1 (what the tests
use, through `mysql+pymysql://kinerja@127.0.0.1:PORT/db`, like a deployment would).

Test modules import the fixtures: `from tests.mariadb import mariadb_server, mariadb_url  # noqa: F401`.
"""
from __future__ import annotations

import atexit
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def _find(binary: str) -> str | None:
    for directory in ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"):
        candidate = Path(directory) / binary
        if candidate.exists():
            return str(candidate)
    return shutil.which(binary)


def _server_binary() -> str | None:
    return _find("mariadbd") or _find("mysqld")


def _install_db_binary() -> str | None:
    return _find("mariadb-install-db") or _find("mysql_install_db")


def ensure_installed() -> None:
    if _server_binary() and _install_db_binary():
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "mariadb-server"], check=True, env=env)
    if not (_server_binary() and _install_db_binary()):
        raise RuntimeError("mariadb-server was installed but mariadbd/mariadb-install-db are not found")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MariaDBServer:
    """Start with `start()`, stop with `destroy()`; `url(db)` gives a SQLAlchemy URL."""

    user = "kinerja"

    def __init__(self) -> None:
        ensure_installed()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="kinerja-mariadb-"))
        self.data = self.root / "data"
        self.tmp = self.root / "tmp"
        self.tmp.mkdir()
        self.socket = self.root / "mysqld.sock"
        self.log = self.root / "error.log"
        self._as_root = os.geteuid() == 0
        self._os_user = "mysql" if self._as_root else pwd.getpwuid(os.geteuid()).pw_name
        self._process: subprocess.Popen | None = None
        if self._as_root:
            pw = pwd.getpwnam("mysql")
            os.chmod(self.root, 0o755)
            for path in (self.root, self.tmp):
                os.chown(path, pw.pw_uid, pw.pw_gid)

    def _options(self) -> list[str]:
        return [
            f"--datadir={self.data}", f"--socket={self.socket}", f"--port={self.port}",
            "--bind-address=127.0.0.1", f"--tmpdir={self.tmp}", f"--pid-file={self.root / 'mysqld.pid'}",
            f"--log-error={self.log}", "--skip-name-resolve", "--skip-log-bin",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin",
            "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
            "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M",
            "--max-connections=100", "--performance-schema=OFF",
        ]

    def start(self) -> "MariaDBServer":
        install = [_install_db_binary(), "--no-defaults", f"--datadir={self.data}",
                   "--auth-root-authentication-method=normal", "--skip-test-db",
                   f"--user={self._os_user}"]
        done = subprocess.run(install, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"mariadb-install-db failed: {done.stderr.strip() or done.stdout.strip()}")
        cmd = [_server_binary(), "--no-defaults", *self._options(), f"--user={self._os_user}"]
        self._process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(self.destroy)
        self._wait_ready()
        self._create_user()
        return self

    def _connect_socket(self):
        import pymysql

        return pymysql.connect(unix_socket=str(self.socket), user="root", autocommit=True,
                               charset="utf8mb4")

    def _wait_ready(self, timeout: float = 60.0) -> None:
        import pymysql

        deadline = time.time() + timeout
        while True:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"mariadbd exited with {self._process.returncode}: {self._log_tail()}")
            try:
                self._connect_socket().close()
                return
            except pymysql.err.OperationalError:
                if time.time() > deadline:
                    raise RuntimeError(f"mariadbd did not come up in {timeout:.0f} s: {self._log_tail()}")
                time.sleep(0.2)

    def _log_tail(self) -> str:
        try:
            return " | ".join(self.log.read_text(errors="replace").strip().splitlines()[-5:])
        except OSError:
            return "(no log)"

    def _create_user(self) -> None:
        con = self._connect_socket()
        try:
            with con.cursor() as cur:
                for host in ("127.0.0.1", "localhost", "%"):
                    cur.execute(f"create user if not exists '{self.user}'@'{host}'")
                    cur.execute(f"grant all privileges on *.* to '{self.user}'@'{host}' with grant option")
                cur.execute("flush privileges")
        finally:
            con.close()

    def destroy(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"mysql+pymysql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        con = self._connect_socket()
        try:
            with con.cursor() as cur:
                cur.execute(f"create database `{name}` character set utf8mb4 collate utf8mb4_bin")
        finally:
            con.close()
        return self.url(name)


_counter = itertools.count()


@pytest.fixture(scope="session")
def mariadb_server():
    """One MariaDB server for the session. Never skipped: when the server cannot start, tests fail."""
    server = MariaDBServer().start()
    yield server
    server.destroy()


@pytest.fixture
def mariadb_url(mariadb_server) -> str:
    """A fresh, empty MariaDB database."""
    return mariadb_server.create_database(f"kinerja_{os.getpid()}_{next(_counter)}")
