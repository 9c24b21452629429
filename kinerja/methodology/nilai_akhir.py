"""§5 Nilai akhir and predikat (PermenPANRB 6/2022), with the not-rated reasons in their order."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import safe_div

BELUM_DINILAI = "belum_dinilai"

# Rows perilaku rating, columns hasil kerja rating.
PREDIKAT_MATRIX: dict[tuple[str, str], str] = {
    ("di_atas", "di_bawah"): "butuh_perbaikan", ("di_atas", "sesuai"): "baik", ("di_atas", "di_atas"): "sangat_baik",
    ("sesuai", "di_bawah"): "butuh_perbaikan", ("sesuai", "sesuai"): "baik", ("sesuai", "di_atas"): "baik",
    ("di_bawah", "di_bawah"): "sangat_kurang", ("di_bawah", "sesuai"): "kurang", ("di_bawah", "di_atas"): "kurang",
}

NOT_RATED_REASONS = ("insufficient_active_days", "no_targets", "no_realisation", "no_feedback",
                     "no_supervisor_feedback", "insufficient_raters")


def nilai_akhir(hasil_kerja, perilaku, disiplin, policy) -> np.ndarray:
    """Σ w × component / Σ w over the non-NULL components hasil_kerja, perilaku × perilaku_scale, disiplin."""
    weights = policy.nilai_akhir.weights
    comps = [(np.asarray(hasil_kerja, dtype="float64"), weights.get("hasil_kerja", 0.0)),
             (np.asarray(perilaku, dtype="float64") * policy.nilai_akhir.perilaku_scale, weights.get("perilaku", 0.0)),
             (np.asarray(disiplin, dtype="float64"), weights.get("disiplin", 0.0))]
    num = sum(np.where(np.isnan(c), 0.0, w * c) for c, w in comps)
    den = sum(np.where(np.isnan(c), 0.0, w) for c, w in comps)
    return safe_div(num, den)


def predikat(perilaku_rating, hasil_kerja_rating) -> np.ndarray:
    """The matrix cell of (perilaku rating, hasil kerja rating); belum_dinilai when either is NULL."""
    p = np.asarray(perilaku_rating, dtype=object)
    h = np.asarray(hasil_kerja_rating, dtype=object)
    return np.array([PREDIKAT_MATRIX.get((a, b), BELUM_DINILAI) for a, b in zip(p, h)], dtype=object)


def not_rated_reason(frame: pd.DataFrame, policy, period_kind: str) -> np.ndarray:
    """The first applicable reason of NOT_RATED_REASONS (None when the employee is rated).

    `frame` columns: active_workdays, has_targets, hasil_kerja_score, has_feedback, supervisor_kept,
    perilaku_score."""
    min_days = policy.eligibility.min_active_workdays.get(period_kind, 0)
    conditions = [
        frame["active_workdays"].to_numpy("float64") < min_days,
        ~frame["has_targets"].to_numpy(bool),
        frame["hasil_kerja_score"].isna().to_numpy(),
        ~frame["has_feedback"].to_numpy(bool),
        (~frame["supervisor_kept"].to_numpy(bool)) if policy.perilaku.require_supervisor
        else np.zeros(len(frame), dtype=bool),
        frame["perilaku_score"].isna().to_numpy(),
    ]
    out = np.full(len(frame), None, dtype=object)
    for cond, reason in reversed(list(zip(conditions, NOT_RATED_REASONS))):
        out[cond] = reason  # earlier reasons overwrite later ones
    return out


def rate_employees(frame: pd.DataFrame, policy, period_kind: str) -> pd.DataFrame:
    """Adds not_rated_reason, predikat and nilai_akhir (NULL for a not-rated employee) to `frame`, which has
    the columns of not_rated_reason plus hasil_kerja_rating, perilaku_rating, disiplin_score."""
    reason = not_rated_reason(frame, policy, period_kind)
    rated = pd.isna(reason)
    pred = predikat(frame["perilaku_rating"], frame["hasil_kerja_rating"])
    value = nilai_akhir(frame["hasil_kerja_score"], frame["perilaku_score"], frame["disiplin_score"], policy)
    return frame.assign(not_rated_reason=reason, predikat=np.where(rated, pred, BELUM_DINILAI),
                        nilai_akhir=np.where(rated, value, np.nan))
