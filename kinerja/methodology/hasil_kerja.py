"""§3 Hasil kerja (work results): targets, proration, realisasi, capaian, hasil_kerja_score."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from kinerja.periods import Period

from ._common import OPEN_END, day_number, day_numbers, month_index, obj, rating, safe_div
from .calendar import active_working_days, count_between, employee_bounds, working_day_numbers


def _quarter_numbers(period: Period) -> list[int]:
    return [q.number for q in period.quarters()]


def period_targets(targets: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The targets rows of the quarters of P (year of P, quarter in P)."""
    t = targets[(targets["year"].astype("float64") == period.year)
                & targets["quarter"].astype("float64").isin(_quarter_numbers(period))]
    t = t.drop_duplicates(["nip", "indicator_id", "year", "quarter"])
    return pd.DataFrame({"nip": obj(t["nip"]), "indicator_id": obj(t["indicator_id"]),
                         "quarter": t["quarter"].astype("int64").to_numpy(),
                         "target": t["target"].astype("float64").to_numpy(),
                         "weight": t["weight"].astype("float64").to_numpy()})


def quarter_active_ratio(employees: pd.DataFrame, holidays: pd.DataFrame, period: Period, cutoff: date,
                         policy) -> pd.DataFrame:
    """Per employee and quarter q of P: active working days in q / working days in q (both up to the
    cut-off; 0 when q has no working day). Columns nip, quarter, ratio."""
    nips, af, at = employee_bounds(employees.drop_duplicates("nip"))
    parts = []
    for q in period.quarters():
        wd = working_day_numbers(q.start, min(q.end, cutoff), holidays, policy)
        n = count_between(wd, af, at)
        ratio = n / len(wd) if len(wd) else np.zeros(len(n))
        parts.append(pd.DataFrame({"nip": obj(nips), "quarter": q.number, "ratio": ratio}))
    return pd.concat(parts, ignore_index=True)


