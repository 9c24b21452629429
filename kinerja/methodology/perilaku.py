"""§4 Perilaku (behaviour, BerAKHLAK): rater types, min_raters, re-weighted perilaku score, aspects."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kinerja.periods import Period

from ._common import finish, obj, rating, safe_div

SUPERVISOR, SELF = "supervisor", "self"


def feedback_in_period(feedback: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Feedback rows whose (year, quarter) falls in P."""
    quarters = [q.number for q in period.quarters()]
    return feedback[(feedback["year"].astype("float64") == period.year)
                    & feedback["quarter"].astype("float64").isin(quarters)]


def _base(feedback: pd.DataFrame, period: Period) -> pd.DataFrame:
    f = feedback_in_period(feedback, period)
    return pd.DataFrame({"ratee_nip": obj(f["ratee_nip"]), "rater_type": obj(f["rater_type"]),
                         "rater_id": obj(f["rater_id"]), "aspect": obj(f["aspect"]),
                         "score": f["score"].astype("float64").to_numpy()})


def feedback_type_stats(feedback: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per (ratee_nip, rater_type): raters (distinct rater_id), ratings (rows), score_sum."""
    f = _base(feedback, period)
    f = f[f["score"].notna()]
    g = f.groupby(["ratee_nip", "rater_type"], sort=True).agg(
        raters=("rater_id", "nunique"), ratings=("score", "size"), score_sum=("score", "sum")).reset_index()
    return g.astype({"raters": "float64", "ratings": "float64"})


def feedback_aspect_stats(feedback: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per (ratee_nip, rater_type, aspect): ratings (rows), score_sum."""
    f = _base(feedback, period)
    f = f[f["score"].notna()]
    g = f.groupby(["ratee_nip", "rater_type", "aspect"], sort=True).agg(
        ratings=("score", "size"), score_sum=("score", "sum")).reset_index()
    return g.astype({"ratings": "float64"})


def rater_type_scores(type_stats: pd.DataFrame, period: Period, policy) -> pd.DataFrame:
    """Per (nip, rater_type): raters, ratings, score (mean of all its scores), kept (raters ≥ min_raters
    of the type), weight (`rater_weights`, 0 for a type without one)."""
    pol = policy.perilaku
    s = type_stats
    types = s["rater_type"].astype(object)
    min_raters = types.map(lambda t: pol.min_raters.get(t, 1)).astype("float64")
    out = pd.DataFrame({"period": period.code, "nip": s["ratee_nip"].to_numpy(), "rater_type": types.to_numpy(),
                        "raters": s["raters"].to_numpy(), "ratings": s["ratings"].to_numpy(),
                        "score": safe_div(s["score_sum"], s["ratings"]),
                        "kept": (s["raters"].to_numpy() >= min_raters.to_numpy()).astype("int64"),
                        "weight": types.map(pol.weight).astype("float64").to_numpy()})
    return finish(out, "rater_type_scores", ["nip", "rater_type"])


def _weighted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Σ w × score / Σ w over rows with w > 0 (kept types only), grouped by keys."""
    f = frame[(frame["kept"] == 1) & (frame["weight"] > 0) & frame["score"].notna()]
    f = f.assign(ws=f["weight"] * f["score"])
    g = f.groupby(keys, sort=True)[["ws", "weight"]].sum().reset_index()
    g["value"] = safe_div(g["ws"], g["weight"])
    return g[keys + ["value"]]


def perilaku_scores(rts: pd.DataFrame, policy) -> pd.DataFrame:
    """Per nip with feedback: perilaku_score (re-weighted over kept types with weight > 0; NULL when none is
    kept, or when `require_supervisor` and the supervisor type is missing or dropped), perilaku_rating,
    self_score (the self type's score when kept), has_feedback (a row other than self), supervisor_kept."""
    pol = policy.perilaku
    nips = pd.Index(pd.unique(rts["nip"].astype(object)), dtype=object)
    out = pd.DataFrame({"nip": nips})
    w = _weighted(rts, ["nip"]).rename(columns={"value": "perilaku_score"})
    out = out.merge(w, on="nip", how="left")
    sup = set(rts.loc[(rts["rater_type"] == SUPERVISOR) & (rts["kept"] == 1), "nip"])
    others = set(rts.loc[rts["rater_type"] != SELF, "nip"])
    out["supervisor_kept"] = out["nip"].isin(sup)
    out["has_feedback"] = out["nip"].isin(others)
    if pol.require_supervisor:
        out.loc[~out["supervisor_kept"], "perilaku_score"] = np.nan
    self_rows = rts[(rts["rater_type"] == SELF) & (rts["kept"] == 1)][["nip", "score"]]
    out = out.merge(self_rows.rename(columns={"score": "self_score"}), on="nip", how="left")
    out["perilaku_score"] = out["perilaku_score"].astype("float64")
    out["perilaku_rating"] = rating(out["perilaku_score"], pol.above_min, pol.meets_min)
    return out.sort_values("nip").reset_index(drop=True)


def aspect_scores(aspect_stats: pd.DataFrame, rts: pd.DataFrame, perilaku: pd.DataFrame, period: Period,
                  policy) -> pd.DataFrame:
    """Per (nip, aspect): the perilaku weighting over the kept types restricted to the aspect's rows (a
    kept type without rows for the aspect is re-weighted away). Only for employees whose perilaku_score
    is not NULL; no row for an aspect nobody in a kept weighted type rated."""
    a = aspect_stats.rename(columns={"ratee_nip": "nip"})
    a = a.assign(score=safe_div(a["score_sum"], a["ratings"]))
    a = a.merge(rts[["nip", "rater_type", "kept", "weight"]], on=["nip", "rater_type"])
    w = _weighted(a, ["nip", "aspect"])
    scored = perilaku.loc[perilaku["perilaku_score"].notna(), "nip"]
    w = w[w["nip"].isin(set(scored)) & w["value"].notna()]
    out = pd.DataFrame({"period": period.code, "nip": w["nip"].to_numpy(), "aspect": w["aspect"].to_numpy(),
                        "score": w["value"].to_numpy()})
    return finish(out, "aspect_scores", ["nip", "aspect"])
