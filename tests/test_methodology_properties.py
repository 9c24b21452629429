"""Property-based tests (hypothesis): order independence, zero-weight rater types, proration, monotonicity."""
from dataclasses import fields
from datetime import date

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinerja.methodology import ScoringInputs, score_month, score_period
from kinerja.methodology.hasil_kerja import capaian
from kinerja.periods import Period
from tests.test_methodology_support import (NIP_SUP, POLICY, assignment, employee, feedback_rows, holidays, inputs,
                                            present, workdays)

Q1 = Period.quarter(2026, 1)
CUTOFF = date(2026, 4, 5)
FAST = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NIPS = ["N1", "N2", "N3"]


def scenario() -> ScoringInputs:
    att = []
    for i, nip in enumerate(NIPS):
        for k, d in enumerate(workdays("2026-01-01", "2026-03-31")):
            status = ["HD", "HD", "HD", "DL", "TK", "CT", "HD"][(k + i) % 7]
            att.append(present(nip, d, check_in=["07:29", "07:45", "08:40", None][(k * 3 + i) % 4],
                               check_out=["16:30", "15:00", None, "16:31"][(k + i) % 4], status=status))
    fb = []
    for nip in NIPS:
        fb += feedback_rows(nip, "supervisor", NIP_SUP, [4, 5, 3, 4], comment="baik")
        for r, scores in (("P1", [3, 4]), ("P2", [5, 4, 4]), ("P3", [2])):
            fb += feedback_rows(nip, "peer", r, scores, comment="rekan")
        fb += feedback_rows(nip, "self", nip, [5, 5])
    return inputs(
        holidays=holidays(), employees=[employee(n, active_from=f) for n, f in zip(NIPS, ["2020-01-01", "2026-02-09", "2020-01-01"])],
        assignments=[assignment("N1", "U1"), assignment("N2", "U2"), assignment("N3", "U1", valid_to="2026-02-15"),
                     assignment("N3", "U2", valid_from="2026-02-16")],
        attendance=att, unknown_days=[{"nip": "N1", "work_date": "2026-01-07"}],
        indicators=[{"indicator_id": "S", "name": "s", "uom": "x", "direction": "higher", "aggregation": "sum"},
                    {"indicator_id": "M", "name": "m", "uom": "x", "direction": "lower", "aggregation": "mean"}],
        targets=[{"nip": n, "indicator_id": i, "year": 2026, "quarter": 1, "target": t, "weight": 50}
                 for n in NIPS for i, t in (("S", 40), ("M", 10))],
        activities=[{"activity_id": f"{n}{i}{k}", "nip": n, "activity_date": f"2026-0{1 + k % 3}-1{k % 9}",
                     "indicator_id": i, "quantity": q + k, "status": "approved"}
                    for n in NIPS for i, q in (("S", 3), ("M", 8)) for k in range(6)],
        feedback=fb,
        survey_responses=[{"response_id": f"r{k}", "unit_code": "U1", "service": "s", "response_date": "2026-02-02",
                           **{f"u{j}": 1 + (k + j) % 4 for j in range(1, 10)}} for k in range(12)],
    )


BASE = scenario()
BASE_PERIOD = score_period(BASE, Q1, CUTOFF, POLICY)
BASE_MONTH = score_month(BASE, Period.month(2026, 2), CUTOFF, POLICY)


def shuffled(data: ScoringInputs, seed: int) -> ScoringInputs:
    rng = np.random.default_rng(seed)
    return ScoringInputs(**{f.name: getattr(data, f.name).iloc[rng.permutation(len(getattr(data, f.name)))]
                            .reset_index(drop=True) for f in fields(data)})


def assert_same(a, b):
    for f in fields(a):
        pd.testing.assert_frame_equal(getattr(a, f.name), getattr(b, f.name), check_exact=False, rtol=0, atol=1e-9)


def test_scenario_is_rich_enough():
    e = BASE_PERIOD.employee_scores
    assert len(e) == 3 and e["nilai_akhir"].notna().all() and len(BASE_PERIOD.feedback_comments) > 0
    assert len(BASE_MONTH.discipline_alerts) == 2  # N2 started 9 Feb with fewer TK days


