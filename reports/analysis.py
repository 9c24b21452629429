"""Figures that reports derive from warehouse frames: awards, training needs, calibration flags, recaps.

Pure functions of DataFrames (no I/O), each named after what it finds, each following methodology.md §7–8
or policy.publishing. Calibration flags are prompts for people to review, never quotas.
"""
from __future__ import annotations

import math

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

def predikat_counts(us: pd.DataFrame) -> dict[str, int]:
    return {p: int(us[p].fillna(0).sum()) for p in PREDIKAT}


def organisation_mean_nilai(es: pd.DataFrame) -> float | None:
    vals = es["nilai_akhir"].dropna()
    return float(vals.mean()) if len(vals) else None


# --- methodology §8: awards and training needs -----------------------------------------------------

def award_candidates(es: pd.DataFrame, top_share: float) -> pd.DataFrame:
    """Per unit: sangat_baik employees by nilai_akhir desc, nip asc; the top ceil(top_share × rated), ≥ 1."""
    cols = ["unit_code", "nip", "nilai_akhir", "rank", "rated"]
    rated = es[es["predikat"].notna() & (es["predikat"] != "belum_dinilai")]
    out = []
    for unit, group in rated.groupby("unit_code", dropna=False, sort=True):
        best = group[group["predikat"] == "sangat_baik"].sort_values(["nilai_akhir", "nip"],
                                                                    ascending=[False, True])
        if best.empty:
            continue
        take = max(1, math.ceil(round(top_share * len(group), 9)))
        for rank, row in enumerate(best.head(take).itertuples(index=False), start=1):
            out.append((None if pd.isna(unit) else unit, row.nip, row.nilai_akhir, rank, len(group)))
    return pd.DataFrame(out, columns=cols)


def training_needs(aspects: pd.DataFrame, indicators: pd.DataFrame, aspect_below: float,
                   capaian_below: float) -> pd.DataFrame:
    """Rows (nip, kind, item, value): an aspect score below `aspect_below` or a capaian below `capaian_below`."""
    cols = ["nip", "kind", "item", "value"]
    a = aspects.dropna(subset=["score"])
    a = a[a["score"].round(9) < aspect_below]
    i = indicators.dropna(subset=["capaian"])
    i = i[i["capaian"].round(9) < capaian_below]
    frames = [pd.DataFrame({"nip": a["nip"], "kind": "aspect", "item": a["aspect"], "value": a["score"]}),
              pd.DataFrame({"nip": i["nip"], "kind": "indicator", "item": i["indicator_id"], "value": i["capaian"]})]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols].sort_values(["nip", "kind", "item"], ignore_index=True)


# --- calibration flags (policy.publishing.calibration) ---------------------------------------------

def unit_share_flags(us: pd.DataFrame, gap: float) -> pd.DataFrame:
    """Units whose share of sangat_baik among rated differs from the organisation's by more than `gap`."""
    cols = ["unit_code", "rated", "sangat_baik", "share", "org_share", "difference"]
    rated = us[us["rated"].fillna(0) > 0]
    total = rated["rated"].sum()
    if not total:
        return pd.DataFrame(columns=cols)
    org = float(rated["sangat_baik"].fillna(0).sum() / total)
    out = []
    for row in rated.sort_values("unit_code").itertuples(index=False):
        share = float((row.sangat_baik or 0) / row.rated)
        if round(abs(share - org), 9) > gap:
            out.append((row.unit_code, int(row.rated), int(row.sangat_baik or 0), share, org, share - org))
    return pd.DataFrame(out, columns=cols)


def supervisor_means(es: pd.DataFrame, rts: pd.DataFrame) -> pd.DataFrame:
    """Mean supervisor-type score each supervisor gave (employee_scores.supervisor_nip × rater_type_scores)."""
    sup = rts[(rts["rater_type"] == "supervisor") & rts["score"].notna()][["nip", "score"]]
    joined = es[es["supervisor_nip"].notna()][["nip", "supervisor_nip"]].merge(sup, on="nip")
    if joined.empty:
        return pd.DataFrame(columns=["supervisor_nip", "ratees", "mean_score"])
    return (joined.groupby("supervisor_nip", sort=True)
            .agg(ratees=("nip", "count"), mean_score=("score", "mean")).reset_index())