def activity_totals(activities: pd.DataFrame, targets: pd.DataFrame, employees: pd.DataFrame, period: Period,
                    cutoff: date) -> pd.DataFrame:
    """Approved activities per (nip, indicator_id, quarter) over the quarters of P that have a target for
    that nip and indicator, dated between active_from and min(active_to, cut-off) (calendar dates).
    Columns nip, indicator_id, quarter, quantity_sum, quantity_count."""
    cols = ["nip", "indicator_id", "quarter", "quantity_sum", "quantity_count"]
    empty = pd.DataFrame({c: pd.Series([], dtype=object if i < 2 else "float64") for i, c in enumerate(cols)})
    status = activities["status"].to_numpy(dtype=object)
    d = day_numbers(activities["activity_date"], fill=int(OPEN_END))
    qty = activities["quantity"].to_numpy(dtype="float64")
    year, month = month_index(d)
    quarter = (month - 1) // 3 + 1
    ok = (status == "approved") & (year == period.year) & np.isin(quarter, _quarter_numbers(period)) & ~np.isnan(qty)
    nips, af, at = employee_bounds(employees.drop_duplicates("nip"))
    rows = np.flatnonzero(ok)
    e = pd.Index(nips).get_indexer(activities["nip"].to_numpy(dtype=object)[rows])
    day = d[rows]
    inside = (e >= 0)
    inside[inside] = (day[inside] >= af[e[inside]]) & (day[inside] <= np.minimum(at[e[inside]], day_number(cutoff)))
    rows, e = rows[inside], e[inside]
    if len(rows) == 0:
        return empty
    ind_codes, ind_uniq = pd.factorize(activities["indicator_id"].to_numpy(dtype=object)[rows])
    n_ind = max(len(ind_uniq), 1)
    key = (e.astype("int64") * n_ind + ind_codes) * 4 + (quarter[rows] - 1)
    uniq, inv = np.unique(key, return_inverse=True)
    g = pd.DataFrame({"nip": obj(np.asarray(nips, dtype=object)[uniq // (4 * n_ind)]),
                      "indicator_id": obj(np.asarray(ind_uniq, dtype=object)[(uniq // 4) % n_ind]),
                      "quarter": (uniq % 4 + 1).astype("int64"),
                      "quantity_sum": np.bincount(inv, weights=qty[rows], minlength=len(uniq)),
                      "quantity_count": np.bincount(inv, minlength=len(uniq)).astype("float64")})
    keys = period_targets(targets, period)[["nip", "indicator_id", "quarter"]].drop_duplicates()
    g = g.merge(keys, on=["nip", "indicator_id", "quarter"])
    return g.sort_values(["nip", "indicator_id", "quarter"], kind="mergesort").reset_index(drop=True)[cols]


def capaian(realisasi, target_effective, direction, cap: float) -> np.ndarray:
    """higher → 100 × r / t; lower → 100 × (2 − r / t); floored at 0, capped at `cap`.
    NULL when realisasi is NULL or target_effective is 0."""
    ratio = safe_div(realisasi, target_effective)
    lower = np.asarray(direction, dtype=object) == "lower"
    value = np.where(lower, 100.0 * (2.0 - ratio), 100.0 * ratio)
    return np.minimum(np.maximum(value, 0.0), cap)  # NaN stays NaN


def indicator_scores(targets: pd.DataFrame, indicators: pd.DataFrame, totals: pd.DataFrame,
                     ratios: pd.DataFrame, period: Period, policy) -> pd.DataFrame:
    """Per (nip, indicator) with a target in P: target_P, target_effective, weight, realisasi, capaian.

    `totals` is `activity_totals`; `ratios` is `quarter_active_ratio`. Targets whose indicator is not in
    `indicators` cannot be scored and are left out."""
    t = period_targets(targets, period)
    ind = indicators.drop_duplicates("indicator_id")
    ind = pd.DataFrame({"indicator_id": obj(ind["indicator_id"]), "direction": obj(ind["direction"]),
                        "aggregation": obj(ind["aggregation"])})
    t = t.merge(ind, on="indicator_id").merge(ratios, on=["nip", "quarter"], how="left")
    t["prorated"] = t["target"] * t["ratio"].fillna(0.0)
    g = t.groupby(["nip", "indicator_id"], sort=True).agg(
        direction=("direction", "first"), aggregation=("aggregation", "first"),
        target_sum=("target", "sum"), target_mean=("target", "mean"), prorated=("prorated", "sum"),
        weight=("weight", "sum")).reset_index()
    is_mean = (g["aggregation"] == "mean").to_numpy()
    g["target_p"] = np.where(is_mean, g["target_mean"], g["target_sum"])
    g["target_effective"] = np.where(is_mean, g["target_mean"], g["prorated"])
    if len(totals):
        tot = totals.groupby(["nip", "indicator_id"])[["quantity_sum", "quantity_count"]].sum().reset_index()
        g = g.merge(tot, on=["nip", "indicator_id"], how="left")
    else:
        g["quantity_sum"] = np.nan
        g["quantity_count"] = np.nan
    qsum = g["quantity_sum"].fillna(0.0).to_numpy()
    qcount = g["quantity_count"].fillna(0.0).to_numpy()
    g["realisasi"] = np.where(is_mean, safe_div(qsum, qcount), qsum)
    g["capaian"] = capaian(g["realisasi"], g["target_effective"], g["direction"], policy.hasil_kerja.capaian_cap)
    g["period"] = period.code
    return g[["period", "nip", "indicator_id", "direction", "aggregation", "target_p", "target_effective",
              "realisasi", "capaian", "weight"]]


ACTIVITY_MONTHLY_COLUMNS = ["month", "unit_code", "indicator_id", "employees", "realisasi", "target_share",
                            "capaian"]


def empty_activity_monthly() -> pd.DataFrame:
    return pd.DataFrame({"month": pd.Series([], dtype=object), "unit_code": pd.Series([], dtype=object),
                         "indicator_id": pd.Series([], dtype=object), "employees": pd.Series([], dtype="int64"),
                         "realisasi": pd.Series([], dtype="float64"),
                         "target_share": pd.Series([], dtype="float64"),
                         "capaian": pd.Series([], dtype="float64")})


def activity_monthly(activities: pd.DataFrame, targets: pd.DataFrame, indicators: pd.DataFrame,
                     employees: pd.DataFrame, holidays: pd.DataFrame, month_units: pd.DataFrame, month: Period,
                     cutoff: date, policy) -> pd.DataFrame:
    """Activity volume against the month's share of the quarterly targets, per unit and indicator (monthly
    accountability report).

    Employees: those with at least one active working day in the month (up to the cut-off), a unit for
    the month (`month_units`: nip, unit_code) and a target of the month's quarter for an indicator in
    `indicators`. Per (unit, indicator):
    - realisasi: the approved activities of the month counted by `activity_totals` (active dates, cut-off,
      only against a target), summed (sum indicators) or their mean (mean indicators; NULL without any);
    - target_share: Σ target × active working days in the month (up to the cut-off) / working days of the
      whole quarter (sum indicators; over a complete quarter the months add up to §3's target_effective),
      or the mean of the targets (mean indicators);
    - capaian: `capaian` of §3 (higher / lower, floored at 0, capped at hasil_kerja.capaian_cap).
    Rows with unit_code NULL are the organisation (every employee with a unit). Columns
    `ACTIVITY_MONTHLY_COLUMNS`."""
    if targets.empty or indicators.empty or employees.empty or month_units.empty:
        return empty_activity_monthly()
    employees = employees.drop_duplicates("nip")
    start, end = day_number(month.start), day_number(month.end)
    days = day_numbers(activities["activity_date"], fill=int(OPEN_END))
    totals = activity_totals(activities[(days >= start) & (days <= end)], targets, employees, month, cutoff)

    active = active_working_days(employees, month.start, month.end, cutoff, holidays, policy)
    active = active[active["active_workdays"] > 0]
    (quarter,) = month.quarters()
    quarter_days = len(working_day_numbers(quarter.start, quarter.end, holidays, policy))
    share = pd.DataFrame({"nip": obj(active["nip"]),
                          "ratio": safe_div(active["active_workdays"].to_numpy(), quarter_days)})
    units = month_units[month_units["unit_code"].notna()].drop_duplicates("nip")
    units = pd.DataFrame({"nip": obj(units["nip"]), "unit_code": obj(units["unit_code"])})

    ind = indicators.drop_duplicates("indicator_id")
    ind = pd.DataFrame({"indicator_id": obj(ind["indicator_id"]), "direction": obj(ind["direction"]),
                        "aggregation": obj(ind["aggregation"])})
    t = period_targets(targets, month).merge(ind, on="indicator_id").merge(share, on="nip").merge(units, on="nip")
    if t.empty:
        return empty_activity_monthly()
    if len(totals):
        t = t.merge(totals[["nip", "indicator_id", "quarter", "quantity_sum", "quantity_count"]],
                    on=["nip", "indicator_id", "quarter"], how="left")
    else:
        t["quantity_sum"] = np.nan
        t["quantity_count"] = np.nan
    t["prorated"] = t["target"] * t["ratio"].fillna(0.0)
    t["quantity_sum"] = t["quantity_sum"].fillna(0.0)
    t["quantity_count"] = t["quantity_count"].fillna(0.0)

    def per(keys: list[str]) -> pd.DataFrame:
        g = t.groupby(keys, sort=True).agg(
            employees=("nip", "nunique"), direction=("direction", "first"), aggregation=("aggregation", "first"),
            prorated=("prorated", "sum"), target_mean=("target", "mean"), qsum=("quantity_sum", "sum"),
            qcount=("quantity_count", "sum")).reset_index()
        is_mean = (g["aggregation"] == "mean").to_numpy()
        g["realisasi"] = np.where(is_mean, safe_div(g["qsum"], g["qcount"]), g["qsum"])
        g["target_share"] = np.where(is_mean, g["target_mean"], g["prorated"])
        g["capaian"] = capaian(g["realisasi"], g["target_share"], g["direction"], policy.hasil_kerja.capaian_cap)
        return g

    by_unit = per(["unit_code", "indicator_id"])
    org = per(["indicator_id"])
    org["unit_code"] = None
    out = pd.concat([by_unit, org], ignore_index=True)
    out["month"] = month.code
    out["unit_code"] = obj(out["unit_code"])
    out["indicator_id"] = obj(out["indicator_id"])
    out["employees"] = out["employees"].astype("int64")
    for col in ("realisasi", "target_share", "capaian"):
        out[col] = out[col].astype("float64")
    out["_org"] = out["unit_code"].isna()
    out = out.sort_values(["_org", "unit_code", "indicator_id"], kind="mergesort", na_position="last")
    return out.reset_index(drop=True)[ACTIVITY_MONTHLY_COLUMNS]


def hasil_kerja_score(indicators: pd.DataFrame, policy) -> pd.DataFrame:
    """Σ weight × capaian / Σ weight over indicators with non-NULL capaian (NULL when none) and its rating.
    Columns nip, hasil_kerja_score, hasil_kerja_rating."""
    if indicators.empty:
        return pd.DataFrame({"nip": pd.Series([], dtype=object), "hasil_kerja_score": pd.Series([], dtype="float64"),
                             "hasil_kerja_rating": pd.Series([], dtype=object)})
    ok = indicators["capaian"].notna()
    w = indicators["weight"].where(ok, 0.0)
    frame = pd.DataFrame({"nip": indicators["nip"].to_numpy(), "wc": (w * indicators["capaian"].fillna(0.0)).to_numpy(),
                          "w": w.to_numpy()})
    g = frame.groupby("nip", sort=True)[["wc", "w"]].sum()
    score = safe_div(g["wc"].to_numpy(), g["w"].to_numpy())
    return pd.DataFrame({"nip": g.index.astype(object), "hasil_kerja_score": score,
                         "hasil_kerja_rating": rating(score, policy.hasil_kerja.above_min,
                                                      policy.hasil_kerja.meets_min)})
