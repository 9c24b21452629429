"""XLSX and CSV exports of a run's result tables, with spreadsheet formula injection neutralised.

Column names are the warehouse's (contract.md). A text cell starting with `=`, `+`, `-`, `@` (or a tab
or carriage return) gets a leading single quote, so a spreadsheet shows it as text instead of running it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from reports.data import EXTRA_EXPORTS, RESULT_TABLES, RUN_TABLES, TEXT_COLUMNS, RunData

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Columns that hold INTEGER values (frames carry every number as float).
INT_COLUMNS = {"active_workdays", "raters", "ratings", "kept", "workdays", "present_days", "excused_days",
               "tk_days", "unknown_days", "tl1", "tl2", "tl3", "tl4", "psw1", "psw2", "psw3", "psw4",
               "late_minutes", "early_minutes", "year", "tk_days_ytd", "max_consecutive_tk", "is_new",
               "employees", "rated", "sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang",
               "belum_dinilai", "ikm_responses", "extracted", "used", "quarantined", "failed", "row_count",
               "rank"}


def neutralise(value: Any) -> Any:
    """`=1+1` → `'=1+1`; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_tables(data: RunData) -> list[str]:
    """The tables a run's exports hold: its flow's result tables, then revisions/data_quality/quarantine if any."""
    tables = list(RESULT_TABLES.get(data.flow, []))
    tables += [t for t in EXTRA_EXPORTS if not data[t].empty]
    return tables


def export_frame(data: RunData, table: str) -> pd.DataFrame:
    """A table's rows as exported: warehouse columns, integers as integers, text neutralised."""
    frame = data[table][RUN_TABLES[table]].copy()
    out = {}
    for col in frame.columns:
        series = frame[col]
        if col == "month" and table == "discipline_alerts":
            series = pd.to_numeric(series, errors="coerce")
        if col in TEXT_COLUMNS and not (col == "month" and table == "discipline_alerts"):
            out[col] = series.astype(object).map(lambda v: None if v is None or v != v else neutralise(str(v)))
        elif col in INT_COLUMNS or (col == "month" and table == "discipline_alerts"):
            out[col] = pd.to_numeric(series, errors="coerce").round().astype("Int64")
        else:
            out[col] = pd.to_numeric(series, errors="coerce").astype("float64")
    return pd.DataFrame(out, columns=list(frame.columns))


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def write_xlsx(data: RunData, path: Path) -> Path:
    """One sheet per table (named after it), header row bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F2")
    for table in export_tables(data):
        frame = export_frame(data, table)
        ws = wb.create_sheet(title=table[:31])
        ws.freeze_panes = "A2"
        for i, col in enumerate(frame.columns):
            width = 22 if col in ("nip", "supervisor_nip", "run_id", "previous_run_id", "comment", "row_json",
                                  "detail", "row_key") else max(10, len(col) + 2)
            ws.column_dimensions[_column_letter(i)].width = width
        header = []
        for col in frame.columns:
            cell = WriteOnlyCell(ws, value=col)
            cell.font, cell.fill = bold, fill
            header.append(cell)
        ws.append(header)
        for row in frame.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in row])
    wb.save(str(path))
    return path


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def write_csv(data: RunData, directory: Path) -> list[Path]:
    """`<directory>/<table>.csv` per exported table: UTF-8, comma-separated, `.` as decimal point."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in export_tables(data):
        path = directory / f"{table}.csv"
        export_frame(data, table).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths
