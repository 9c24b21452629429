"""End-to-end benchmark of Kinerja runs, compared with the database engine's own aggregate pass.

For each engine: generate N employees x one year into a fresh source with `kinerja generate`, time
the fixed baseline (`baseline.py`, one grouped scan of each big table, median of 3), then time whole
`kinerja run` processes: a cold annual run, the 12 monthly runs, an annual run after them and Q4.
Every stage records wall seconds, the peak RSS of its process tree, its exit code and its ratio to
the baseline measured in the same invocation (machines are noisy: compare ratios, not seconds).
Results go to benchmarks/results/<engine>-<N>-<timestamp>.json and docs/performance.md.

    .venv/bin/python benchmarks/run.py                                   # 15,000 employees, sqlite + postgresql
    .venv/bin/python benchmarks/run.py --employees 300                   # smoke test, a few minutes
    .venv/bin/python benchmarks/run.py --engines sqlite --employees-scale 60000   # also 4N: growth

See benchmarks/README.md for what each stage means.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from importlib import metadata
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "benchmarks" / "results"
DOC = ROOT / "docs" / "performance.md"
DEFAULT_BASELINE = Path(os.environ.get("KINERJA_BASELINE", "/work/shared/bench/baseline.py"))
STAGES = ("annual_cold", "monthly", "annual_after_monthly", "quarterly")
MARK_START, MARK_END = "<!-- results:start -->", "<!-- results:end -->"
MIB, GIB = 1024 ** 2, 1024 ** 3

# The targets of issue 9; `limit` is compared with the value named by `measure`.
TARGETS = {
    "annual_cold_ratio": ("cold annual run <= 10x baseline", 10.0),
    "annual_cold_seconds": ("cold annual run <= 300 s", 300.0),
    "annual_after_monthly_ratio": ("annual run after the 12 monthly runs <= 3x baseline", 3.0),
    "monthly_seconds": ("every monthly run <= 60 s (slowest of 12)", 60.0),
    "peak_memory": ("peak memory of every run <= 2 GiB (process tree RSS)", 2.0 * GIB),
    "scale": ("time at 4N / time at N <= 4.5 (every stage)", 4.5),
}
QUIET_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "GX_ANALYTICS_ENABLED": "false",
}


# --- measuring one process ------------------------------------------------------------------------

@dataclass
class Measured:
    """One finished (or killed) process: wall time, memory, exit code and where its output is."""

    seconds: float
    exit_code: int | None  # None when it was killed at the timeout
    peak_rss: int  # bytes: the largest sum of RSS over the process and all its descendants
    max_rss_single: int | None  # bytes: /usr/bin/time's maximum RSS (largest single process)
    peak_at: float  # seconds after the start when the tree's peak was seen
    stdout: str
    stderr: str
    log: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def message(self) -> str:
        """The CLI's one-line outcome (`kinerja: ...`), else the first error lines of stderr."""
        lines = (self.stdout + "\n" + self.stderr).splitlines()
        outcome = [line for line in lines if line.startswith("kinerja:")]
        if self.exit_code is None:
            return "killed at the timeout" + (f"; last: {outcome[-1]}" if outcome else "")
        if outcome:
            return outcome[-1]
        return self.error_excerpt() if not self.ok else ""

    def error_excerpt(self, count: int = 6) -> str:
        lines = [line.rstrip() for line in self.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith(("kinerja:", "Traceback")) or "| ERROR" in line
                  or "| CRITICAL" in line or re.match(r"^[\w.]+(Error|Exception|Exit)\b", line)]
        return "\n".join((errors or lines[-count:])[:count])


class TreePoller(threading.Thread):
    """Polls the RSS of a process and all its descendants; keeps the largest sum seen."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak, self.peak_at = pid, interval, 0, 0.0
        self.started = time.perf_counter()
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop_event.is_set():
            total = 0
            try:
                members = [root, *root.children(recursive=True)]
            except psutil.Error:
                return
            for proc in members:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    continue
            if total > self.peak:
                self.peak, self.peak_at = total, time.perf_counter() - self.started
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        self._stop_event.set()
        self.join(timeout=5)
        return self.peak


TIME_BIN = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def measure(cmd: list[str], *, env: dict[str, str], cwd: Path, timeout: float, log: Path) -> Measured:
    """Run `cmd` in its own session, its output into `log`.out/.err; kill the group at the timeout."""
    log.parent.mkdir(parents=True, exist_ok=True)
    out_path, err_path, time_path = (log.with_name(log.name + suffix) for suffix in (".out", ".err", ".time"))
    full = [TIME_BIN, "-v", "-o", str(time_path), *cmd] if TIME_BIN else cmd
    with open(out_path, "w") as out, open(err_path, "w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=out, stderr=err, cwd=cwd, env=env, start_new_session=True)
        poller = TreePoller(proc.pid)
        poller.start()
        try:
            exit_code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            exit_code = None
        seconds = time.perf_counter() - start
        peak = poller.stop()
    max_single = None
    if TIME_BIN and time_path.exists():
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_path.read_text())
        max_single = int(found.group(1)) * 1024 if found else None
    return Measured(seconds, exit_code, max(peak, max_single or 0), max_single, round(poller.peak_at, 1),
                    out_path.read_text(errors="replace"), err_path.read_text(errors="replace"), str(log))


LOG_LINE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) \| \w+\s*\| (.*)$")
TASK_DONE = re.compile(r"Task run '(.+?)' - Finished in state")


def phases(stderr: str, seconds: float) -> dict[str, float]:
    """Where a run's time went, from its Prefect log: the temporary server's start, then each task
    (the concurrent extracts as one), each counted from the previous milestone; `imports_and_exit` is
    the rest of the wall time (Python imports before the first log line, shutdown after the last)."""
    start, previous, spent = None, None, {}
    for line in stderr.splitlines():
        found = LOG_LINE.match(line)
        if not found:
            continue
        h, m, s, ms, text = found.groups()
        t = int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000
        if start is None:
            start = previous = t
        t += 86400 if t < start else 0
        task = TASK_DONE.search(text)
        if "Beginning flow run" in text:
            group = "prefect_start"
        elif task:
            name = task.group(1)
            group = "extract" if name.startswith("extract-") else re.sub(r"-[0-9a-f]{3}$", "", name)
        else:
            continue
        spent[group] = spent.get(group, 0.0) + t - previous
        previous = t
    if start is None:
        return {}
    spent["imports_and_exit"] = seconds - (previous - start)
    return {k: round(v, 1) for k, v in spent.items()}


def stage_record(m: Measured, baseline: float | None, **extra) -> dict:
    return {
        "phases": phases(m.stderr, m.seconds),
        "seconds": round(m.seconds, 3), "exit_code": m.exit_code, "ok": m.ok,
        "peak_rss_mib": round(m.peak_rss / MIB, 1),
        "max_rss_single_mib": round(m.max_rss_single / MIB, 1) if m.max_rss_single else None,
        "peak_rss_at_seconds": m.peak_at,
        "ratio": round(m.seconds / baseline, 2) if baseline else None,
        "message": m.message(), "error": "" if m.ok else m.error_excerpt(), "log": m.log, **extra,
    }


# --- engines --------------------------------------------------------------------------------------

class SqliteEngine:
    """Source and warehouses as files under the work directory."""

    name = "sqlite"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    def _url(self, path: Path) -> str:
        return f"sqlite:///{path.resolve()}"

    @staticmethod
    def _remove(path: Path) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def source(self, n: int, year: int, reuse: bool) -> tuple[str, str, bool]:
        """(URL for kinerja, target for baseline.py, whether it exists already and is reused)."""
        path = self.workdir / "sqlite" / f"source-{n}-{year}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        reused = reuse and path.exists() and path.stat().st_size > 0
        if not reused:
            self._remove(path)
        return self._url(path), str(path), reused

    def warehouse(self, label: str) -> str:
        path = self.workdir / "sqlite" / f"warehouse-{label}.db"
        self._remove(path)
        return self._url(path)

    def drop_warehouse(self, url: str) -> None:
        self._remove(Path(url.removeprefix("sqlite:///")))

    def info(self) -> dict:
        return {"sqlite": sqlite3.sqlite_version}

    def close(self) -> None:
        return None


class PostgresEngine:
    """Databases on an existing server (`--pg-url`) or on a throwaway one (tests/pg.py)."""

    name = "postgresql"

    def __init__(self, workdir: Path, pg_url: str | None) -> None:
        self.server = None
        if pg_url:
            self.admin = pg_url.replace("postgresql+psycopg://", "postgresql://")
        else:
            spec = importlib.util.spec_from_file_location("kinerja_bench_pg", ROOT / "tests" / "pg.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self.server = module.PostgresServer().start()
            self.admin = self.server.url("postgres").replace("postgresql+psycopg://", "postgresql://")

    def _url(self, database: str) -> str:
        return self.admin.rsplit("/", 1)[0] + "/" + database

    def _execute(self, sql: str, params: tuple = ()) -> list:
        import psycopg

        deadline = time.time() + 30
        while True:
            try:
                with psycopg.connect(self.admin, autocommit=True) as con:
                    cur = con.execute(sql, params)
                    return cur.fetchall() if cur.description else []
            except psycopg.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)

    def _fresh(self, database: str) -> None:
        self._execute(f'drop database if exists "{database}" with (force)')
        self._execute(f'create database "{database}"')

    def source(self, n: int, year: int, reuse: bool) -> tuple[str, str, bool]:
        database = f"kinerja_bench_source_{n}_{year}"
        reused = reuse and bool(self._execute("select 1 from pg_database where datname = %s", (database,)))
        if not reused:
            self._fresh(database)
        url = self._url(database)
        return url, url, reused

    def warehouse(self, label: str) -> str:
        database = f"kinerja_bench_warehouse_{label}".replace("-", "_")
        self._fresh(database)
        return self._url(database)

    def drop_warehouse(self, url: str) -> None:
        self._execute(f'drop database if exists "{url.rsplit("/", 1)[1]}" with (force)')

    def info(self) -> dict:
        version = self._execute("show server_version")[0][0]
        settings = dict(self._execute("select name, current_setting(name) from pg_settings "
                                      "where name in ('shared_buffers', 'work_mem', 'fsync')"))
        return {"postgresql": version, "throwaway_server": self.server is not None, **settings}

    def close(self) -> None:
        if self.server is not None:
            self.server.destroy()


# --- one benchmark: one engine, one size -----------------------------------------------------------

class Bench:
    def __init__(self, engine, n: int, year: int, args: argparse.Namespace, stamp: str) -> None:
        self.engine, self.n, self.year, self.args, self.stamp = engine, n, year, args, stamp
        self.dir = args.workdir / f"{engine.name}-{n}-{year}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.logs = self.dir / "logs" / stamp
        self.baseline: float | None = None

    def env(self, prefect_home: Path | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_PROFILE")}
        env.update(QUIET_ENV)
        if prefect_home is not None:
            env["PREFECT_HOME"] = str(prefect_home)
            # The validation cache belongs to the scenario too: a cold run must find it empty, and the
            # annual run after the monthly runs may reuse only what those runs validated.
            env["KINERJA_CACHE_DIR"] = str(prefect_home / "kinerja-cache")
        return env

    def kinerja(self) -> list[str]:
        script = Path(sys.executable).with_name("kinerja")
        return [str(script)] if script.exists() else [sys.executable, "-m", "kinerja.cli"]

    def prefect_home(self, label: str) -> Path:
        """A copy of a Prefect home whose database exists already: what a machine that has run once has.

        Each warehouse scenario gets its own copy, and keeps its validation cache in it, so that
        nothing a flow caches in one scenario (or in an earlier invocation) is seen by another."""
        template = self.args.workdir / "prefect-template"
        if not (template / ".ready").exists():
            shutil.rmtree(template, ignore_errors=True)
            template.mkdir(parents=True)
            warm = "from prefect import flow\n\n@flow\ndef warm_up():\n    return 1\n\nwarm_up()\n"
            m = measure([sys.executable, "-c", warm], env=self.env(template), cwd=self.dir, timeout=600,
                        log=self.logs / "prefect-warm-up")
            if not m.ok:
                print(f"  warning: Prefect warm-up failed ({m.error_excerpt(2)}); runs start from an empty "
                      "Prefect database", file=sys.stderr)
            (template / ".ready").touch()
        home = self.dir / f"prefect-{label}"
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(template, home)
        return home

    def run_flow(self, stage: str, flow_args: list[str], source: str, warehouse: str, home: Path,
                 log_name: str) -> Measured:
        cmd = [*self.kinerja(), "run", *flow_args, "--source", source, "--warehouse", warehouse,
               "--output", str(self.dir / "out" / stage), "--data-as-of", f"{self.year}-12-31T23:59:59"]
        if self.args.no_reports:
            cmd.append("--no-reports")
        m = measure(cmd, env=self.env(home), cwd=self.dir, timeout=self.args.timeout, log=self.logs / log_name)
        status = "ok" if m.ok else f"exit {m.exit_code}" if m.exit_code is not None else "TIMEOUT"
        print(f"  {log_name:<24} {m.seconds:8.1f} s  {m.peak_rss / MIB:7.0f} MiB  {status}", flush=True)
        if not m.ok:
            print("    " + (m.message() or m.error_excerpt()).replace("\n", "\n    "), flush=True)
        return m

    def run(self) -> dict:
        e, n, year = self.engine, self.n, self.year
        print(f"\n== {e.name}: {n:,} employees x {year} (work dir {self.dir})", flush=True)
        result: dict = {
            "engine": e.name, "employees": n, "year": year, "started": self.stamp,
            "stages_requested": self.args.stages, "reports_rendered": not self.args.no_reports,
            "timeout_seconds": self.args.timeout, "machine": machine_info(), "engine_info": e.info(),
            "code": code_info(), "generate": None, "baseline": None, "stages": {},
        }
        source, baseline_target, reused = e.source(n, year, self.args.skip_generate)
        if reused:
            print("  generate: reusing the existing source (--skip-generate)", flush=True)
            result["generate"] = {"reused": True}
        else:
            m = measure([*self.kinerja(), "generate", "--employees", str(n), "--year", str(year),
                         "--source", source], env=self.env(self.dir / "prefect-generate"), cwd=self.dir,
                        timeout=self.args.timeout * 3, log=self.logs / "generate")
            result["generate"] = stage_record(m, None, reused=False, rows=_generated_rows(m.stdout))
            print(f"  {'generate':<24} {m.seconds:8.1f} s  {m.peak_rss / MIB:7.0f} MiB  "
                  f"{'ok' if m.ok else m.exit_code}", flush=True)
            if not m.ok:
                print("    " + m.error_excerpt().replace("\n", "\n    "), flush=True)
                result["error"] = "generate failed; nothing else was run"
                return result

        result["complete"] = False  # saved after each stage, so an interrupted run leaves what it measured
        save(result)
        result["baseline"] = self.measure_baseline(baseline_target)
        self.baseline = result["baseline"].get("median_seconds")
        stages = result["stages"]
        if "annual_cold" in self.args.stages:
            warehouse = e.warehouse(f"{n}-cold")
            m = self.run_flow("annual_cold", ["annual", "--year", str(year)], source, warehouse,
                              self.prefect_home("cold"), "annual_cold")
            stages["annual_cold"] = stage_record(m, self.baseline, warehouse_state="fresh")
            save(result)
            e.drop_warehouse(warehouse)

        needs_year = [s for s in ("monthly", "annual_after_monthly", "quarterly") if s in self.args.stages]
        if needs_year:
            warehouse, home, state = e.warehouse(f"{n}-year"), self.prefect_home("year"), "fresh"
            if "monthly" in self.args.stages or "annual_after_monthly" in self.args.stages:
                stages["monthly"] = self.monthly(source, warehouse, home)
                save(result)
                state = "after the 12 monthly runs"
            if "annual_after_monthly" in self.args.stages:
                m = self.run_flow("annual_after_monthly", ["annual", "--year", str(year)], source, warehouse,
                                  home, "annual_after_monthly")
                stages["annual_after_monthly"] = stage_record(m, self.baseline, warehouse_state=state)
                save(result)
                state += " and the annual run"
            if "quarterly" in self.args.stages:
                m = self.run_flow("quarterly", ["quarterly", "--year", str(year), "--quarter", "4"], source,
                                  warehouse, home, "quarterly_q4")
                stages["quarterly"] = stage_record(m, self.baseline, warehouse_state=state, period=f"{year}-Q4")
                save(result)
            e.drop_warehouse(warehouse)
        result["finished"] = _stamp()
        result["targets"] = evaluate_targets(result)
        result.pop("complete", None)
        return result

    def measure_baseline(self, target: str) -> dict:
        runs, rows, errors = [], None, []
        for i in range(self.args.baseline_repeats):
            m = measure([sys.executable, str(self.args.baseline), target, str(self.year)], env=self.env(),
                        cwd=self.dir, timeout=self.args.timeout, log=self.logs / f"baseline-{i + 1}")
            parts = m.stdout.split()
            if m.ok and len(parts) == 2:
                runs.append(float(parts[0]))
                rows = int(parts[1])
            else:
                errors.append(m.error_excerpt())
        median = statistics.median(runs) if runs else None
        shown = f"{median:.3f} s median of {[round(r, 3) for r in runs]}" if runs else "FAILED"
        print(f"  {'baseline':<24} {shown}, {rows} rows", flush=True)
        for error in errors[:1]:
            print("    " + error.replace("\n", "\n    "), flush=True)
        return {"script": str(self.args.baseline), "runs_seconds": runs, "median_seconds": median, "rows": rows,
                "errors": errors}

    def monthly(self, source: str, warehouse: str, home: Path) -> dict:
        runs = []
        for month in range(1, 13):
            code = f"{self.year}-{month:02d}"
            m = self.run_flow("monthly", ["monthly", "--month", code], source, warehouse, home, f"monthly_{code}")
            runs.append(stage_record(m, self.baseline, month=code))
        seconds = [r["seconds"] for r in runs]
        failed = [r for r in runs if not r["ok"]]
        median = statistics.median(seconds)
        return {
            "seconds": round(median, 3), "max_seconds": max(seconds), "total_seconds": round(sum(seconds), 3),
            "exit_code": failed[0]["exit_code"] if failed else 0, "ok": not failed,
            "failed_months": [r["month"] for r in failed],
            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
            "max_rss_single_mib": max((r["max_rss_single_mib"] or 0 for r in runs), default=None) or None,
            "ratio": round(median / self.baseline, 2) if self.baseline else None,
            "max_ratio": round(max(seconds) / self.baseline, 2) if self.baseline else None,
            "message": failed[0]["message"] if failed else runs[-1]["message"],
            "error": failed[0]["error"] if failed else "", "log": failed[0]["log"] if failed else runs[-1]["log"],
            "warehouse_state": "fresh, then each month in turn",
            "runs": runs,
        }


def _generated_rows(stdout: str) -> dict[str, int]:
    """Rows per table from the generator's summary: a table per line (`  attendance  3,447,865 ...`)."""
    found = re.search(r"rows=\{([^}]*)\}", stdout)  # the summary's repr, when it has no format()
    if found:
        return {k: int(v) for k, v in re.findall(r"'(\w+)': (\d+)", found.group(1))}
    return {k: int(v.replace(",", "")) for k, v in re.findall(r"^\s+([a-z_]+)\s+([\d,]+)", stdout, re.M)}


# --- targets --------------------------------------------------------------------------------------

def _target(key: str, value: float | None, failed: str = "") -> dict:
    label, limit = TARGETS[key]
    met = None if value is None else (value <= limit and not failed)
    return {"key": key, "target": label, "limit": limit, "value": value, "met": met, "note": failed}


def evaluate_targets(result: dict) -> list[dict]:
    """Each target of issue 9: value, limit, met (None when not measured). A failed stage is not met."""
    stages = result["stages"]

    def failed(stage: str) -> str:
        s = stages.get(stage)
        return "" if not s or s["ok"] else f"{stage} failed ({s['message'][:120]})"

    cold, after, monthly = stages.get("annual_cold"), stages.get("annual_after_monthly"), stages.get("monthly")
    targets = [
        _target("annual_cold_ratio", cold and cold["ratio"], failed("annual_cold")),
        _target("annual_cold_seconds", cold and cold["seconds"], failed("annual_cold")),
        _target("annual_after_monthly_ratio", after and after["ratio"], failed("annual_after_monthly")),
        _target("monthly_seconds", monthly and monthly["max_seconds"], failed("monthly")),
    ]
    # Memory is judged on what was measured; a failed run may have stopped before its biggest step.
    peaks = [s["peak_rss_mib"] for s in stages.values()]
    memory = _target("peak_memory", max(peaks) * MIB if peaks else None)
    if any(map(failed, stages)):
        memory["note"] = "some runs failed and may have stopped early"
    return targets + [memory]


