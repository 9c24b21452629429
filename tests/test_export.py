"""The XLSX writer (reports/export.py) writes what XlsxWriter's own cell writer writes, byte for byte."""
from __future__ import annotations

import re
import zipfile

import numpy as np
import pandas as pd

from reports.export import header_workbook, write_xlsx

TRICKY = ["plain", " leading", "trailing ", "tab\tinside", "line\nbreak", "a & b < c > d", 'quote "x"',
          "ctrl\x01char", "_x0041_ literal", "'=HYPERLINK(\"x\")", "Dédé ☕ 𝄞", "x" * 40000,
          "𝄞" * 20000, "<r>rich</r>", "", "\n"]


def _cell_by_cell(ws, frame: pd.DataFrame) -> None:
    """What write_xlsx did before: XlsxWriter's write_string/write_number, cell by cell."""
    writers = []
    for col in frame.columns:
        series = frame[col]
        values = series.astype(object).where(series.notna(), None).tolist()
        numeric = pd.api.types.is_numeric_dtype(series.dtype)
        writers.append((ws.write_number if numeric else ws.write_string, values))
    for r in range(len(frame)):
        for c, (write, values) in enumerate(writers):
            if values[r] is not None:
                write(r + 1, c, values[r])


def _parts(path) -> dict[str, bytes]:
    """The workbook's files; the creation time (docProps/core.xml) left out."""
    with zipfile.ZipFile(path) as z:
        return {name: re.sub(rb"<dcterms:(created|modified)[^<]*</dcterms:\1>", b"", z.read(name))
                for name in z.namelist()}


def test_sheets_are_written_as_xlsxwriter_writes_them(tmp_path):
    rng = np.random.default_rng(7)
    n = 2_500
    texts = (TRICKY * (n // len(TRICKY) + 1))[:n]
    frames = {
        "employee_scores": pd.DataFrame({
            "nip": pd.Series([None if i % 97 == 0 else f"19800101200501{i:04d}" for i in range(n)], dtype=object),
            "comment": pd.Series([None if i % 5 == 0 else t for i, t in enumerate(texts)], dtype=object),
            "nilai_akhir": pd.Series(np.where(rng.random(n) < 0.1, np.nan, rng.random(n) * 120)),
            "tiny": pd.Series(rng.random(n) * 1e-7),
            "huge": pd.Series(rng.random(n) * 1e17),
            "workdays": pd.array([None if i % 11 == 0 else i % 23 for i in range(n)], dtype="Int64"),
        }),
        "empty_rows_at_the_end": pd.DataFrame({"a": pd.array([1, None, None], dtype="Int64"),
                                               "b": pd.Series(["x", None, None], dtype=object)}),
        "no_rows": pd.DataFrame({"run_id": pd.Series([], dtype=object)}),
        "all_empty": pd.DataFrame({"a": pd.Series([None, None], dtype=object)}),
    }
    write_xlsx(frames, tmp_path / "fast.xlsx")
    header_workbook(frames, tmp_path / "reference.xlsx", write_rows=_cell_by_cell)
    fast, reference = _parts(tmp_path / "fast.xlsx"), _parts(tmp_path / "reference.xlsx")
    assert list(fast) == list(reference)
    for name in reference:
        if name == "xl/worksheets/sheet1.xml":  # XlsxWriter writes "<r>…</r>" unescaped (as rich text)
            rich = b"<is><t>&lt;r&gt;rich&lt;/r&gt;</t></is>"
            assert fast[name].count(rich) == reference[name].count(b"<is><r>rich</r></is>") > 0
            assert fast[name].replace(rich, b"<is><r>rich</r></is>") == reference[name]
        else:
            assert fast[name] == reference[name], name
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "fast.xlsx", read_only=True)["employee_scores"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(frames["employee_scores"].columns) and len(rows) == n + 1
    assert rows[2][1] == " leading" and rows[3][1] == "trailing " and rows[14][1] == "<r>rich</r>"


def test_a_failed_workbook_leaves_nothing_behind(tmp_path, monkeypatch):
    """The workbook takes its name only once its rows are in: a failure while they are written leaves
    neither a workbook without rows nor a temporary file in the report directory."""
    import pytest

    from reports import export

    frames = {"employee_scores": pd.DataFrame({"nip": ["1", "2"], "nilai": [90.0, 80.5]})}

    def broken(frame):
        yield '<row r="2">'
        raise OSError("disk full")

    monkeypatch.setattr(export, "_sheet_rows", broken)
    with pytest.raises(OSError, match="disk full"):
        write_xlsx(frames, tmp_path / "results.xlsx")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    assert write_xlsx(frames, tmp_path / "results.xlsx") == tmp_path / "results.xlsx"
    assert [p.name for p in tmp_path.iterdir()] == ["results.xlsx"]
    with zipfile.ZipFile(tmp_path / "results.xlsx") as book:
        assert "<v>80.5</v>" in book.read("xl/worksheets/sheet1.xml").decode()
