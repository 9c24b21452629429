"""Render a run's reports and post its Prefect artifacts (counts only, keys masked)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from kinerja import db
from kinerja.context import RunContext
from kinerja.validation import ValidationResult


@task(name="render-reports", cache_policy=NO_CACHE)
def render_reports(ctx: RunContext) -> Path:
    """The run's HTML/PDF/XLSX/CSV reports and the output directory's index; returns index.html."""
    from reports import render_index, render_run

    engine = db.get_engine(ctx.settings.warehouse_url)
    render_run(engine, ctx.run_id, ctx.settings.output_dir, ctx.policy, place=ctx.settings.signature_place)
    return render_index(engine, ctx.settings.output_dir)


def _artifact_key(ctx: RunContext, what: str) -> str:
    return f"kinerja-{ctx.flow}-{ctx.period.code}-{what}".lower().replace("_", "-")


@task(name="post-artifacts", cache_policy=NO_CACHE)
def post_artifacts(ctx: RunContext, status: str, checked: ValidationResult | None,
                   results: dict[str, pd.DataFrame] | None, index: Path | None) -> None:
    """A markdown summary and a data-quality table on the flow run (no NIPs, no names)."""
    lines = [f"# {ctx.flow} {ctx.period.code}: {status}", "",
             f"- run: `{ctx.run_id}`", f"- policy: {ctx.policy.version}", f"- data as of: {ctx.data_as_of}"]
    if results:
        scores = results.get("employee_scores")
        if scores is not None and not scores.empty:
            lines += ["", "| predikat | pegawai |", "|---|---|"]
            lines += [f"| {k} | {v} |" for k, v in scores["predikat"].value_counts().sort_index().items()]
        monthly = results.get("attendance_monthly")
        if monthly is not None:
            lines.append(f"- employee-months: {len(monthly)}")
    if checked is not None:
        lines += ["", f"- quarantined rows: {len(checked.quarantine)}"]
        lines += [f"- {f.severity}: {f.source_table} / {f.check_name}: {f.count}" for f in checked.findings]
    if index is not None:
        lines += ["", f"Report: {index.resolve()}"]
    create_markdown_artifact(markdown="\n".join(lines), key=_artifact_key(ctx, "summary"),
                             description=f"Kinerja {ctx.flow} {ctx.period.code}")
    if checked is not None and not checked.data_quality.empty:
        table = checked.data_quality.astype(object).where(checked.data_quality.notna(), "")
        create_table_artifact(table=table.to_dict("records"), key=_artifact_key(ctx, "data-quality"),
                              description="extracted = used + quarantined, per table and check")
