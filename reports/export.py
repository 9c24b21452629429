"""XLSX and CSV exports of a run's result tables, with spreadsheet formula injection neutralised.

Column names are the warehouse's (contract.md). A text cell starting with `=`, `+`, `-`, `@` (or a tab
or carriage return) gets a leading single quote, so a spreadsheet shows it as text instead of running it.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import numpy as np
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


def _column_width(col: str) -> int:
    wide = ("nip", "supervisor_nip", "run_id", "previous_run_id", "comment", "row_json", "detail", "row_key")
    return 22 if col in wide else max(10, len(col) + 2)


def export_frames(data: RunData) -> dict[str, pd.DataFrame]:
    """Every exported table's rows (`export_frame`) in export order: what both the XLSX and the CSV files
    hold, computed once for the two."""
    return {table: export_frame(data, table) for table in export_tables(data)}


def write_xlsx(frames: dict[str, pd.DataFrame], path: Path) -> Path:
    """One sheet per exported table (`export_frames`, named after it), header row bold and frozen.

    XlsxWriter writes the workbook with each sheet's header row, column widths and frozen pane; the data
    rows are then streamed into each sheet's XML a few thousand rows at a time (`_sheet_rows`), in the
    form XlsxWriter's constant-memory mode gives them: text as inline strings (never parsed as formulas,
    on top of `neutralise`), numbers as numbers, missing values as absent cells. XlsxWriter's own cell
    writer costs about 3 µs a cell, 18 s for the 5.6 M cells of a 15,000-employee year.

    The workbook is built under a temporary name and takes `path` only once complete: a failure leaves
    neither a workbook without its rows nor a temporary file behind.
    """
    building = path.with_name(path.name + ".part")
    try:
        header_workbook(frames, building)
        _fill_sheets(building, list(frames.values()))
        building.replace(path)
    finally:
        for leftover in (building, building.with_name(building.name + ".tmp")):
            leftover.unlink(missing_ok=True)
    return path


def header_workbook(frames: dict[str, pd.DataFrame], path: Path,
                    write_rows: Callable[[Any, pd.DataFrame], None] | None = None) -> None:
    """XlsxWriter's workbook of the frames: a sheet per frame with its header row, column widths and
    frozen pane. `write_rows(worksheet, frame)`, when given, writes the data rows with XlsxWriter's own
    cell writer (what the tests compare `_fill_sheets` with)."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    header = wb.add_format({"bold": True, "bg_color": "#DCE6F2"})
    try:
        for table, frame in frames.items():
            ws = wb.add_worksheet(table[:31])
            ws.freeze_panes(1, 0)
            for i, col in enumerate(frame.columns):
                ws.set_column(i, i, _column_width(col))
                ws.write_string(0, i, col, header)
            if write_rows is not None:
                write_rows(ws, frame)
    finally:
        wb.close()


#: XlsxWriter's limit for a cell's text, in UTF-16 units (Excel's limit); longer text is cut.
XLSX_STRING_MAX = 32767
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_CONTROL_LITERAL = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_XML_SPECIAL = re.compile(r"[&<>]")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_ANY_SPECIAL = re.compile(r"[\x00-\x08\x0b-\x1f&<>]|_x|^\s|\s$")  # any of the above (most text has none)
_ROWS_PER_WRITE = 5_000
#: zlib level of the sheets' data: level 1 deflates a year's 240 MB of sheet XML in 1 s instead of 3.5 s
#: (XlsxWriter's level 6), for a file about a third larger (31 MB instead of 24 MB at 15,000 employees).
XLSX_SHEET_COMPRESSION = 1


def _text_cell(value: str) -> tuple[str, str]:
    """(attributes of <t>, escaped text) of one text cell, as XlsxWriter writes an inline string."""
    if len(value) <= XLSX_STRING_MAX // 2 and not _ANY_SPECIAL.search(value):
        return "", value
    if len(value) > XLSX_STRING_MAX // 2 and _utf16_len(value) > XLSX_STRING_MAX:
        value = _utf16_cut(value, XLSX_STRING_MAX)
    if _CONTROL.search(value) or "_x" in value:  # Excel's escape of control characters, and of itself
        value = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", _CONTROL_LITERAL.sub(r"_x005F\1", value))
    if _XML_SPECIAL.search(value):
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (' xml:space="preserve"' if _EDGE_SPACE.search(value) else ""), value


