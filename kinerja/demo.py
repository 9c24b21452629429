"""`kinerja demo`: a demo city in the embedded database, then a whole year through the real flows."""
from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from kinerja import db


def run_demo(employees: int, year: int, output: Path, url: str | None = None) -> int:
    """Generate the city (deterministic seed), run 12 monthly, 4 quarterly and 1 annual runs with the
    end of the year as cut-off, and print where the reports are. Returns the worst exit code."""
    from kinerja.cli import run_flow
    from kinerja.generate import generate_city
    from kinerja.generate_catalog import CITY_NAME
    from kinerja.settings import RunSettings

    url = url or db.default_url()
    started = time.monotonic()
    print(f"kinerja demo: generating a city of {employees} employees for {year} in {db.redact(url)}", flush=True)
    generate_city(url, employees, year, seed=1, progress=sys.stderr.isatty(), replace=True)
    settings = RunSettings(source_url=url, warehouse_url=url, output_dir=output,
                           data_as_of=datetime(year, 12, 31, 23, 59, 59),
                           signature_place=CITY_NAME.removeprefix("Kota "))  # signed in the demo city
    plan = ([("monthly", {"year": year, "month": m}) for m in range(1, 13)]
            + [("quarterly", {"year": year, "quarter": q}) for q in range(1, 5)]
            + [("annual", {"year": year})])
    worst, index = 0, None
    for step, (flow, period) in enumerate(plan, start=1):
        outcome = run_flow(flow, settings, "demo", **period)
        print(f"kinerja demo [{step}/{len(plan)}] {flow} {outcome.period}: {outcome.status}", flush=True)
        if outcome.exit_code and not worst:
            worst = outcome.exit_code
            print(f"kinerja demo: {outcome.message}", file=sys.stderr)
        index = outcome.report_index or index
    if index is None:
        from reports import render_index

        index = render_index(db.get_engine(url), output)
    print(f"kinerja demo: finished in {time.monotonic() - started:.0f} s; reports: {Path(index).resolve()}")
    return worst
