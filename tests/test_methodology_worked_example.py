"""The worked example of methodology.md (quarter 2026-Q1, default policy), to 1e-9 of the exact values."""
from datetime import date

import pytest

from kinerja.methodology import score_period
from kinerja.methodology.calendar import working_days
from kinerja.periods import Period
from tests.test_methodology_support import (NIP_A, NIP_SUP, POLICY, assignment, employee, feedback_rows, frame,
                                            holidays, inputs, present, workdays)

Q1 = Period.quarter(2026, 1)
CUTOFF = date(2026, 4, 5)


def worked_example_inputs():
    att = []
    for d in workdays("2026-01-01", "2026-03-31"):
        row = present(NIP_A, d)
        if d == date(2026, 1, 5):
            row["check_in"] = "07:30:01"        # 1 minute late -> TL1 0.5 %
        if d == date(2026, 1, 6):
            row["check_in"] = "09:01"            # 91 minutes -> TL4 1.5 %
        if d == date(2026, 2, 2):
            row["check_out"] = "15:30"           # 30 minutes early (Monday ends 16:00) -> PSW1 0.5 %
        if d.isoweekday() in (1, 2, 3, 4) and d not in (date(2026, 2, 2),):
            row["check_out"] = "16:00"
        att.append(row)
    fb = feedback_rows(NIP_A, "supervisor", NIP_SUP, [4, 4, 4, 4, 5], comment="bagus")
    fb += feedback_rows(NIP_A, "peer", "P1", [4, 4, 4, 3], comment="ok")
    fb += feedback_rows(NIP_A, "peer", "P2", [4, 4, 4])
    fb += feedback_rows(NIP_A, "peer", "P3", [4, 4, 4])
    for i in range(6):
        fb += feedback_rows(NIP_A, "public", f"T{i}", [5, 5, 5, 4, 4])
    fb += feedback_rows(NIP_A, "self", NIP_A, [5, 5, 5, 5, 5, 5, 5])
    return inputs(
        holidays=holidays(),
        employees=[employee()],
        assignments=[assignment()],
        attendance=att,
        indicators=[{"indicator_id": "I1", "name": "izin", "uom": "dokumen", "direction": "higher", "aggregation": "sum"},
                    {"indicator_id": "I2", "name": "tunggu", "uom": "menit", "direction": "lower", "aggregation": "mean"}],
        targets=[{"nip": NIP_A, "indicator_id": "I1", "year": 2026, "quarter": 1, "target": 30, "weight": 60},
                 {"nip": NIP_A, "indicator_id": "I2", "year": 2026, "quarter": 1, "target": 20, "weight": 40}],
        activities=[
            {"activity_id": "a1", "nip": NIP_A, "activity_date": "2026-01-10", "indicator_id": "I1", "quantity": 20, "status": "approved"},
            {"activity_id": "a2", "nip": NIP_A, "activity_date": "2026-02-10", "indicator_id": "I1", "quantity": 13, "status": "approved"},
            {"activity_id": "a3", "nip": NIP_A, "activity_date": "2026-02-11", "indicator_id": "I1", "quantity": 50, "status": "pending"},
            {"activity_id": "a4", "nip": NIP_A, "activity_date": "2026-01-12", "indicator_id": "I2", "quantity": 25, "status": "approved"},
            {"activity_id": "a5", "nip": NIP_A, "activity_date": "2026-03-12", "indicator_id": "I2", "quantity": 27, "status": "approved"},
            {"activity_id": "a6", "nip": NIP_A, "activity_date": "2026-03-13", "indicator_id": "I2", "quantity": 99, "status": "rejected"},
        ],
        feedback=fb,
    )


@pytest.fixture(scope="module")
def result():
    return score_period(worked_example_inputs(), Q1, CUTOFF, POLICY)


def test_q1_2026_has_58_working_days():
    assert len(working_days(Q1.start, Q1.end, frame("holidays", holidays()), POLICY)) == 58


def test_worked_example_employee_scores(result):
    row = result.employee_scores.set_index("nip").loc[NIP_A]
    assert row["active_workdays"] == 58 and row["prorate_factor"] == pytest.approx(1.0, abs=1e-12)
    assert row["hasil_kerja_score"] == pytest.approx(94.0, abs=1e-9)
    assert row["hasil_kerja_rating"] == "sesuai"
    assert row["perilaku_score"] == pytest.approx(3.8 / 0.9, abs=1e-9)
    assert row["perilaku_rating"] == "di_atas"
    assert row["self_score"] == pytest.approx(5.0, abs=1e-12)
    assert row["disiplin_score"] == pytest.approx(100 - 2.5 / 3, abs=1e-9)
    assert row["predikat"] == "baik" and row["not_rated_reason"] is None
    assert row["nilai_akhir"] == pytest.approx(56.4 + 0.3 * 24 * 3.8 / 0.9 + 0.1 * (100 - 2.5 / 3), abs=1e-9)
    assert row["nilai_akhir"] == pytest.approx(96.716666666666667, abs=1e-9)
    assert row["unit_code"] == "DISHUB" and row["supervisor_nip"] == NIP_SUP


def test_worked_example_capaian_110_and_70(result):
    ind = result.indicator_scores.set_index("indicator_id")
    assert ind.loc["I1", "capaian"] == pytest.approx(110.0, abs=1e-9)
    assert ind.loc["I1", "realisasi"] == 33 and ind.loc["I1", "target_effective"] == 30
    assert ind.loc["I2", "realisasi"] == pytest.approx(26.0, abs=1e-12)
    assert ind.loc["I2", "capaian"] == pytest.approx(70.0, abs=1e-9)
    assert list(ind["weight"]) == [60.0, 40.0]


def test_worked_example_rater_types_and_deductions(result):
    rts = result.rater_type_scores.set_index("rater_type")
    assert rts.loc["supervisor", "score"] == pytest.approx(4.2, abs=1e-12)
    assert rts.loc["peer", "score"] == pytest.approx(3.9, abs=1e-12) and rts.loc["peer", "raters"] == 3
    assert rts.loc["public", "score"] == pytest.approx(4.6, abs=1e-12) and rts.loc["public", "raters"] == 6
    assert rts["kept"].tolist() == [1, 1, 1, 1]
    months = result.attendance_monthly.set_index("month")
    assert months["deduction_pct"].tolist() == [2.0, 0.5, 0.0]
    assert months.loc["2026-01", "tl1"] == 1 and months.loc["2026-01", "tl4"] == 1
    assert months.loc["2026-01", "late_minutes"] == 92 and months.loc["2026-02", "early_minutes"] == 30
    assert months["workdays"].sum() == 58 and (months["attendance_rate"] == 1.0).all()


def test_worked_example_comments_respect_min_comment_raters(result):
    c = result.feedback_comments
    # supervisor has 1 rater (< min_comment_raters 3), self is never shown; P1 wrote on its 4 rows
    assert c["rater_type"].tolist() == ["peer"] * 4 and set(c["comment"]) == {"ok"}
    assert "rater_id" not in c.columns
