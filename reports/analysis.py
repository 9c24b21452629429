"""Figures that reports derive from warehouse frames for display: recaps, organisation totals, suppression.

Pure functions of DataFrames (no I/O), each named after what it finds. Award candidates, training needs
and calibration flags are NOT derived here: the run computes them once (kinerja.methodology.awards, the
one home of those formulas) and writes them to the warehouse; reports read those tables.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping

import pandas as pd

TL = ["tl1", "tl2", "tl3", "tl4"]
PSW = ["psw1", "psw2", "psw3", "psw4"]
PREDIKAT = ["sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang", "belum_dinilai"]


def _ratio(num: float, den: float) -> float | None:
    return None if not den else float(num) / float(den)


# --- attendance -------------------------------------------------------------------------------------

def attendance_rate(am: pd.DataFrame) -> float | None:
    """Σ present_days / Σ (workdays − excused_days − unknown_days) over the rows (methodology §7)."""
    if am.empty:
        return None
    den = (am["workdays"].fillna(0) - am["excused_days"].fillna(0) - am["unknown_days"].fillna(0)).sum()
    return _ratio(am["present_days"].fillna(0).sum(), den)


def attendance_recap(am: pd.DataFrame) -> dict:
    """TK/TL/PSW totals and the tunjangan deduction summary of a set of attendance_monthly rows."""
    ded = am["deduction_pct"].dropna()
    return {
        "employees": int(am["nip"].nunique()),
        "rate": attendance_rate(am),
        "workdays": float(am["workdays"].fillna(0).sum()),
        "tk_days": float(am["tk_days"].fillna(0).sum()),
        "unknown_days": float(am["unknown_days"].fillna(0).sum()),
        "tl": [float(am[c].fillna(0).sum()) for c in TL],
        "psw": [float(am[c].fillna(0).sum()) for c in PSW],
        "late_minutes": float(am["late_minutes"].fillna(0).sum()),
        "early_minutes": float(am["early_minutes"].fillna(0).sum()),
        "deduction_mean": float(ded.mean()) if len(ded) else None,
        "deduction_max": float(ded.max()) if len(ded) else None,
        "deducted": int((ded > 0).sum()),
    }


def attendance_trend(am: pd.DataFrame) -> list[tuple[str, float | None]]:
    """(month, attendance rate) for every month of the rows, in order."""
    return [(str(m), attendance_rate(g)) for m, g in am.groupby("month", sort=True)]


def unit_of_nip(am: pd.DataFrame, es: pd.DataFrame | None = None) -> dict[str, str | None]:
    """An employee's unit: from employee_scores when given, else their latest attendance_monthly row."""
    units: dict[str, str | None] = {}
    if not am.empty:
        for row in am.sort_values("month").itertuples(index=False):
            units[row.nip] = row.unit_code
    if es is not None and not es.empty:
        units.update(dict(zip(es["nip"], es["unit_code"])))
    return units


# --- IKM -------------------------------------------------------------------------------------------

def organisation_ikm(us: pd.DataFrame) -> tuple[float | None, int]:
    """The organisation's IKM: unit IKMs weighted by responses (equal to IKM over all responses)."""
    rows = us.dropna(subset=["ikm"])
    rows = rows[rows["ikm_responses"].fillna(0) > 0]
    n = int(rows["ikm_responses"].sum()) if len(rows) else 0
    if not n:
        return None, 0
    return float((rows["ikm"] * rows["ikm_responses"]).sum() / n), n


def ikm_grade(ikm: float | None, grades: list[tuple[float, str]]) -> str | None:
    if ikm is None:
        return None
    for bound, grade in grades:
        if round(ikm, 9) >= bound:
            return grade
    return grades[-1][1]


# --- predikat --------------------------------------------------------------------------------------

def organisation_mean_nilai(es: pd.DataFrame) -> float | None:
    vals = es["nilai_akhir"].dropna()
    return float(vals.mean()) if len(vals) else None


# --- public suppression ----------------------------------------------------------------------------

def suppressed(group_size: float | None, min_group_size: int) -> bool:
    """A figure drawn from fewer than `min_group_size` employees is not published."""
    return group_size is None or (isinstance(group_size, float) and math.isnan(group_size)) \
        or int(group_size) < min_group_size


# --- data quality (kendala) ------------------------------------------------------------------------

def _examples(keys: pd.DataFrame, n: int) -> list[str]:
    return [k for k in keys["row_key"].dropna().unique() if k][:n]


def _quarantined(keys: pd.DataFrame, n: int) -> dict:
    """A finding's quarantined rows: how many, up to `n` example keys and `n` distinct details."""
    return {"quarantined": int(len(keys)), "examples": _examples(keys, n),
            "details": [d for d in keys["detail"].dropna().unique()[:n]]}