def targets_of(result: dict) -> list[dict]:
    """The targets, evaluated again from the stages (results written by an older run.py included)."""
    return evaluate_targets(result) + [t for t in result.get("targets", []) if t["key"] == "scale"]


def add_scale(base: dict, big: dict) -> None:
    """Time of each stage at the larger size over the smaller; stored with the larger result."""
    factor = big["employees"] / base["employees"]
    limit = TARGETS["scale"][1] * factor / 4  # 4.5 at 4N; the same allowance per unit of growth otherwise
    ratios = {}
    for stage, s in big["stages"].items():
        b = base["stages"].get(stage)
        if b and b["ok"] and s["ok"] and b["seconds"]:
            ratios[stage] = round(s["seconds"] / b["seconds"], 2)
    worst = max(ratios.values()) if ratios else None
    big["scale"] = {"base_employees": base["employees"], "base_started": base["started"], "factor": factor,
                    "limit": limit, "stage_ratios": ratios}
    target = _target("scale", worst)
    target.update(limit=limit, met=None if worst is None else worst <= limit,
                  target=f"time at {factor:g}N / time at N <= {limit:g} (every stage)")
    big["targets"].append(target)


# --- output ---------------------------------------------------------------------------------------

def _fmt(value, spec: str = ".1f", suffix: str = "") -> str:
    return "–" if value is None else f"{value:{spec}}{suffix}"


