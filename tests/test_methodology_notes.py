"""The choices of docs/methodology-notes.md where methodology.md leaves room, one test each."""
from datetime import date

import numpy as np
import pandas as pd
import pytest

from kinerja.methodology import score_period
from kinerja.methodology.attendance import band_of
from kinerja.methodology.awards import award_candidates, calibration_flags
from kinerja.methodology.calendar import work_schedule
from kinerja.methodology.ikm import survey_totals
from kinerja.methodology.perilaku import perilaku_scores, rater_type_scores
from kinerja.methodology._common import day_number
from kinerja.periods import Period
from tests.test_methodology_support import (NIP_A, NIP_SUP, POLICY, assignment, employee, feedback_rows, frame,
                                            holidays, inputs, seconds)

Q1 = Period.quarter(2026, 1)


def test_minutes_above_a_bounded_last_band_stay_in_the_last_band():
    att = POLICY.attendance.model_copy(update={"bands": [(30, 0.5), (60, 1.0)], "missing_time_band": 2})
    pol = POLICY.model_copy(update={"attendance": att})
    assert band_of([0, 30, 31, 60, 61, 500], pol).tolist() == [0, 1, 2, 2, 2, 2]


def test_schedule_tie_on_valid_from_takes_the_most_lenient_hours():
    ws = frame("work_schedules", [
        {"valid_from": "2026-01-01", "valid_to": "2026-01-31", "weekday": 1, "start_time": "08:00", "end_time": "15:00"},
        {"valid_from": "2026-01-01", "valid_to": "2026-01-31", "weekday": 1, "start_time": "08:30", "end_time": "14:30"},
        {"valid_from": "2026-01-01", "valid_to": None, "weekday": 1, "start_time": "07:00", "end_time": "17:00"}])
    st, et = work_schedule(np.array([day_number(date(2026, 1, 5))]), ws, POLICY)
    assert (st[0], et[0]) == (seconds("07:00"), seconds("17:00"))  # NULL valid_to is open, hence the latest
    st, et = work_schedule(np.array([day_number(date(2026, 1, 5))]), ws.iloc[:2], POLICY)
    assert (st[0], et[0]) == (seconds("08:30"), seconds("14:30"))


def test_self_score_only_when_the_self_type_is_kept():
    stats = pd.DataFrame({"ratee_nip": ["A", "A"], "rater_type": ["supervisor", "self"], "raters": [1, 1],
                          "ratings": [2, 2], "score_sum": [8, 10]})
    per = POLICY.perilaku.model_copy(update={"min_raters": dict(POLICY.perilaku.min_raters, self=2)})
    pol = POLICY.model_copy(update={"perilaku": per})
    p = perilaku_scores(rater_type_scores(stats, Q1, pol), pol).iloc[0]
    assert np.isnan(p["self_score"]) and p["perilaku_score"] == 4.0


def test_self_with_a_positive_weight_enters_perilaku_like_any_type():
    stats = pd.DataFrame({"ratee_nip": ["A", "A"], "rater_type": ["supervisor", "self"], "raters": [1, 1],
                          "ratings": [1, 1], "score_sum": [3, 5]})
    per = POLICY.perilaku.model_copy(update={"rater_weights": dict(POLICY.perilaku.rater_weights, self=0.5)})
    pol = POLICY.model_copy(update={"perilaku": per})
    assert perilaku_scores(rater_type_scores(stats, Q1, pol), pol).iloc[0]["perilaku_score"] == 4.0


def test_no_feedback_is_decided_on_rows_not_weights():
    # public rows only (kept, weight 0.2) but no supervisor: the reason is no_supervisor_feedback, not no_feedback
    fb = []
    for r in range(5):
        fb += feedback_rows(NIP_A, "public", f"T{r}", [4])
    data = inputs(holidays=holidays(), employees=[employee()], assignments=[assignment()], feedback=fb,
                  indicators=[{"indicator_id": "S", "name": "s", "uom": "x", "direction": "higher", "aggregation": "sum"}],
                  targets=[{"nip": NIP_A, "indicator_id": "S", "year": 2026, "quarter": 1, "target": 1, "weight": 1}])
    e = score_period(data, Q1, date(2026, 4, 5), POLICY).employee_scores.iloc[0]
    assert e["not_rated_reason"] == "no_supervisor_feedback"


