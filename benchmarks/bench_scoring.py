"""Benchmark of the scoring engine: 15,000 employees × one year, built in memory (seeded numpy).

Times score_period for the year and for a quarter, and score_month, on the typed input frames
(attendance of every working day, activities, targets, feedback, survey responses), and separately the
named aggregation step (`period_aggregates`) and scoring from ready aggregates (what a SQL pushdown
path would leave to pandas). Target: the year in at most 10 s.

    .venv/bin/python benchmarks/bench_scoring.py [--employees 15000]
"""
from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np
import pandas as pd

from kinerja.methodology import ScoringInputs, period_aggregates, score_month, score_period
from kinerja.methodology.calendar import working_day_numbers
from kinerja.methodology._common import days_to_datetime
from kinerja.periods import Period
from kinerja.policy import ASPECTS, load_policy

YEAR = 2026
HOLIDAYS = ["2026-01-01", "2026-01-16", "2026-02-17", "2026-03-18", "2026-03-19", "2026-03-20", "2026-04-03",
            "2026-05-01", "2026-05-14", "2026-05-27", "2026-05-28", "2026-06-01", "2026-06-16", "2026-08-17",
            "2026-08-25", "2026-12-24", "2026-12-25"]


def build(n_emp: int, seed: int = 20260101) -> ScoringInputs:
    rng = np.random.default_rng(seed)
    policy = load_policy()
    nips = np.array([f"{19700101 + i % 9000:08d}{200001 + i:06d}1{i % 1000:03d}" for i in range(n_emp)], dtype=object)
    n_units = max(1, n_emp // 100)
    units = np.array([f"U{u:04d}" for u in range(n_units)], dtype=object)
    af = np.where(rng.random(n_emp) < 0.05, rng.integers(0, 300, n_emp), -2000)
    at = np.where(rng.random(n_emp) < 0.03, rng.integers(100, 364, n_emp), -1)
    base = np.datetime64(f"{YEAR}-01-01")
    employees = pd.DataFrame({
        "nip": nips, "name": "x", "employment_type": "PNS", "grade": "III/a",
        "active_from": (base + af.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "active_to": pd.Series((base + at.astype("timedelta64[D]")).astype("datetime64[ns]")).where(at >= 0)})
    emp_unit = rng.integers(0, n_units, n_emp)
    transfer = rng.random(n_emp) < 0.05
    assignments = pd.concat([
        pd.DataFrame({"nip": nips, "unit_code": units[emp_unit], "position": "staf",
                      "supervisor_nip": nips[(np.arange(n_emp) // 10) * 10],
                      "valid_from": pd.Timestamp("2015-01-01"),
                      "valid_to": pd.Series(pd.Timestamp("2026-06-30"), index=range(n_emp)).where(transfer)}),
        pd.DataFrame({"nip": nips[transfer], "unit_code": units[(emp_unit[transfer] + 1) % n_units],
                      "position": "staf", "supervisor_nip": None, "valid_from": pd.Timestamp("2026-07-01"),
                      "valid_to": pd.NaT}),
    ], ignore_index=True)
    holidays = pd.DataFrame({"holiday_date": pd.to_datetime(HOLIDAYS).astype("datetime64[ns]"), "name": "libur",
                             "kind": "national"})
    wd = working_day_numbers(date(YEAR, 1, 1), date(YEAR, 12, 31), holidays, policy)
    # attendance: every working day, 2 % missing rows, statuses mostly HD
    e_idx = np.repeat(np.arange(n_emp), len(wd))
    d_idx = np.tile(wd, n_emp)
    keep = rng.random(len(e_idx)) > 0.02
    e_idx, d_idx = e_idx[keep], d_idx[keep]
    n = len(e_idx)
    status = rng.choice(np.array(["HD", "DL", "TK", "CT", "CS"], dtype=object), n, p=[0.9, 0.03, 0.01, 0.04, 0.02])
    check_in = 27000 + rng.normal(0, 900, n).round()
    check_out = 57600 + rng.normal(900, 1200, n).round()
    check_in[rng.random(n) < 0.01] = np.nan
    attendance = pd.DataFrame({"nip": nips[e_idx], "work_date": days_to_datetime(d_idx), "check_in": check_in,
                               "check_out": check_out, "status": status})
    # indicators, targets (4 per employee per quarter), activities (~8 per target-quarter)
    n_ind = 200
    indicators = pd.DataFrame({"indicator_id": [f"IND{i:03d}" for i in range(n_ind)], "unit_code": None, "name": "x",
                               "uom": "dokumen", "direction": np.where(np.arange(n_ind) % 5 == 0, "lower", "higher"),
                               "aggregation": np.where(np.arange(n_ind) % 4 == 0, "mean", "sum")})
    t_emp = np.repeat(np.arange(n_emp), 16)
    t_q = np.tile(np.repeat(np.arange(1, 5), 4), n_emp)
    t_ind = (np.tile(np.tile(np.arange(4), 4), n_emp) + t_emp * 7) % n_ind
    targets = pd.DataFrame({"nip": nips[t_emp], "indicator_id": indicators["indicator_id"].to_numpy()[t_ind],
                            "year": float(YEAR), "quarter": t_q.astype("float64"),
                            "target": rng.integers(10, 60, len(t_emp)).astype("float64"), "weight": 25.0})
    a_rep = 8
    a_src = np.repeat(np.arange(len(targets)), a_rep)
    a_day = (t_q[a_src] - 1) * 91 + rng.integers(0, 90, len(a_src))
    activities = pd.DataFrame({"activity_id": np.arange(len(a_src)).astype(str).astype(object),
                               "nip": targets["nip"].to_numpy()[a_src], "activity_date": days_to_datetime(
                                   wd[0] - 1 + a_day + 1),
                               "indicator_id": targets["indicator_id"].to_numpy()[a_src],
                               "quantity": rng.integers(0, 10, len(a_src)).astype("float64"), "minutes": 60.0,
                               "status": rng.choice(np.array(["approved", "pending", "rejected"], dtype=object),
                                                    len(a_src), p=[0.85, 0.1, 0.05]),
                               "description": None})
    # feedback: per employee and quarter 1 supervisor, 3 peers, 5 public raters, self; 3 aspects each
    types = ["supervisor", "peer", "peer", "peer", "public", "public", "public", "public", "public", "self"]
    per = len(types) * 3
    f_emp = np.repeat(np.arange(n_emp), 4 * per)
    f_q = np.tile(np.repeat(np.arange(1, 5), per), n_emp)
    f_slot = np.tile(np.arange(per), n_emp * 4)
    f_type = np.array(types, dtype=object)[f_slot // 3]
    rater = np.where(f_type == "supervisor", nips[(f_emp // 10) * 10],
                     np.char.add("R", (f_slot // 3 + f_emp * 11).astype(str)).astype(object))
    feedback = pd.DataFrame({"feedback_id": np.arange(len(f_emp)).astype(str).astype(object),
                             "ratee_nip": nips[f_emp], "rater_id": rater, "rater_type": f_type,
                             "year": float(YEAR), "quarter": f_q.astype("float64"),
                             "aspect": np.array(ASPECTS, dtype=object)[(f_slot + f_emp) % 7],
                             "score": rng.integers(2, 6, len(f_emp)).astype("float64"),
                             "comment": np.where(rng.random(len(f_emp)) < 0.05, "komentar", None),
                             "submitted_at": pd.Timestamp("2026-12-01")})
    n_resp = n_units * 120
    survey = pd.DataFrame({"response_id": np.arange(n_resp).astype(str).astype(object),
                           "unit_code": units[rng.integers(0, n_units, n_resp)], "service": "x",
                           "response_date": days_to_datetime(wd[rng.integers(0, len(wd), n_resp)]),
                           **{f"u{i}": rng.integers(1, 5, n_resp).astype("float64") for i in range(1, 10)}})
    frames = dict(units=pd.DataFrame({"unit_code": units, "name": "x", "parent_code": None, "kind": "dinas"}),
                  employees=employees, assignments=assignments, holidays=holidays, attendance=attendance,
                         indicators=indicators, targets=targets, activities=activities, feedback=feedback,
                         survey_responses=survey)
    # Typed frame convention: TEXT columns are object dtype with None (as validation hands them over).
    for name, f in frames.items():
        for col in f.columns:
            if f[col].dtype == "str":
                f[col] = f[col].astype(object).where(f[col].notna(), None)
    return ScoringInputs(**frames)


def timed(label: str, fn, repeat: int = 1):
    """Best wall time and its CPU time over `repeat` runs (the machine may be shared: CPU time is the
    steadier figure)."""
    best = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        best = (wall, cpu) if best is None or wall < best[0] else best
    print(f"{label:<38} wall {best[0]:6.2f} s   cpu {best[1]:6.2f} s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=15000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    policy = load_policy()
    inputs = timed(f"build inputs ({args.employees} employees)", lambda: build(args.employees))
    print(f"  attendance {len(inputs.attendance):,} rows, activities {len(inputs.activities):,}, "
          f"feedback {len(inputs.feedback):,}, targets {len(inputs.targets):,}")
    cutoff = date(YEAR + 1, 1, 5)
    r = args.repeat
    year = timed("score_period year 2026", lambda: score_period(inputs, Period.of_year(YEAR), cutoff, policy), r)
    agg = timed("  of which period_aggregates (year)",
                lambda: period_aggregates(inputs, Period.of_year(YEAR), cutoff, policy), r)
    timed("  score_period year from aggregates",
          lambda: score_period(inputs, Period.of_year(YEAR), cutoff, policy, aggregates=agg), r)
    timed("score_period quarter 2026-Q2", lambda: score_period(inputs, Period.quarter(YEAR, 2), cutoff, policy), r)
    timed("score_month 2026-12 (YTD discipline)",
          lambda: score_month(inputs, Period.month(YEAR, 12), cutoff, policy), r)
    print("  year: employees", len(year.employee_scores), "predikat",
          year.employee_scores["predikat"].value_counts().to_dict())


if __name__ == "__main__":
    main()