def table_rows(result: dict) -> list[list[str]]:
    rows = []
    gen = result.get("generate") or {}
    if gen and not gen.get("reused"):
        rows.append(["generate", "1", _fmt(gen["seconds"]), "–", "–", _fmt(gen["peak_rss_mib"], ".0f"),
                     str(gen["exit_code"])])
    for stage in STAGES:
        s = result["stages"].get(stage)
        if not s:
            continue
        if stage == "monthly":
            codes = sorted({r["exit_code"] for r in s["runs"]}, key=str)
            rows.append([stage, str(len(s["runs"])), _fmt(s["seconds"]) + " (median)", _fmt(s["max_seconds"]),
                         _fmt(s["ratio"], ".1f", "x"), _fmt(s["peak_rss_mib"], ".0f"),
                         ",".join(map(str, codes))])
        else:
            rows.append([stage, "1", _fmt(s["seconds"]), "–", _fmt(s["ratio"], ".1f", "x"),
                         _fmt(s["peak_rss_mib"], ".0f"), str(s["exit_code"])])
    return rows


HEADER = ["stage", "runs", "seconds", "max s", "x baseline", "peak MiB", "exit"]


def _target_value(t: dict) -> str:
    if t["value"] is None:
        return "not measured"
    if t["key"] == "peak_memory":
        return f"{t['value'] / MIB:.0f} MiB"
    return f"{t['value']:.1f}" + (" s" if t["key"].endswith("seconds") else "x")


