"""§6 IKM (Indeks Kepuasan Masyarakat, PermenPANRB 14/2017) per unit and period."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from kinerja.periods import Period

from ._common import day_number, day_numbers, r9

ELEMENTS = [f"u{i}" for i in range(1, 10)]


def survey_totals(survey_responses: pd.DataFrame, period: Period, cutoff: date) -> pd.DataFrame:
    """Per unit over the responses dated in P (and not after the cut-off): responses, u1_sum … u9_sum."""
    cols = ["unit_code", "responses"] + [f"{u}_sum" for u in ELEMENTS]
    if survey_responses.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object if c == "unit_code" else "float64") for c in cols})
    d = day_numbers(survey_responses["response_date"], fill=-(10**8))
    last = min(day_number(period.end), day_number(cutoff))
    s = survey_responses[(d >= day_number(period.start)) & (d <= last)]
    frame = pd.DataFrame({"unit_code": s["unit_code"].astype(object).to_numpy(),
                          **{f"{u}_sum": s[u].astype("float64").to_numpy() for u in ELEMENTS}})
    g = frame.groupby("unit_code", sort=True)
    out = g.sum().reset_index()
    out.insert(1, "responses", g.size().to_numpy().astype("float64"))
    return out[cols]


def ikm_grade(ikm, policy) -> np.ndarray:
    """First `ikm.grades` row with IKM ≥ its bound; below every bound the last grade; NULL for NULL IKM."""
    grades = policy.ikm.grades
    x = np.asarray(ikm, dtype="float64")
    out = np.full(len(x), grades[-1][1], dtype=object)
    for bound, grade in reversed(grades):
        out[r9(x) >= r9(bound)] = grade
    out[np.isnan(x)] = None
    return out


def ikm_scores(totals: pd.DataFrame, policy) -> pd.DataFrame:
    """NRR per unsur = mean of each element; IKM = 25 × Σ NRR_i × w (w = 1/9 exact or 0.111 rounded).
    Columns unit_code, ikm_responses, nrr_u1 … nrr_u9, ikm, ikm_grade, insufficient_sample."""
    n = totals["responses"].to_numpy("float64")
    out = pd.DataFrame({"unit_code": totals["unit_code"].to_numpy(), "ikm_responses": n})
    nrr = np.column_stack([totals[f"{u}_sum"].to_numpy("float64") for u in ELEMENTS]) if len(totals) else \
        np.empty((0, 9))
    with np.errstate(invalid="ignore", divide="ignore"):
        nrr = np.where(n[:, None] > 0, nrr / np.where(n > 0, n, 1)[:, None], np.nan)
    for i, u in enumerate(ELEMENTS):
        out[f"nrr_{u}"] = nrr[:, i]
    out["ikm"] = 25.0 * nrr.sum(axis=1) * policy.ikm.weight
    out["ikm_grade"] = ikm_grade(out["ikm"], policy)
    out["insufficient_sample"] = (n < policy.ikm.min_responses).astype("int64")
    return out
