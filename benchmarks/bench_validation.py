"""Extract vs validate on one month of a large city: 15,000 employees x 22 working days (~330k rows).

    .venv/bin/python benchmarks/bench_validation.py [--db PATH] [--employees N] [--repeat R]

Writes a SQLite source database (kept with --db, else in a temporary directory), then times, best of
R: extracting the month's attendance (`extract_table`), validating it (`validate_table` with the valid
NIPs), and the whole monthly `validate` of every table. GX is imported and warmed up before timing
(its one-off import, ~2.5 s per process, is printed apart). Target: validate <= 2 x extract.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from kinerja import db  # noqa: E402
from kinerja.extract import extract_table, extract_tables  # noqa: E402
from kinerja.periods import Period  # noqa: E402
from kinerja.policy import load_policy  # noqa: E402

PERIOD = Period.month(2026, 3)


def nip_of(i: int) -> str:
    birth = date(1970, 1, 1) + timedelta(days=i // 1000)  # (birth date, serial) is unique per i
    return f"{birth:%Y%m%d}{2000 + i % 20}{1 + i % 12:02d}{1 + i % 2}{i % 1000:03d}"


def generate(url: str, employees: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    engine = db.get_engine(url)
    db.create_schema(engine, "source")
    nips = [nip_of(i) for i in range(employees)]
    workdays = [d for d in (PERIOD.start + timedelta(days=k) for k in range(31))
                if d.month == PERIOD.number and d.isoweekday() <= 5][:22]
    units = [(f"U{u:03d}", f"Unit {u}", None, "dinas") for u in range(60)]
    with engine.begin() as conn:
        db.bulk_insert(conn, "units", ["unit_code", "name", "parent_code", "kind"], units)
        db.bulk_insert(conn, "employees", ["nip", "name", "employment_type", "grade", "active_from", "active_to"],
                       ((n, f"Pegawai {i}", "PNS", "III/a", "2015-01-01", None) for i, n in enumerate(nips)))
        db.bulk_insert(conn, "assignments", ["nip", "unit_code", "position", "supervisor_nip", "valid_from", "valid_to"],
                       ((n, f"U{i % 60:03d}", "Staf", None, "2015-01-01", None) for i, n in enumerate(nips)))
        db.bulk_insert(conn, "holidays", ["holiday_date", "name", "kind"], [("2026-01-01", "Tahun Baru", "national")])

        def rows():
            for d in workdays:
                day = d.isoformat()
                for n in nips:
                    r = rng.random()
                    if r < 0.9:
                        yield (n, day, f"07:{rng.randrange(0, 60):02d}:{rng.randrange(60):02d}",
                               f"16:{rng.randrange(0, 60):02d}:{rng.randrange(60):02d}", "HD")
                    elif r < 0.95:
                        yield (n, day, None, None, "CT")
                    else:
                        yield (n, day, None, None, "TK")
        count = db.bulk_insert(conn, "attendance", ["nip", "work_date", "check_in", "check_out", "status"], rows())
    return count


def best(fn, repeat: int):
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLite file to write (default: a temporary file)")
    parser.add_argument("--employees", type=int, default=15_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "bench.db"
        if path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
        t0 = time.perf_counter()
        rows = generate(url, args.employees)
        print(f"generated {rows:,} attendance rows ({args.employees:,} employees) in {time.perf_counter() - t0:.1f} s")
        engine = db.get_engine(url)
        policy = load_policy()

        t0 = time.perf_counter()
        from kinerja.validation import validate, validate_table
        from kinerja.validation.gx import context
        context()
        print(f"GX import + context (once per process): {time.perf_counter() - t0:.2f} s")

        t_extract, raw = best(lambda: extract_table(engine, "attendance", PERIOD, PERIOD.end), args.repeat)
        employees = extract_table(engine, "employees", PERIOD, PERIOD.end)
        refs = {"employees": validate_table("employees", employees, {}, policy).used["nip"]}
        validate_table("attendance", raw.head(1000), refs, policy)  # warm-up
        t_validate, verdict = best(lambda: validate_table("attendance", raw, refs, policy), args.repeat)
        assert verdict.extracted == len(verdict.used) + verdict.quarantined == rows
        print(f"extract attendance : {t_extract:.3f} s ({len(raw):,} rows)")
        print(f"validate attendance: {t_validate:.3f} s (used {len(verdict.used):,}, quarantined {verdict.quarantined})")
        print(f"ratio validate/extract: {t_validate / t_extract:.2f} (target <= 2)")

        t_all_extract, tables = best(lambda: extract_tables(engine, "monthly", PERIOD, PERIOD.end), 1)
        t_all_validate, result = best(lambda: validate(tables, "monthly", policy, PERIOD, PERIOD.end), 1)
        print(f"monthly run, all tables: extract {t_all_extract:.3f} s, validate {t_all_validate:.3f} s "
              f"(ratio {t_all_validate / t_all_extract:.2f}; blocked={result.blocked})")


if __name__ == "__main__":
    main()