def test_comments_exclude_self_blank_and_types_below_min_comment_raters():
    fb = feedback_rows(NIP_A, "supervisor", NIP_SUP, [4], comment="atasan")
    fb += feedback_rows(NIP_A, "self", NIP_A, [5], comment="saya")
    for r, c in (("P1", "  "), ("P2", "<b>rekan</b>"), ("P3", None)):
        fb += feedback_rows(NIP_A, "peer", r, [4], comment=c)
    data = inputs(holidays=holidays(), employees=[employee()], assignments=[assignment()], feedback=fb)
    c = score_period(data, Q1, date(2026, 4, 5), POLICY).feedback_comments
    assert c[["rater_type", "comment"]].values.tolist() == [["peer", "<b>rekan</b>"]]
    assert list(c.columns) == ["period", "nip", "rater_type", "aspect", "comment"]


def test_survey_responses_after_the_cutoff_are_ignored():
    rows = [{"response_id": str(i), "unit_code": "U", "service": "s", "response_date": d,
             **{f"u{k}": 4 for k in range(1, 10)}} for i, d in enumerate(["2026-02-01", "2026-03-20"])]
    t = survey_totals(frame("survey_responses", rows), Q1, date(2026, 3, 1))
    assert t["responses"].tolist() == [1]


def test_employees_without_unit_compete_for_awards_as_one_group():
    s = pd.DataFrame({"period": "2026-Q1", "nip": ["A", "B"], "unit_code": [None, None],
                      "predikat": ["sangat_baik", "sangat_baik"], "nilai_akhir": [99.0, 100.0]})
    a = award_candidates(s, POLICY)
    assert a["nip"].tolist() == ["B"] and a["unit_code"].tolist() == [None]


def test_harsh_supervisors_are_flagged_too_and_no_flags_without_spread():
    sup = pd.DataFrame({"rater_id": ["S0"] + [f"S{i}" for i in range(1, 11)],
                        "score": [1.0] + [4.0, 4.1, 3.9, 4.0, 4.2, 3.8, 4.0, 4.1, 3.9, 4.0]})
    empty = pd.DataFrame({"period": [], "nip": [], "unit_code": [], "predikat": [], "nilai_akhir": [],
                          "self_score": [], "perilaku_score": []})
    f = calibration_flags(empty, sup, POLICY, "2026-Q1")
    assert f["nip"].tolist() == ["S0"] and f["value"].iloc[0] < 0
    same = pd.DataFrame({"rater_id": ["S1", "S2", "S3"], "score": [4.0, 4.0, 4.0]})
    assert calibration_flags(empty, same, POLICY, "2026-Q1").empty
    lone = pd.DataFrame({"rater_id": ["S0", "S1", "S2", "S3"], "score": [1.0, 4.0, 4.0, 4.0]})
    assert calibration_flags(empty, lone, POLICY, "2026-Q1").empty  # the others' SD is 0: z undefined


def test_duplicate_used_attendance_rows_first_one_wins():
    from kinerja.methodology import score_month
    rows = [{"nip": NIP_A, "work_date": "2026-01-05", "check_in": "07:30", "check_out": "16:00", "status": "HD"},
            {"nip": NIP_A, "work_date": "2026-01-05", "check_in": None, "check_out": None, "status": "TK"}]
    data = inputs(employees=[employee(active_from="2026-01-05", active_to="2026-01-05")], attendance=rows)
    m = score_month(data, Period.month(2026, 1), date(2026, 2, 1), POLICY).attendance_monthly.iloc[0]
    assert (m["present_days"], m["tk_days"], m["deduction_pct"]) == (1, 0, 0.0)
    assert m["unit_code"] is None


def test_cutoff_before_the_period_gives_empty_results():
    data = inputs(holidays=holidays(), employees=[employee()], assignments=[assignment()])
    res = score_period(data, Period.quarter(2026, 2), date(2026, 3, 31), POLICY)
    assert res.employee_scores.empty and res.attendance_monthly.empty and res.unit_scores.empty


@pytest.mark.parametrize("share, rated, quota", [(0.10, 10, 1), (0.10, 11, 2), (0.10, 1, 1), (0.3, 10, 3)])
def test_award_quota_rounds_up_after_rounding_to_9_decimals(share, rated, quota):
    pub = POLICY.publishing.model_copy(update={"award_top_share": share})
    pol = POLICY.model_copy(update={"publishing": pub})
    s = pd.DataFrame({"period": "P", "nip": [f"N{i:02d}" for i in range(rated)], "unit_code": "U",
                      "predikat": "sangat_baik", "nilai_akhir": 90.0})
    assert len(award_candidates(s, pol)) == quota