def data_quality_summary(dq: pd.DataFrame, quarantine: pd.DataFrame, examples: int = 3) -> dict:
    """Per table totals, per check findings (count, severity, example keys) and the warnings."""
    totals = dq[dq["check_name"].isna()].sort_values("source_table")
    checks = dq[dq["check_name"].notna()].copy()
    findings = []
    for row in checks.sort_values(["source_table", "check_name"]).itertuples(index=False):
        keys = quarantine[(quarantine["source_table"] == row.source_table)
                          & (quarantine["check_name"] == row.check_name)]
        findings.append({"table": row.source_table, "check": row.check_name, "failed": row.failed,
                         "severity": row.severity, **_quarantined(keys, examples)})
    # Quarantine rows whose check has no data_quality row still get reported.
    known = {(f["table"], f["check"]) for f in findings}
    for (table, check), keys in quarantine.groupby(["source_table", "check_name"], sort=True):
        if (table, check) not in known:
            findings.append({"table": table, "check": check, "failed": float(len(keys)), "severity": None,
                             **_quarantined(keys, examples)})
    return {
        "totals": [dict(r._asdict()) for r in totals.itertuples(index=False)],
        "findings": findings,
        "quarantined": int(len(quarantine)),
        "warnings": [f for f in findings if f["severity"] == "warning"],
        "critical": [f for f in findings if f["severity"] == "critical"],
    }


#: Where a quarantined row says whose data it is: its own unit column, else the employee it belongs to.
UNIT_COLUMN = {"units": "unit_code", "assignments": "unit_code", "indicators": "unit_code",
               "survey_responses": "unit_code"}
NIP_COLUMN = {"employees": "nip", "assignments": "nip", "attendance": "nip", "targets": "nip",
              "activities": "nip", "feedback": "ratee_nip"}


def quarantine_units(quarantine: pd.DataFrame, unit_of_nip: Mapping[str, str | None]) -> pd.Series:
    """The unit each quarantined row belongs to (None when it cannot be told), aligned with `quarantine`.

    A row of a table with a unit column (a survey response, an assignment) belongs to that unit; any
    other row to the unit of the employee it is about (`nip`, or `ratee_nip` for feedback) in this run.
    The row is read from `row_json`, the source row as extracted; a row whose employee the run does not
    know (an unknown NIP is itself a finding) stays with the organisation only.
    """
    units: list[str | None] = []
    for table, row_json in zip(quarantine["source_table"], quarantine["row_json"]):
        try:
            row = json.loads(row_json) if isinstance(row_json, str) else None
        except ValueError:
            row = None
        own = row.get(UNIT_COLUMN.get(table, "")) if isinstance(row, dict) else None
        nip = row.get(NIP_COLUMN.get(table, "")) if isinstance(row, dict) else None
        if isinstance(own, str) and own:
            units.append(own)
        else:
            units.append(unit_of_nip.get(nip) if isinstance(nip, str) else None)
    return pd.Series(units, index=quarantine.index, dtype=object)


def unit_findings(quarantine: pd.DataFrame, unit_of_nip: Mapping[str, str | None],
                  examples: int = 3) -> dict[str, list[dict]]:
    """Per unit, its quarantined rows by table and check: what a unit head must have corrected.

    Each finding: table, check, quarantined (rows), examples (row keys) and details, like the
    organisation's findings of `data_quality_summary`; units without quarantined rows are absent.
    """
    if quarantine.empty:
        return {}
    located = quarantine.assign(unit_code=quarantine_units(quarantine, unit_of_nip))
    located = located[located["unit_code"].notna()]
    out: dict[str, list[dict]] = {}
    for (unit, table, check), keys in located.groupby(["unit_code", "source_table", "check_name"], sort=True):
        out.setdefault(unit, []).append({"table": table, "check": check, **_quarantined(keys, examples)})
    return out


# --- revisions ------------------------------------------------------------------------------------

def input_changes(new: pd.DataFrame, old: pd.DataFrame) -> dict[str, list[dict]]:
    """Per nip: the source tables whose rows differ between two runs (input_row_digests).

    Each item: table, old_rows, new_rows, rows (|difference| of row counts, at least 1 when only the
    content changed), same_count (True when the counts are equal but the digest differs).
    """
    keys = ["source_table", "nip"]
    both = new[keys + ["row_count", "digest"]].merge(old[keys + ["row_count", "digest"]], on=keys, how="outer",
                                                      suffixes=("_new", "_old"))
    out: dict[str, list[dict]] = {}
    for row in both.sort_values(keys).itertuples(index=False):
        if row.digest_new == row.digest_old:
            continue
        n_new = 0 if pd.isna(row.row_count_new) else int(row.row_count_new)
        n_old = 0 if pd.isna(row.row_count_old) else int(row.row_count_old)
        out.setdefault(row.nip, []).append({"table": row.source_table, "old_rows": n_old, "new_rows": n_new,
                                            "rows": max(1, abs(n_new - n_old)), "same_count": n_new == n_old})
    return out


def revision_summary(revisions: pd.DataFrame) -> list[dict]:
    """Per nip: old → new predikat and nilai_akhir, presence changes and the other changed fields."""
    out = []
    for nip, group in revisions.groupby("nip", sort=True):
        fields = {r.field: (r.old_value, r.new_value) for r in group.itertuples(index=False)}
        out.append({
            "nip": nip,
            "predikat": fields.get("predikat"),
            "nilai_akhir": fields.get("nilai_akhir"),
            "employee": fields.get("employee"),
            "other": sorted(f for f in fields if f not in ("predikat", "nilai_akhir", "employee")),
        })
    return out
