"""§7 Unit scores: head counts, predikat counts, attendance rate and IKM per unit (period and monthly)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import finish, safe_div
from .nilai_akhir import BELUM_DINILAI

PREDIKATS = ["sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang", BELUM_DINILAI]


def _attendance_by_unit(monthly: pd.DataFrame) -> pd.DataFrame:
    m = monthly[monthly["unit_code"].notna()]
    m = m.assign(den=m["workdays"] - m["excused_days"] - m["unknown_days"])
    g = m.groupby("unit_code", sort=True)[["present_days", "den"]].sum()
    return pd.DataFrame({"unit_code": g.index.astype(object),
                         "attendance_rate": safe_div(g["present_days"], g["den"])})


def _assemble(units: set, counts: pd.DataFrame, monthly: pd.DataFrame, ikm: pd.DataFrame, label: str) -> pd.DataFrame:
    units = sorted(u for u in units if u is not None and not (isinstance(u, float) and np.isnan(u)))
    out = pd.DataFrame({"unit_code": pd.Series(units, dtype=object)})
    out = out.merge(counts, on="unit_code", how="left")
    out = out.merge(_attendance_by_unit(monthly), on="unit_code", how="left")
    ik = ikm[["unit_code", "ikm", "ikm_grade", "ikm_responses"]] if len(ikm) else \
        pd.DataFrame({"unit_code": pd.Series([], dtype=object), "ikm": [], "ikm_grade": [], "ikm_responses": []})
    out = out.merge(ik, on="unit_code", how="left")
    for col in ["employees", "rated", *PREDIKATS, "ikm_responses"]:
        out[col] = out[col].fillna(0.0) if col in out else 0.0
    if "mean_nilai_akhir" not in out:
        out["mean_nilai_akhir"] = np.nan
    out["period"] = label
    return finish(out, "unit_scores", ["unit_code"])


def unit_scores_period(employee_scores: pd.DataFrame, monthly: pd.DataFrame, ikm: pd.DataFrame,
                       label: str) -> pd.DataFrame:
    """One row per unit that is an employee's unit for the period, the unit_code of an attendance_monthly
    row, or the unit of a survey response in the period. Counts use each employee's unit for the period;
    attendance_rate sums the attendance_monthly rows of the unit (months count where they were worked)."""
    e = employee_scores[employee_scores["unit_code"].notna()]
    rated = e["predikat"] != BELUM_DINILAI
    counts = pd.crosstab(e["unit_code"], e["predikat"]).reindex(columns=PREDIKATS, fill_value=0)
    counts["employees"] = e.groupby("unit_code").size()
    counts["rated"] = rated.groupby(e["unit_code"]).sum()
    counts["mean_nilai_akhir"] = e[rated].groupby("unit_code")["nilai_akhir"].mean()
    counts = counts.rename_axis(None, axis=1).reset_index().rename(columns={"index": "unit_code"})
    counts["unit_code"] = counts["unit_code"].astype(object)
    units = set(e["unit_code"]) | set(monthly["unit_code"].dropna()) | set(ikm["unit_code"]) if len(ikm) else \
        set(e["unit_code"]) | set(monthly["unit_code"].dropna())
    return _assemble(units, counts, monthly, ikm, label)


def unit_scores_month(monthly: pd.DataFrame, ikm: pd.DataFrame, label: str) -> pd.DataFrame:
    """Monthly semantics: employees = head count by the month's unit, attendance and IKM; rated and the
    predikat counts 0, mean_nilai_akhir NULL."""
    m = monthly[(monthly["unit_code"].notna()) & (monthly["month"] == label)]
    counts = m.groupby("unit_code").size().rename("employees").reset_index()
    counts["unit_code"] = counts["unit_code"].astype(object)
    units = set(m["unit_code"]) | (set(ikm["unit_code"]) if len(ikm) else set())
    return _assemble(units, counts, m, ikm, label)