@FAST
@given(st.integers(0, 2**32 - 1))
def test_permuting_input_rows_changes_nothing(seed):
    data = shuffled(BASE, seed)
    assert_same(score_period(data, Q1, CUTOFF, POLICY), BASE_PERIOD)
    assert_same(score_month(data, Period.month(2026, 2), CUTOFF, POLICY), BASE_MONTH)


def _zero_weight(rater_type):
    weights = dict(POLICY.perilaku.rater_weights, **{rater_type: 0.0})
    pol = POLICY.model_copy(update={"perilaku": POLICY.perilaku.model_copy(update={"rater_weights": weights})})
    return pol, score_period(BASE, Q1, CUTOFF, pol)


ZERO_WEIGHT = {t: _zero_weight(t) for t in ("subordinate", "public")}


@FAST
@given(st.lists(st.lists(st.integers(1, 5), min_size=1, max_size=7), min_size=1, max_size=4),
       st.sampled_from(["subordinate", "public"]))
def test_adding_a_rater_type_with_weight_0_changes_nothing(raters, rater_type):
    pol, before = ZERO_WEIGHT[rater_type]
    extra = []
    for k, scores in enumerate(raters):
        extra += feedback_rows("N1", rater_type, f"X{k}", scores)
    more = inputs(feedback=extra).feedback
    data = ScoringInputs(**{f.name: getattr(BASE, f.name) for f in fields(BASE)})
    data.feedback = pd.concat([BASE.feedback, more], ignore_index=True)
    after = score_period(data, Q1, CUTOFF, pol)
    cols = ["perilaku_score", "nilai_akhir", "predikat", "not_rated_reason"]
    pd.testing.assert_frame_equal(after.employee_scores[cols], before.employee_scores[cols])
    pd.testing.assert_frame_equal(after.aspect_scores, before.aspect_scores)


@FAST
@given(st.integers(1, 57), st.integers(1, 500), st.floats(0.0, 1.5))
def test_prorated_employee_achieving_prorated_target_gets_same_capaian(offset, target, achievement):
    days = workdays("2026-01-01", "2026-03-31")
    start = days[offset]
    active = len(days) - offset
    prorated = target * active / len(days)
    ind = [{"indicator_id": "S", "name": "s", "uom": "x", "direction": "higher", "aggregation": "sum"}]
    data = inputs(holidays=holidays(), employees=[employee("FULL"), employee("PART", active_from=str(start))],
                  indicators=ind,
                  targets=[{"nip": n, "indicator_id": "S", "year": 2026, "quarter": 1, "target": target, "weight": 100}
                           for n in ("FULL", "PART")],
                  activities=[{"activity_id": "f", "nip": "FULL", "activity_date": "2026-03-31", "indicator_id": "S",
                               "quantity": achievement * target, "status": "approved"},
                              {"activity_id": "p", "nip": "PART", "activity_date": "2026-03-31", "indicator_id": "S",
                               "quantity": achievement * prorated, "status": "approved"}])
    r = score_period(data, Q1, CUTOFF, POLICY).indicator_scores.set_index("nip")
    assert abs(r.loc["PART", "target_effective"] - prorated) < 1e-9
    assert abs(r.loc["PART", "capaian"] - r.loc["FULL", "capaian"]) < 1e-9


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0.001, 1e6), st.sampled_from(["higher", "lower"]))
def test_capaian_is_monotone_in_realisasi(r1, r2, target, direction):
    lo, hi = min(r1, r2), max(r1, r2)
    c_lo, c_hi = capaian([lo, hi], [target, target], [direction] * 2, 120.0)
    assert 0 <= c_lo <= 120 and 0 <= c_hi <= 120
    assert (c_lo <= c_hi) if direction == "higher" else (c_lo >= c_hi)


def test_text_columns_as_pandas_str_dtype_give_the_same_results():
    as_str = ScoringInputs(**{f.name: getattr(BASE, f.name).astype(
        {c: "str" for c, t in getattr(BASE, f.name).dtypes.items() if t == object}) for f in fields(BASE)})
    assert_same(score_period(as_str, Q1, CUTOFF, POLICY), BASE_PERIOD)
    assert_same(score_month(as_str, Period.month(2026, 2), CUTOFF, POLICY), BASE_MONTH)