def supervisor_leniency_flags(es: pd.DataFrame, rts: pd.DataFrame, z_limit: float) -> pd.DataFrame:
    """Supervisors whose mean given score is more than `z_limit` SDs from the other supervisors' means.

    Each supervisor is compared with the others (leave-one-out), so one very lenient supervisor does not
    hide themself by inflating the spread; it needs at least two other supervisors with a non-zero spread.
    """
    cols = ["supervisor_nip", "ratees", "mean_score", "others_mean", "others_sd", "z", "direction"]
    means = supervisor_means(es, rts)
    out = []
    for i, row in means.iterrows():
        others = means["mean_score"].drop(index=i)
        if len(others) < 2:
            continue
        sd = float(others.std(ddof=1))
        if not sd:
            continue
        z = (float(row["mean_score"]) - float(others.mean())) / sd
        if round(abs(z), 9) > z_limit:
            out.append((row["supervisor_nip"], int(row["ratees"]), float(row["mean_score"]),
                        float(others.mean()), sd, z, "lenient" if z > 0 else "strict"))
    return pd.DataFrame(out, columns=cols)


def self_gap_flags(es: pd.DataFrame, gap: float) -> pd.DataFrame:
    """Employees whose self score exceeds their perilaku score (others' view) by more than `gap`."""
    cols = ["nip", "unit_code", "self_score", "perilaku_score", "gap"]
    both = es.dropna(subset=["self_score", "perilaku_score"])
    diff = both["self_score"] - both["perilaku_score"]
    hit = both[diff.round(9) > gap]
    out = pd.DataFrame({"nip": hit["nip"], "unit_code": hit["unit_code"], "self_score": hit["self_score"],
                        "perilaku_score": hit["perilaku_score"], "gap": diff[hit.index]})
    return out[cols].sort_values(["unit_code", "nip"], ignore_index=True, na_position="last")


# --- public suppression ----------------------------------------------------------------------------

def suppressed(group_size: float | None, min_group_size: int) -> bool:
    """A figure drawn from fewer than `min_group_size` employees is not published."""
    return group_size is None or (isinstance(group_size, float) and math.isnan(group_size)) \
        or int(group_size) < min_group_size


# --- data quality (kendala) ------------------------------------------------------------------------

def _examples(keys: pd.DataFrame, n: int) -> list[str]:
    return [k for k in keys["row_key"].dropna().unique() if k][:n]


def data_quality_summary(dq: pd.DataFrame, quarantine: pd.DataFrame, examples: int = 3) -> dict:
    """Per table totals, per check findings (count, severity, example keys) and the warnings."""
    totals = dq[dq["check_name"].isna()].sort_values("source_table")
    checks = dq[dq["check_name"].notna()].copy()
    findings = []
    for row in checks.sort_values(["source_table", "check_name"]).itertuples(index=False):
        keys = quarantine[(quarantine["source_table"] == row.source_table)
                          & (quarantine["check_name"] == row.check_name)]
        findings.append({
            "table": row.source_table, "check": row.check_name, "failed": row.failed,
            "severity": row.severity, "quarantined": int(len(keys)),
            "examples": _examples(keys, examples),
            "details": [d for d in keys["detail"].dropna().unique()[:examples]],
        })
    # Quarantine rows whose check has no data_quality row still get reported.
    known = {(f["table"], f["check"]) for f in findings}
    for (table, check), keys in quarantine.groupby(["source_table", "check_name"], sort=True):
        if (table, check) not in known:
            findings.append({"table": table, "check": check, "failed": float(len(keys)), "severity": None,
                             "quarantined": int(len(keys)),
                             "examples": _examples(keys, examples),
                             "details": [d for d in keys["detail"].dropna().unique()[:examples]]})
    return {
        "totals": [dict(r._asdict()) for r in totals.itertuples(index=False)],
        "findings": findings,
        "quarantined": int(len(quarantine)),
        "warnings": [f for f in findings if f["severity"] == "warning"],
        "critical": [f for f in findings if f["severity"] == "critical"],
    }


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
