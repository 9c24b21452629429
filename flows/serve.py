"""`kinerja serve`: serve the deployments of prefect.yaml from this process (no work pool needed)."""
from __future__ import annotations

from pathlib import Path

import yaml

from flows.cycle import FLOWS

PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"


def deployments_spec() -> list[dict]:
    """The deployments of prefect.yaml: name, flow, cron schedules (one source of truth)."""
    spec = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
    return spec["deployments"]


def build_deployments():
    from prefect.schedules import Cron

    built = []
    for spec in deployments_spec():
        flow = FLOWS[spec["entrypoint"].rsplit(":", 1)[1]]
        schedules = [Cron(s["cron"], timezone=s["timezone"]) for s in spec["schedules"]]
        built.append(flow.to_deployment(name=spec["name"], schedules=schedules, description=spec.get("description")))
    return built


def serve_deployments() -> None:
    from prefect import serve

    deployments = build_deployments()
    for line in next_runs():
        print(line, flush=True)
    serve(*deployments, print_starting_message=True)


def next_runs(now=None) -> list[str]:
    """`<deployment>: <cron> (<tz>) next <time>` for each schedule of prefect.yaml."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from cronsim import CronSim

    lines = []
    for spec in deployments_spec():
        for s in spec["schedules"]:
            tz = ZoneInfo(s["timezone"])
            start = (now or datetime.now(tz)).astimezone(tz)
            nxt = next(CronSim(s["cron"], start))
            lines.append(f"{spec['name']}: {s['cron']} ({s['timezone']}) next run {nxt:%Y-%m-%d %H:%M %Z}")
    return lines