def _mark(t: dict) -> str:
    return {True: "met", False: "NOT MET", None: "–"}[t["met"]]


def title(result: dict) -> str:
    base = result.get("baseline") or {}
    m = result["machine"]
    partial = " (incomplete: interrupted)" if result.get("complete") is False else ""
    partial += "" if result.get("reports_rendered", True) else " (--no-reports)"
    return (f"{result['engine']}, {result['employees']:,} employees x {result['year']}, {result['started']}{partial} "
            f"({m['nproc']} cores, {m['memory_gib']} GiB; baseline median "
            f"{_fmt(base.get('median_seconds'), '.3f', ' s')}, {base.get('rows')} rows)")


def stage_phases(result: dict) -> list[tuple[str, dict]]:
    """Per stage, the seconds by step (for `monthly`, of its slowest run)."""
    found = []
    for name in STAGES:
        stage = result["stages"].get(name)
        if not stage:
            continue
        if name == "monthly":
            slowest = max(stage["runs"], key=lambda r: r["seconds"])
            name, stage = f"monthly (slowest, {slowest['month']})", slowest
        if stage.get("phases"):
            found.append((name, stage["phases"]))
    return found


def print_result(result: dict) -> None:
    rows = table_rows(result)
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    print("\n" + title(result) + (f"\n  note: {result['note']}" if result.get("note") else ""))
    for r in [HEADER, *rows]:
        print("  " + "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                               enumerate(zip(r, widths))))
    print("  targets:")
    for t in targets_of(result):
        print(f"    [{_mark(t):>7}] {t['target']}: {_target_value(t)}" + (f" — {t['note']}" if t["note"] else ""))
    if "scale" in result:
        print(f"    stage ratios {result['employees']:,} / {result['scale']['base_employees']:,}: "
              f"{result['scale']['stage_ratios']}")
    for name, spent in stage_phases(result):
        print(f"  {name} seconds by step: " + ", ".join(f"{k} {v:.1f}" for k, v in spent.items()))
    errors = [(name, s) for name, s in [("generate", result.get("generate") or {}), *result["stages"].items()]
              if s and s.get("error")]
    for name, s in errors:
        print(f"  {name} failed (exit {s['exit_code']}), log {s.get('log')}.err:\n    "
              + s["error"].replace("\n", "\n    "))


def markdown(result: dict) -> str:
    rows = table_rows(result)
    lines = [f"### {title(result)}", "", *([f"_{result['note']}_", ""] if result.get("note") else []),
             "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += ["", "| target | value | |", "|---|---|---|"]
    for t in targets_of(result):
        note = f" ({t['note'].split(' (')[0]})" if t["note"] else ""
        lines.append(f"| {t['target']} | {_target_value(t)} | {_mark(t)}{note} |")
    spent = stage_phases(result)
    if spent:
        lines += ["", "Seconds by step (from the Prefect log; `monthly` is its slowest run):", ""]
        lines += [f"- `{name}`: " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()) for name, steps in spent]
    failures = [(name, s) for name, s in result["stages"].items() if s.get("error")]
    if failures:
        lines += ["", "Failed stages (first lines of stderr):", ""]
        for name, s in failures:
            lines += [f"- `{name}` exit {s['exit_code']}: `{s['message'][:200]}`"]
    versions = result["machine"]["packages"]
    lines += ["", "Python " + result["machine"]["python"] + ", "
              + ", ".join(f"{k} {v}" for k, v in versions.items() if v) + "; "
              + ", ".join(f"{k} {v}" for k, v in result["engine_info"].items()) + ".", ""]
    return "\n".join(lines)


def latest_results() -> list[dict]:
    """The newest result of each engine, size, report setting and set of stages in benchmarks/results,
    largest first (a run of the cold stage alone does not hide the newest complete benchmark)."""
    newest: dict[tuple[str, int, bool, str], dict] = {}
    for path in RESULTS_DIR.glob("*.json"):
        try:
            result = json.loads(path.read_text())
            key = (result["engine"], result["employees"], result.get("reports_rendered", True),
                   ",".join(sorted(_stage_list(result.get("stages_requested")))))
        except (ValueError, KeyError):
            continue
        if _backfill_phases(result):
            path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        if key not in newest or result["started"] > newest[key]["started"]:
            newest[key] = result
    return [newest[k] for k in sorted(newest, key=lambda k: (k[0], -k[1], not k[2], -len(k[3])))]


def _stage_list(requested) -> list[str]:
    """The stages a result asked for (a comma-separated text or a list; none: every stage)."""
    if not requested:
        return list(STAGES)
    return [s.strip() for s in (requested.split(",") if isinstance(requested, str) else requested) if s.strip()]


def _backfill_phases(result: dict) -> bool:
    """Results written before run.py recorded phases: read them from the logs when still there."""
    changed = False
    records = [s for name, s in result.get("stages", {}).items() if name != "monthly"]
    records += result.get("stages", {}).get("monthly", {}).get("runs", [])
    for record in records:
        err = Path(f"{record.get('log')}.err")
        if "phases" not in record and err.exists():
            record["phases"] = phases(err.read_text(errors="replace"), record["seconds"])
            changed = True
    return changed


def update_doc() -> None:
    generated = "\n".join(["", "_Generated by `benchmarks/run.py` from the newest file of each engine, size and "
                           "report setting, and set of stages, in `benchmarks/results/`; do not edit by hand._", "",
                           *(markdown(r) for r in latest_results()), ""])
    text = DOC.read_text() if DOC.exists() else f"# Performance\n\n{MARK_START}\n{MARK_END}\n"
    if MARK_START not in text or MARK_END not in text:
        text = text.rstrip("\n") + f"\n\n## Latest results\n\n{MARK_START}\n{MARK_END}\n"
    head, rest = text.split(MARK_START, 1)
    tail = rest.split(MARK_END, 1)[1]
    DOC.write_text(head + MARK_START + generated + MARK_END + tail)


# --- machine and code -----------------------------------------------------------------------------

def machine_info() -> dict:
    memory = psutil.virtual_memory().total
    versions = {}
    for package in ("pandas", "numpy", "prefect", "sqlalchemy", "great_expectations", "psycopg", "duckdb",
                    "pyarrow"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {"nproc": len(os.sched_getaffinity(0)), "memory_gib": round(memory / GIB, 1),
            "load_average": [round(x, 2) for x in os.getloadavg()], "python": platform.python_version(),
            "platform": platform.platform(), "packages": versions}


def code_info() -> dict:
    def git(*cmd: str) -> str:
        try:
            return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": git("rev-parse", "HEAD"), "uncommitted_changes": bool(git("status", "--porcelain"))}


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def save(result: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{result['engine']}-{result['employees']}-{result['started']}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return path


# --- command line ---------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--employees", type=int, default=15000, help="employees of the synthetic city (15000)")
    p.add_argument("--employees-scale", type=int, metavar="M",
                   help="also run with M employees (e.g. 60000 = 4N) and report the growth of each stage")
    p.add_argument("--year", type=int, default=date.today().year - 1, help="the year generated and run")
    p.add_argument("--engines", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    p.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated subset of {','.join(STAGES)}")
    p.add_argument("--skip-generate", action="store_true",
                   help="reuse the source of an earlier invocation (same work dir, size and year) when it exists")
    p.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench",
                   help="sources, warehouses, reports, logs and Prefect homes (default var/bench)")
    p.add_argument("--pg-url", help="an existing PostgreSQL server (a URL to its admin database, e.g. "
                   "postgresql://user@host:5432/postgres); default: a throwaway server from tests/pg.py")
    p.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE, help=f"baseline script ({DEFAULT_BASELINE})")
    p.add_argument("--baseline-repeats", type=int, default=3)
    p.add_argument("--timeout", type=float, default=1200, help="seconds per run before it is killed (1200)")
    p.add_argument("--no-reports", action="store_true", help="pass --no-reports to every run")
    p.add_argument("--no-docs", action="store_true", help="do not regenerate docs/performance.md")
    p.add_argument("--report", action="store_true",
                   help="run nothing: print the newest results of each engine and size, regenerate the doc")
    p.add_argument("--check-targets", action="store_true",
                   help="exit 1 when a target is not met (by default only when a run fails)")
    args = p.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    args.stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    for engine in args.engines:
        if engine not in ("sqlite", "postgresql"):
            p.error(f"unknown engine {engine!r} (sqlite, postgresql)")
    for stage in args.stages:
        if stage not in STAGES:
            p.error(f"unknown stage {stage!r} ({', '.join(STAGES)})")
    if not args.baseline.exists():
        p.error(f"baseline script {args.baseline} not found (--baseline or KINERJA_BASELINE)")
    if args.employees < 1 or (args.employees_scale is not None and args.employees_scale <= args.employees):
        p.error("--employees must be positive and --employees-scale larger than --employees")
    args.workdir = args.workdir.resolve()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        for result in latest_results():
            print_result(result)
        if not args.no_docs:
            update_doc()
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    sizes = [args.employees] + ([args.employees_scale] if args.employees_scale else [])
    print(f"Kinerja benchmark: {', '.join(args.engines)}; {' and '.join(f'{n:,}' for n in sizes)} employees x "
          f"{args.year}; stages {', '.join(args.stages)}; memory poll + "
          f"{'/usr/bin/time -v' if TIME_BIN else 'psutil only'}", flush=True)
    everything, failed, unmet = [], False, False
    for name in args.engines:
        engine = SqliteEngine(args.workdir) if name == "sqlite" else PostgresEngine(args.workdir, args.pg_url)
        try:
            results = []
            for n in sizes:
                result = Bench(engine, n, args.year, args, _stamp()).run()
                if results and "targets" in result and "targets" in results[0]:
                    add_scale(results[0], result)
                results.append(result)
                print(f"  results: {save(result).relative_to(ROOT)}", flush=True)
            everything += results
        finally:
            engine.close()
    for result in everything:
        print_result(result)
        stages = [result.get("generate") or {}, *result["stages"].values()]
        failed |= "error" in result or any(s.get("ok") is False for s in stages)
        unmet |= any(t["met"] is False for t in targets_of(result))
    if not args.no_docs:
        update_doc()
        print(f"\n{DOC.relative_to(ROOT)} regenerated")
    return 1 if failed or (unmet and args.check_targets) else 0


if __name__ == "__main__":
    sys.exit(main())
