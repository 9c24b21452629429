"""The `kinerja` command (cli.md). Exit codes: 0 ok or unchanged, 2 usage, 3 blocked, 4 locked, 1 other.

A data or usage problem prints one line, never a traceback (set KINERJA_DEBUG=1 to see one).
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime
from pathlib import Path

# Prefect and GX read these at import: quiet, tolerant defaults for a command-line tool.
for _var, _value in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_DATABASE_TIMEOUT": "60",  # concurrent runs share the temporary server's SQLite file
}.items():
    os.environ.setdefault(_var, _value)

EXIT_OK, EXIT_OTHER, EXIT_USAGE, EXIT_BLOCKED, EXIT_LOCKED = 0, 1, 2, 3, 4


class UsageError(Exception):
    """A bad option value; printed as one line, exit 2."""


def _year(text: str) -> int:
    if not text.isdigit() or not 1900 <= int(text) <= 2100:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a year (YYYY)")
    return int(text)


def _month(text: str) -> str:
    from kinerja.periods import Period, PeriodError

    try:
        period = Period.parse(text)
    except PeriodError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if period.kind != "month":
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a month (YYYY-MM)")
    return period.code


def _quarter(text: str) -> int:
    if text not in {"1", "2", "3", "4"}:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a quarter (1-4)")
    return int(text)


def _timestamp(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a timestamp (YYYY-MM-DD[THH:MM[:SS]])") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a positive whole number")
    return int(text)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(EXIT_USAGE, f"kinerja: {message} (see `kinerja {self.prog.split(' ', 1)[-1]} --help`)\n"
                  if " " in self.prog else f"kinerja: {message} (see `kinerja --help`)\n")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", metavar="URL", help="source database (env KINERJA_SOURCE_URL)")
    p.add_argument("--warehouse", metavar="URL", help="warehouse database (env KINERJA_WAREHOUSE_URL)")
    p.add_argument("--policy", metavar="FILE", help="policy YAML (env KINERJA_POLICY)")
    p.add_argument("--output", metavar="DIR", help="report directory (env KINERJA_OUTPUT_DIR)")
    p.add_argument("--data-as-of", type=_timestamp, metavar="TIMESTAMP", help="data cut-off (default: now)")
    p.add_argument("--task-runner", choices=["thread", "dask"], help="env KINERJA_TASK_RUNNER")
    p.add_argument("--dask-address", metavar="ADDR", help="existing Dask scheduler (env KINERJA_DASK_ADDRESS)")
    p.add_argument("--no-reports", action="store_true", help="skip rendering reports")


def _period_args(p: argparse.ArgumentParser, flow: str) -> None:
    if flow == "monthly":
        p.add_argument("--month", type=_month, required=True, metavar="YYYY-MM")
    else:
        p.add_argument("--year", type=_year, required=True, metavar="YYYY")
        if flow == "quarterly":
            p.add_argument("--quarter", type=_quarter, required=True, metavar="Q")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kinerja", description="Performance evaluation of ASN: validated, reproducible runs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("demo", help="generate a demo city and run a whole year")
    p.add_argument("--employees", type=_positive, default=300)
    p.add_argument("--year", type=_year, default=date.today().year - 1)
    p.add_argument("--output", metavar="DIR")

    p = sub.add_parser("generate", help="write a synthetic city into the source database")
    p.add_argument("--employees", type=_positive, required=True)
    p.add_argument("--year", type=_year, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--source", metavar="URL")
    p.add_argument("--replace", action="store_true", help="delete the source rows first")

    for command in ("run", "rerun"):
        p = sub.add_parser(command, help=f"{command} a monthly, quarterly or annual cycle")
        flows = p.add_subparsers(dest="flow", required=True, parser_class=_Parser)
        for flow in ("monthly", "quarterly", "annual"):
            f = flows.add_parser(flow)
            _period_args(f, flow)
            _common(f)
            f.add_argument("--reason", required=command == "rerun", metavar="TEXT",
                           help="why the period is run again (recorded with the run)")

    p = sub.add_parser("runs", help="list runs and which is published")
    p.add_argument("--period", metavar="P")
    p.add_argument("--warehouse", metavar="URL")

    p = sub.add_parser("diff", help="what changed between two runs of one period")
    p.add_argument("run_ids", nargs="+", metavar="RUN_ID")
    p.add_argument("--warehouse", metavar="URL")

    p = sub.add_parser("card", help="one employee's score card from the published run")
    p.add_argument("nip")
    p.add_argument("--period", required=True, metavar="P")
    p.add_argument("--pdf", action="store_true")
    p.add_argument("--warehouse", metavar="URL")
    p.add_argument("--policy", metavar="FILE")
    p.add_argument("--output", metavar="DIR")

    p = sub.add_parser("import", help="load a CSV/XLSX export into the source database")
    p.add_argument("table")
    p.add_argument("file", type=Path)
    p.add_argument("--mapping", type=Path, metavar="M")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--source", metavar="URL")

    p = sub.add_parser("check", help="check the warehouse's consistency")
    p.add_argument("--warehouse", metavar="URL")

    sub.add_parser("serve", help="serve the scheduled deployments of prefect.yaml")
    return parser


def _settings(args: argparse.Namespace, **extra):
    from kinerja.settings import RunSettings

    return RunSettings.from_env(
        source_url=getattr(args, "source", None), warehouse_url=getattr(args, "warehouse", None),
        policy_path=getattr(args, "policy", None), output_dir=getattr(args, "output", None),
        data_as_of=getattr(args, "data_as_of", None), task_runner=getattr(args, "task_runner", None),
        dask_address=getattr(args, "dask_address", None), **extra)


#: Prefect's temporary server, started as the CLI's first step for the commands that run flows.
_early_server = None
FLOW_COMMANDS = ("run", "rerun", "demo")


def run_flow(flow_name: str, settings, reason: str | None = None, **period):
    """Run one flow as a Prefect flow run and return its Outcome."""
    from flows.cycle import FLOWS, outcome_of
    from kinerja.context import Outcome
    from kinerja.prefect_server import adopt

    global _early_server
    adopt(_early_server)  # once: later flows of the process use the same server
    _early_server = None
    flow_fn = FLOWS[flow_name]
    if settings.task_runner == "dask":
        from flows.runners import dask_runner

        flow_fn = flow_fn.with_options(task_runner=dask_runner(settings.dask_address))
    state = flow_fn(settings=settings, reason=reason, return_state=True, **period)
    outcome = outcome_of(state)
    if outcome is None:
        return Outcome("failed", f"flow run ended {state.type.value}: {state.message}")
    return outcome


def _print_outcome(outcome) -> int:
    stream = sys.stdout if outcome.exit_code == 0 else sys.stderr
    where = f" report: {outcome.report_index}" if outcome.report_index else ""
    print(f"kinerja: {outcome.flow or ''} {outcome.period or ''} {outcome.status}: {outcome.message}{where}"
          .replace("  ", " "), file=stream)
    return outcome.exit_code


def cmd_run(args: argparse.Namespace) -> int:
    from kinerja.periods import Period

    settings = _settings(args, render_reports=not args.no_reports)
    if args.flow == "monthly":
        p = Period.parse(args.month)
        period = {"year": p.year, "month": p.number}
    elif args.flow == "quarterly":
        period = {"year": args.year, "quarter": args.quarter}
    else:
        period = {"year": args.year}
    return _print_outcome(run_flow(args.flow, settings, args.reason, **period))


def cmd_generate(args: argparse.Namespace) -> int:
    from kinerja.generate import generate_city

    summary = generate_city(args.source or os.environ.get("KINERJA_SOURCE_URL") or _default_url(),
                            args.employees, args.year, seed=args.seed, progress=sys.stderr.isatty(),
                            replace=args.replace)
    print(summary.format() if hasattr(summary, "format") else summary)
    return EXIT_OK


def _default_url() -> str:
    from kinerja import db

    return db.default_url()


def cmd_demo(args: argparse.Namespace) -> int:
    from kinerja.demo import run_demo

    return run_demo(args.employees, args.year, Path(args.output or os.environ.get("KINERJA_OUTPUT_DIR") or "out"))


def cmd_runs(args: argparse.Namespace) -> int:
    from kinerja.history import list_runs

    print(list_runs(args.warehouse or os.environ.get("KINERJA_WAREHOUSE_URL") or _default_url(), args.period))
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from kinerja.history import diff_runs

    if len(args.run_ids) > 2:
        raise UsageError("diff takes one or two run ids")
    print(diff_runs(args.warehouse or os.environ.get("KINERJA_WAREHOUSE_URL") or _default_url(), *args.run_ids))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from kinerja.history import check_warehouse

    problems = check_warehouse(args.warehouse or os.environ.get("KINERJA_WAREHOUSE_URL") or _default_url())
    for line in problems:
        print(f"kinerja check: {line}", file=sys.stderr)
    if not problems:
        print("kinerja check: warehouse consistent")
    return EXIT_OK if not problems else EXIT_OTHER


def cmd_card(args: argparse.Namespace) -> int:
    from kinerja import db
    from kinerja.periods import Period
    from reports import render_card

    settings = _settings(args)
    period = Period.parse(args.period)
    engine = db.get_engine(settings.warehouse_url)
    db.create_schema(engine, "warehouse")  # an empty warehouse has no published run: a usage error, not a crash
    path = render_card(engine, args.nip, period.code, settings.output_dir, settings.policy(), pdf=args.pdf)
    print(path)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from kinerja import db
    from kinerja.importer import import_file

    engine = db.get_engine(args.source or os.environ.get("KINERJA_SOURCE_URL") or _default_url())
    report = import_file(engine, args.table, args.file, mapping=args.mapping, dry_run=args.dry_run)
    print(report.format())
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.serve import serve_deployments

    serve_deployments()
    return EXIT_OK


COMMANDS = {"run": cmd_run, "rerun": cmd_run, "generate": cmd_generate, "demo": cmd_demo, "runs": cmd_runs,
            "diff": cmd_diff, "check": cmd_check, "card": cmd_card, "import": cmd_import, "serve": cmd_serve}


def _usage_errors() -> tuple[type[BaseException], ...]:
    from kinerja.db import DatabaseUnavailable
    from kinerja.periods import PeriodError
    from kinerja.policy import PolicyError

    errors: list[type[BaseException]] = [UsageError, DatabaseUnavailable, PeriodError, PolicyError, FileNotFoundError]
    for module, name in (("kinerja.importer", "ImportFailed"), ("kinerja.generate", "SourceNotEmpty"),
                         ("kinerja.history", "NotFound"), ("reports", "ReportError")):
        try:
            errors.append(getattr(__import__(module, fromlist=[name]), name))
        except (ImportError, AttributeError):
            continue
    return tuple(errors)


def main(argv: list[str] | None = None) -> int:
    from kinerja.memory import limit_arenas

    limit_arenas()  # before any thread starts: see kinerja/memory.py
    args = build_parser().parse_args(argv)
    if args.command in FLOW_COMMANDS:
        from kinerja.prefect_server import start_early

        global _early_server
        _early_server = start_early()  # starts while the flows are imported (kinerja/prefect_server.py)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("kinerja: interrupted", file=sys.stderr)
        return EXIT_OTHER
    except Exception as exc:  # noqa: BLE001 - one line for the user, the traceback only on request
        from kinerja.db import redact

        if os.environ.get("KINERJA_DEBUG"):
            raise
        code = EXIT_USAGE if isinstance(exc, _usage_errors()) else EXIT_OTHER
        print(f"kinerja: {redact(exc)}".splitlines()[0], file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
