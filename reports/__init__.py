"""Accountability reports from the warehouse: HTML, PDF (ReportLab, reports.pdf), XLSX and CSV.

    render_run(engine, run_id, output_dir, policy, lang="id") -> RenderedReport
    render_index(engine, output_dir, lang="id") -> Path
    render_card(engine, nip, period, output_dir, policy, pdf=False, lang="id") -> Path

Reports read only warehouse tables (architecture seam 4), so any run can be re-rendered from its id.
"""
from reports.data import ReportError
from reports.render import RenderedReport, render_card, render_index, render_run

__all__ = ["RenderedReport", "ReportError", "render_card", "render_index", "render_run"]
