"""Reading the warehouse for reports (architecture seam 4: warehouse tables only, never the source).

A `RunData` holds one run's rows of every warehouse table as DataFrames, with numbers as floats and
NIPs as text, so the renderers and the analysis helpers never talk to the database. Award candidates,
training needs and calibration flags are read from their tables (computed once, by kinerja.methodology).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kinerja.periods import KIND_OF_FLOW, Period

# Warehouse tables with a run_id column that reports read, and the order their columns are listed.
RUN_TABLES: dict[str, list[str]] = {
    "employee_scores": ["run_id", "period", "nip", "unit_code", "active_workdays", "prorate_factor",
                        "hasil_kerja_score", "hasil_kerja_rating", "perilaku_score", "perilaku_rating",
                        "self_score", "disiplin_score", "nilai_akhir", "predikat", "not_rated_reason",
                        "supervisor_nip"],
    "indicator_scores": ["run_id", "period", "nip", "indicator_id", "target_effective", "realisasi",
                         "capaian", "weight"],
    "aspect_scores": ["run_id", "period", "nip", "aspect", "score"],
    "rater_type_scores": ["run_id", "period", "nip", "rater_type", "raters", "ratings", "score", "kept",
                          "weight"],
    "attendance_monthly": ["run_id", "month", "nip", "unit_code", "workdays", "present_days",
                           "excused_days", "tk_days", "unknown_days", "tl1", "tl2", "tl3", "tl4", "psw1",
                           "psw2", "psw3", "psw4", "late_minutes", "early_minutes", "deduction_pct",
                           "attendance_rate"],
    "discipline_alerts": ["run_id", "nip", "year", "month", "tk_days_ytd", "max_consecutive_tk", "level",
                          "is_new"],
    "unit_scores": ["run_id", "period", "unit_code", "employees", "rated", "sangat_baik", "baik",
                    "butuh_perbaikan", "kurang", "sangat_kurang", "belum_dinilai", "mean_nilai_akhir",
                    "attendance_rate", "ikm", "ikm_grade", "ikm_responses"],
    "feedback_comments": ["run_id", "period", "nip", "rater_type", "aspect", "comment"],
    "revisions": ["run_id", "previous_run_id", "period", "nip", "field", "old_value", "new_value"],
    "data_quality": ["run_id", "source_table", "extracted", "used", "quarantined", "check_name", "failed",
                     "severity"],
    "quarantine": ["run_id", "source_table", "row_key", "check_name", "detail", "row_json"],
    "run_units": ["run_id", "unit_code", "name", "parent_code", "kind"],
    "run_employees": ["run_id", "nip", "name", "employment_type", "grade", "position"],
    "run_unit_heads": ["run_id", "unit_code", "nip", "name", "position"],
    "input_row_digests": ["run_id", "source_table", "nip", "row_count", "digest"],
    "run_indicators": ["run_id", "indicator_id", "unit_code", "name", "uom", "direction", "aggregation"],
    # Methodology §8, computed by kinerja.methodology.awards during the run (reports never recompute them).
    "award_candidates": ["run_id", "period", "unit_code", "nip", "nilai_akhir", "rank"],
    "training_needs": ["run_id", "period", "nip", "kind", "item", "value", "threshold"],
    "calibration_flags": ["run_id", "period", "flag", "unit_code", "nip", "value", "reference", "threshold"],
    # Monthly runs: activity volume against the month's share of the targets (unit_code NULL: organisation).
    "activity_monthly": ["run_id", "month", "unit_code", "indicator_id", "employees", "realisasi", "target_share",
                         "capaian"],
}

# Result tables per flow (what the XLSX/CSV exports list even when empty).
RESULT_TABLES = {
    "monthly": ["unit_scores", "attendance_monthly", "discipline_alerts", "activity_monthly"],
    "quarterly": ["employee_scores", "indicator_scores", "aspect_scores", "rater_type_scores",
                  "attendance_monthly", "unit_scores", "feedback_comments", "award_candidates", "training_needs",
                  "calibration_flags"],
}
RESULT_TABLES["annual"] = RESULT_TABLES["quarterly"]
EXTRA_EXPORTS = ["revisions", "data_quality", "quarantine"]

TEXT_COLUMNS = {"run_id", "period", "nip", "unit_code", "hasil_kerja_rating", "perilaku_rating", "predikat",
                "not_rated_reason", "supervisor_nip", "indicator_id", "aspect", "rater_type", "month", "level",
                "comment", "previous_run_id", "field", "old_value", "new_value", "source_table", "check_name",
                "severity", "row_key", "detail", "row_json", "name", "parent_code", "kind", "employment_type",
                "grade", "position", "digest", "ikm_grade", "flow", "status", "policy_version", "policy_hash",
                "source_fingerprint", "reason", "code_version", "host", "uom", "direction", "aggregation", "flag",
                "item"}


class ReportError(LookupError):
    """The run, period or employee asked for is not in the warehouse; the message says what to run."""


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if col in TEXT_COLUMNS:
            out[col] = pd.Series([None if pd.isna(v) else str(v) for v in out[col].tolist()], index=out.index,
                                 dtype=object)
        elif col not in ("data_as_of", "started_at", "finished_at"):
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    return out


def read_sql(engine: Engine, sql: str, columns: list[str] | None = None, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(sa.text(sql), params)
        rows = result.fetchall()
        cols = list(result.keys())
    frame = pd.DataFrame([tuple(r) for r in rows], columns=cols if rows else (columns or cols))
    return _typed(frame)


def existing_tables(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


@dataclass
class RunData:
    run: dict
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.frames[table]

    @property
    def run_id(self) -> str:
        return str(self.run["run_id"])

    @property
    def flow(self) -> str:
        return str(self.run["flow"])

    @property
    def period(self) -> Period:
        return Period.parse(self.run["period"])

    def _lookup(self, table: str, key: str, columns: tuple[str, ...]) -> dict:
        """key -> row values of `table` (first row per key), built once: reports ask for names
        hundreds of thousands of times in a large city."""
        cache = self.__dict__.setdefault("_lookups", {})
        if table not in cache:
            frame = self.frames.get(table)
            if frame is None or frame.empty:
                cache[table] = {}
            else:
                first = frame.drop_duplicates(key)
                cache[table] = dict(zip(first[key], zip(*(first[c] for c in columns))))
        return cache[table]

    def unit_name(self, unit_code: str | None, lang: str = "id") -> str:
        from reports.fmt import label

        if unit_code is None:
            return label("no_unit", lang)
        hit = self._lookup("run_units", "unit_code", ("name",)).get(unit_code)
        return str(hit[0]) if hit and hit[0] else str(unit_code)

    def indicator(self, indicator_id: str) -> dict:
        """Name and unit of measure of an indicator from run_indicators; the name falls back to the id."""
        row = self._lookup("run_indicators", "indicator_id", ("name", "uom")).get(indicator_id) \
            if "run_indicators" in self.frames else None
        name = row[0] if row is not None and isinstance(row[0], str) and row[0].strip() else None
        uom = row[1] if row is not None and isinstance(row[1], str) and row[1].strip() else None
        return {"indicator_id": indicator_id, "name": name or str(indicator_id), "uom": uom, "named": bool(name)}

    def unit_head(self, unit_code: str) -> dict | None:
        """nip, name and position of the unit's head on the last day the run covers, or None."""
        hit = self._lookup("run_unit_heads", "unit_code", ("nip", "name", "position")).get(unit_code)
        if not hit:
            return None
        nip, name, position = hit
        return {"nip": str(nip), "name": str(name) if name else "", "position": str(position) if position else ""}

    def employee_name(self, nip: str | None) -> str:
        if nip is None:
            return ""
        hit = self._lookup("run_employees", "nip", ("name",)).get(nip)
        return str(hit[0]) if hit and hit[0] else ""


def load_runs(engine: Engine) -> pd.DataFrame:
    cols = ["run_id", "flow", "period", "policy_version", "policy_hash", "source_fingerprint", "data_as_of",
            "started_at", "finished_at", "status", "published", "previous_run_id", "reason"]
    return read_sql(engine, f"select {', '.join(cols)} from runs", cols)


def load_run(engine: Engine, run_id: str, tables: tuple[str, ...] | None = None) -> RunData:
    """The warehouse rows of one run, every table or only `tables` (tables the warehouse lacks give empty frames)."""
    runs = read_sql(engine, "select * from runs where run_id = :run_id", run_id=run_id)
    if runs.empty:
        raise ReportError(f"run {run_id!r} is not in the warehouse; `kinerja runs` lists the runs")
    data = RunData(run=runs.iloc[0].to_dict())
    present = existing_tables(engine)
    for table, columns in RUN_TABLES.items():
        if tables is not None and table not in tables:
            continue
        if table not in present:
            data.frames[table] = _typed(pd.DataFrame(columns=columns))
            continue
        have = [c["name"] for c in sa.inspect(engine).get_columns(table)]
        cols = [c for c in columns if c in have]
        frame = read_sql(engine, f"select {', '.join(cols)} from {table} where run_id = :run_id", cols,
                         run_id=run_id)
        for missing in (c for c in columns if c not in have):
            frame[missing] = None
        data.frames[table] = frame[columns]
    return data


def published_run_id(engine: Engine, period: str | Period) -> str | None:
    """The published run of a period (flow follows the period kind), or None."""
    p = period if isinstance(period, Period) else Period.parse(str(period))
    frame = read_sql(engine, "select run_id from runs where flow = :flow and period = :period and published = 1",
                     flow=p.flow, period=p.code)
    return None if frame.empty else str(frame["run_id"].iloc[0])


def digests(engine: Engine, run_ids: list[str]) -> pd.DataFrame:
    cols = RUN_TABLES["input_row_digests"]
    if "input_row_digests" not in existing_tables(engine) or not run_ids:
        return _typed(pd.DataFrame(columns=cols))
    marks = ", ".join(f":r{i}" for i in range(len(run_ids)))
    return read_sql(engine, f"select {', '.join(cols)} from input_row_digests where run_id in ({marks})", cols,
                    **{f"r{i}": r for i, r in enumerate(run_ids)})


__all__ = ["RunData", "ReportError", "load_run", "load_runs", "published_run_id", "digests", "KIND_OF_FLOW"]