def _utf16_len(value: str) -> int:
    return len(value) + sum(1 for ch in value if ord(ch) > 0xFFFF)


def _utf16_cut(value: str, limit: int) -> str:
    length = 0
    for index, ch in enumerate(value):
        length += 2 if ord(ch) > 0xFFFF else 1
        if length > limit:
            return value[:index]
    return value


class _ColumnCells:
    """The <c> elements of one column, for a slice of rows at a time ("" where the value is missing)."""

    def __init__(self, series: pd.Series, letter: str) -> None:
        self.values = series.astype(object).where(series.notna(), None).tolist()
        self.numeric = pd.api.types.is_numeric_dtype(series.dtype)  # Int64/float64; else text (str/None)
        self.letter = letter
        self.escaped: dict = {}  # codes, names and periods repeat: each distinct text is escaped once

    def cells(self, start: int, stop: int) -> list[str]:
        """Cells of rows start..stop-1 (row i is Excel row i + 2, below the header)."""
        letter, values = self.letter, self.values[start:stop]
        if self.numeric:
            return ["" if v is None else f'<c r="{letter}{r}"><v>{v:.16G}</v></c>'
                    for r, v in enumerate(values, start=start + 2)]
        cells, escaped = [], self.escaped
        for r, v in enumerate(values, start=start + 2):
            if v is None:
                cells.append("")
                continue
            inner = escaped.get(v)
            if inner is None:
                attr, text = _text_cell(str(v))
                inner = escaped[v] = f' t="inlineStr"><is><t{attr}>{text}</t></is></c>'
            cells.append(f'<c r="{letter}{r}"{inner}')
        return cells


def _last_row(frame: pd.DataFrame) -> int:
    """The Excel row of the frame's last row that has a value (1, the header's, when none has)."""
    filled = np.flatnonzero(frame.notna().any(axis=1).to_numpy()) if len(frame) else []
    return int(filled[-1]) + 2 if len(filled) else 1


def _sheet_rows(frame: pd.DataFrame):
    """The <row> elements of a frame's data rows, as chunks of text (a few thousand rows at a time, so
    that a year's 180,000 rows never exist as text all at once)."""
    from xlsxwriter.utility import xl_col_to_name

    columns = [_ColumnCells(frame[col], xl_col_to_name(i)) for i, col in enumerate(frame.columns)]
    for start in range(0, len(frame), _ROWS_PER_WRITE):
        stop = min(start + _ROWS_PER_WRITE, len(frame))
        rows = [f'<row r="{r}">{body}</row>'
                for r, body in enumerate(map("".join, zip(*(c.cells(start, stop) for c in columns))), start=start + 2)
                if body]  # a row with no value is not written, as XlsxWriter does
        yield "".join(rows)


def _fill_sheets(path: Path, frames: list[pd.DataFrame]) -> None:
    """Write each frame's data rows into the matching sheet of the header-only workbook at `path`."""
    import zipfile

    from xlsxwriter.utility import xl_rowcol_to_cell

    if not any(len(f) for f in frames):
        return
    filled = path.with_name(path.name + ".tmp")  # write_xlsx removes it should this fail
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(filled, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            name = info.filename
            index = (int(name[len("xl/worksheets/sheet"):-len(".xml")]) - 1
                     if name.startswith("xl/worksheets/sheet") and name.endswith(".xml") else None)
            frame = frames[index] if index is not None and index < len(frames) else None
            if frame is None or len(frame) == 0:
                target.writestr(info, content)
                continue
            last = _last_row(frame)
            head, tail = content.decode("utf-8").split("</sheetData>", 1)
            if last > 1:  # else the header's dimension stands
                ref = f"A1:{xl_rowcol_to_cell(last - 1, len(frame.columns) - 1)}"
                head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', head, count=1)
            entry = zipfile.ZipInfo(name, info.date_time)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            entry._compresslevel = XLSX_SHEET_COMPRESSION  # zipfile's only way for a streamed entry
            with target.open(entry, "w", force_zip64=True) as out:
                out.write(head.encode("utf-8"))
                for chunk in _sheet_rows(frame):
                    out.write(chunk.encode("utf-8"))
                out.write(("</sheetData>" + tail).encode("utf-8"))
    filled.replace(path)


def write_csv(frames: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    """`<directory>/<table>.csv` per exported table (`export_frames`): UTF-8, comma-separated, `.` as
    decimal point."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for table, frame in frames.items():
        path = directory / f"{table}.csv"
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths
