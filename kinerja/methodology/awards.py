"""§8 Award candidates and training needs (reports), and calibration flags (publishing.calibration)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import finish, r9, safe_div
from .nilai_akhir import BELUM_DINILAI

NO_UNIT = "__tanpa_unit__"  # grouping key of employees without a unit (never written)


def _rated(employee_scores: pd.DataFrame) -> pd.Series:
    """Rated employees: a predikat other than belum_dinilai (a NULL predikat is not rated)."""
    return employee_scores["predikat"].notna() & (employee_scores["predikat"] != BELUM_DINILAI)


def award_candidates(employee_scores: pd.DataFrame, policy) -> pd.DataFrame:
    """Per unit (employees without a unit form one group, unit_code NULL): the sangat_baik employees by
    nilai_akhir descending (ties by nip), the top ceil(award_top_share × rated employees of the unit),
    at least one when any is sangat_baik. Columns period, unit_code, nip, nilai_akhir, rank."""
    e = employee_scores[_rated(employee_scores)]
    if e.empty:
        return finish(e, "award_candidates", ["unit_code", "rank"])
    unit = e["unit_code"].astype(object).where(e["unit_code"].notna(), NO_UNIT)
    e = e.assign(group=unit)
    rated = e.groupby("group").size()
    quota = np.maximum(1, np.ceil(r9(rated.to_numpy() * policy.publishing.award_top_share))).astype("int64")
    quota = pd.Series(quota, index=rated.index)
    sb = e[e["predikat"] == "sangat_baik"].sort_values(["group", "nilai_akhir", "nip"],
                                                       ascending=[True, False, True], kind="mergesort")
    sb = sb.assign(rank=sb.groupby("group").cumcount() + 1)
    sb = sb[sb["rank"] <= sb["group"].map(quota)]
    sb = sb.assign(unit_code=sb["group"].where(sb["group"] != NO_UNIT, None))
    return finish(sb, "award_candidates", ["unit_code", "rank"])


def training_needs(aspect_scores: pd.DataFrame, indicator_scores: pd.DataFrame, policy, label: str) -> pd.DataFrame:
    """An aspect score below `training_aspect_below` or an indicator capaian below `training_capaian_below`.
    Columns period, nip, kind (aspect / indicator), item, value, threshold."""
    pub = policy.publishing
    a = aspect_scores[r9(aspect_scores["score"]) < r9(pub.training_aspect_below)]
    i = indicator_scores[indicator_scores["capaian"].notna()
                         & (r9(indicator_scores["capaian"]) < r9(pub.training_capaian_below))]
    out = pd.concat([
        pd.DataFrame({"nip": a["nip"].to_numpy(), "kind": "aspect", "item": a["aspect"].to_numpy(),
                      "value": a["score"].to_numpy(), "threshold": pub.training_aspect_below}),
        pd.DataFrame({"nip": i["nip"].to_numpy(), "kind": "indicator", "item": i["indicator_id"].to_numpy(),
                      "value": i["capaian"].to_numpy(), "threshold": pub.training_capaian_below}),
    ], ignore_index=True)
    out["period"] = label
    return finish(out, "training_needs", ["nip", "kind", "item"])


def supervisor_leniency(supervisor_feedback: pd.DataFrame, z_limit: float) -> pd.DataFrame:
    """Supervisors whose mean given score is far from the other supervisors' (leave-one-out).

    Each supervisor (rater_id of the supervisor feedback rows) has a mean given score m_i. It is compared
    with the OTHER supervisors only: z_i = (m_i − mean(m_j, j ≠ i)) / SD(m_j, j ≠ i), SD the sample SD
    (ddof 1); flagged when |z_i| > z_limit (strictly, after rounding to 9 decimals), harsh raters too.
    Why not the inclusive population z: with the supervisor itself in the mean and SD, the largest possible
    |z| of n supervisors is sqrt(n − 1) (one outlier, everyone else equal), so with the default 2.0 an
    organisation of 5 or fewer supervisors could never exceed it, and one very lenient supervisor widens
    the spread that hides them. Needs at least 3 supervisors (so the others have a spread); a supervisor
    whose others' SD is 0 is not flagged (z undefined).
    Columns rater_id, ratings, mean_score, others_mean, others_sd, z (flagged supervisors only, by rater_id)."""
    cols = ["rater_id", "ratings", "mean_score", "others_mean", "others_sd", "z"]
    fb = supervisor_feedback[supervisor_feedback["rater_id"].notna() & supervisor_feedback["score"].notna()]
    given = fb.groupby(fb["rater_id"].astype(object), sort=True)["score"].agg(["mean", "size"])
    n = len(given)
    if n < 3:
        return pd.DataFrame({c: pd.Series([], dtype=object if c == "rater_id" else "float64") for c in cols})
    m = given["mean"].to_numpy(dtype="float64")
    others = [np.delete(m, i) for i in range(n)]
    others_mean = np.array([o.mean() for o in others])
    others_sd = np.array([o.std(ddof=1) for o in others])
    others_sd = np.where(r9(others_sd) > 0, others_sd, 0.0)  # equal others: SD 0, z undefined
    z = safe_div(m - others_mean, others_sd)
    hit = ~np.isnan(z) & (r9(np.abs(z)) > r9(z_limit))
    return pd.DataFrame({"rater_id": given.index.astype(object)[hit], "ratings": given["size"].to_numpy()[hit],
                         "mean_score": m[hit], "others_mean": others_mean[hit], "others_sd": others_sd[hit],
                         "z": z[hit]}, columns=cols)


def calibration_flags(employee_scores: pd.DataFrame, supervisor_feedback: pd.DataFrame, policy,
                      label: str) -> pd.DataFrame:
    """Flags for people to review (never quotas). Columns period, flag, unit_code, nip, value, reference,
    threshold:
    - unit_share_gap: a unit whose share of sangat_baik among its rated employees differs from the
      organisation's share by more than `unit_share_gap` (value = unit share, reference = organisation share);
    - rater_leniency: `supervisor_leniency` below (value = z, reference = the supervisor's mean given score);
    - self_gap: self_score above perilaku_score by more than `self_gap` (value = self_score,
      reference = perilaku_score)."""
    cal = policy.publishing.calibration
    parts = []
    rated = employee_scores[_rated(employee_scores) & employee_scores["unit_code"].notna()]
    if len(rated):
        is_sb = (rated["predikat"] == "sangat_baik").astype("float64")
        org = float(is_sb.mean())
        share = is_sb.groupby(rated["unit_code"]).mean()
        hit = share[r9(np.abs(share.to_numpy() - org)) > r9(cal.unit_share_gap)]
        parts.append(pd.DataFrame({"flag": "unit_share_gap", "unit_code": hit.index.astype(object), "nip": None,
                                   "value": hit.to_numpy(), "reference": org, "threshold": cal.unit_share_gap}))
    lenient = supervisor_leniency(supervisor_feedback, cal.rater_leniency_z)
    if len(lenient):
        parts.append(pd.DataFrame({"flag": "rater_leniency", "unit_code": None,
                                   "nip": lenient["rater_id"].to_numpy(), "value": lenient["z"].to_numpy(),
                                   "reference": lenient["mean_score"].to_numpy(),
                                   "threshold": cal.rater_leniency_z}))
    e = employee_scores[employee_scores["self_score"].notna() & employee_scores["perilaku_score"].notna()]
    gap = e["self_score"] - e["perilaku_score"]
    e = e[r9(gap) > r9(cal.self_gap)]
    parts.append(pd.DataFrame({"flag": "self_gap", "unit_code": e["unit_code"].to_numpy(), "nip": e["nip"].to_numpy(),
                               "value": e["self_score"].to_numpy(), "reference": e["perilaku_score"].to_numpy(),
                               "threshold": cal.self_gap}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return finish(pd.DataFrame(), "calibration_flags", [])
    out = pd.concat(parts, ignore_index=True)
    out["period"] = label
    return finish(out, "calibration_flags", ["flag", "unit_code", "nip"])
