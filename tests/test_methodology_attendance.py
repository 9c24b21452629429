"""§2 attendance: classification of a working day, L/E minutes, TL/PSW bands, monthly rows, disiplin."""
from datetime import date

import numpy as np
import pandas as pd
import pytest

from kinerja.methodology import score_month
from kinerja.methodology.attendance import attendance_daily, band_of, disiplin_score, minutes_between
from kinerja.periods import Period
from tests.test_methodology_support import (NIP_A, POLICY, assignment, employee, frame, holidays, inputs, present,
                                            seconds)

JAN = Period.month(2026, 1)
DAY = date(2026, 1, 5)  # a Monday: default schedule 07:30-16:00


def one_day(row: dict | None, policy=POLICY, unknown=None, schedules=None, day=DAY) -> pd.Series:
    """The attendance_monthly row of an employee active on exactly one working day."""
    data = inputs(holidays=holidays(), employees=[employee(active_from=str(day), active_to=str(day))],
                  assignments=[assignment()], attendance=[row] if row else [],
                  unknown_days=unknown or [], work_schedules=schedules or [])
    res = score_month(data, Period.month(day.year, day.month), date(2026, 12, 31), policy)
    assert len(res.attendance_monthly) == 1
    return res.attendance_monthly.iloc[0]


def policy_with(**attendance):
    return POLICY.model_copy(update={"attendance": POLICY.attendance.model_copy(update=attendance)})


@pytest.mark.parametrize("check_in, band, pct", [
    ("07:30", 0, 0.0), ("07:30:01", 1, 0.5), ("08:00", 1, 0.5), ("08:00:01", 2, 1.0), ("08:01", 2, 1.0),
    ("08:30", 2, 1.0), ("08:31", 3, 1.25), ("09:00", 3, 1.25), ("09:01", 4, 1.5), ("12:00", 4, 1.5),
    ("07:00", 0, 0.0),
])
def test_tl_band_boundaries_30_31_60_61_90_91_minutes(check_in, band, pct):
    m = one_day(present(NIP_A, DAY, check_in=check_in, check_out="16:00"))
    assert [m[f"tl{b}"] for b in (1, 2, 3, 4)] == [int(b == band) for b in (1, 2, 3, 4)]
    assert m["deduction_pct"] == pct


def test_tl_band_boundary_31_minutes_is_tl2():
    assert band_of([30, 31, 60, 61, 90, 91], POLICY).tolist() == [1, 2, 2, 3, 3, 4]


def test_0730_01_is_one_minute_late():
    assert minutes_between([seconds("07:30:01")], [seconds("07:30")]).tolist() == [1.0]
    m = one_day(present(NIP_A, DAY, check_in="07:30:01", check_out="16:00"))
    assert m["late_minutes"] == 1 and m["tl1"] == 1


@pytest.mark.parametrize("check_out, band", [("16:00", 0), ("15:59:59", 1), ("15:30", 1), ("15:29", 2),
                                             ("15:00", 2), ("14:59", 3), ("14:30", 3), ("14:29", 4)])
def test_psw_band_boundaries(check_out, band):
    m = one_day(present(NIP_A, DAY, check_in="07:30", check_out=check_out))
    assert [m[f"psw{b}"] for b in (1, 2, 3, 4)] == [int(b == band) for b in (1, 2, 3, 4)]


def test_friday_ends_1630():
    friday = date(2026, 1, 9)
    m = one_day(present(NIP_A, friday, check_in="07:30", check_out="16:00"), day=friday)
    assert m["psw1"] == 1 and m["early_minutes"] == 30


def test_missing_check_in_counts_in_missing_time_band_and_adds_no_minutes():
    m = one_day(present(NIP_A, DAY, check_in=None, check_out="16:00"))
    assert (m["tl4"], m["psw1"] + m["psw2"] + m["psw3"] + m["psw4"], m["late_minutes"]) == (1, 0, 0)
    assert m["present_days"] == 1 and m["deduction_pct"] == 1.5


def test_both_times_missing_is_tl4_psw4_not_an_absence():
    m = one_day(present(NIP_A, DAY, check_in=None, check_out=None))
    assert (m["tl4"], m["psw4"], m["tk_days"], m["present_days"]) == (1, 1, 0, 1)
    assert m["deduction_pct"] == 3.0


def test_missing_time_band_follows_policy():
    m = one_day(present(NIP_A, DAY, check_in=None, check_out="16:00"), policy=policy_with(missing_time_band=2))
    assert m["tl2"] == 1 and m["deduction_pct"] == 1.0


def test_dl_day_has_no_tl_psw_and_is_present():
    m = one_day(present(NIP_A, DAY, check_in="11:00", check_out=None, status="DL"))
    assert m["present_days"] == 1 and m["deduction_pct"] == 0 and m["tl4"] == 0 and m["psw4"] == 0


def test_grace_applies_to_l_and_e_and_bands_use_full_minutes():
    pol = policy_with(grace_minutes=5)
    m = one_day(present(NIP_A, DAY, check_in="07:35", check_out="15:55"), policy=pol)
    assert m["tl1"] == 0 and m["psw1"] == 0 and m["late_minutes"] == 0 and m["deduction_pct"] == 0
    m = one_day(present(NIP_A, DAY, check_in="08:01", check_out="16:00"), policy=pol)
    assert m["tl2"] == 1 and m["late_minutes"] == 31  # band of the full 31 minutes, not 31 - 5


def test_tk_and_excused_days():
    m = one_day(present(NIP_A, DAY, None, None, status="TK"))
    assert (m["tk_days"], m["deduction_pct"], m["attendance_rate"]) == (1, 5.0, 0.0)
    m = one_day(present(NIP_A, DAY, None, None, status="CS"))
    assert m["excused_days"] == 1 and m["deduction_pct"] == 0 and np.isnan(m["attendance_rate"])


def test_missing_record_is_tk_by_default_and_unknown_when_policy_says_so():
    m = one_day(None)
    assert m["tk_days"] == 1 and m["deduction_pct"] == 5.0
    m = one_day(None, policy=policy_with(missing_record_as="unknown"))
    assert m["tk_days"] == 0 and m["unknown_days"] == 1 and np.isnan(m["attendance_rate"])


def test_unknown_days_are_excluded_from_every_count_and_the_rate():
    data = inputs(holidays=holidays(), employees=[employee()], assignments=[assignment()],
                  attendance=[present(NIP_A, date(2026, 1, d)) for d in (5, 6, 7)],
                  unknown_days=[{"nip": NIP_A, "work_date": "2026-01-08"}, {"nip": NIP_A, "work_date": "2026-01-09"}])
    m = score_month(data, JAN, date(2026, 1, 9), POLICY).attendance_monthly.iloc[0]
    # 2 Jan (Fri) is a working day with no row -> TK; 5-7 present; 8-9 unknown
    assert (m["workdays"], m["present_days"], m["tk_days"], m["unknown_days"]) == (6, 3, 1, 2)
    assert m["attendance_rate"] == pytest.approx(3 / 4, abs=1e-12)


def test_a_used_row_wins_over_an_unknown_day_entry():
    m = one_day(present(NIP_A, DAY), unknown=[{"nip": NIP_A, "work_date": str(DAY)}])
    assert m["present_days"] == 1 and m["unknown_days"] == 0


def test_rows_on_weekends_holidays_and_inactive_days_are_ignored():
    data = inputs(holidays=holidays(), employees=[employee(active_from="2026-01-02", active_to="2026-01-05")],
                  assignments=[assignment()],
                  attendance=[present(NIP_A, "2026-01-01", status="TK"), present(NIP_A, "2026-01-02"),
                              present(NIP_A, "2026-01-03", status="TK"), present(NIP_A, "2026-01-05"),
                              present(NIP_A, "2026-01-06", status="TK")])
    m = score_month(data, JAN, date(2026, 1, 31), POLICY).attendance_monthly.iloc[0]
    assert (m["workdays"], m["present_days"], m["tk_days"]) == (2, 2, 0)


def test_work_schedule_override_latest_valid_from_wins():
    schedules = [{"valid_from": "2026-01-01", "valid_to": "2026-01-31", "weekday": 1, "start_time": "08:00",
                  "end_time": "15:00"},
                 {"valid_from": "2026-01-05", "valid_to": "2026-01-05", "weekday": 1, "start_time": "09:00",
                  "end_time": "15:00"},
                 {"valid_from": "2026-01-01", "valid_to": "2026-01-31", "weekday": 2, "start_time": "06:00",
                  "end_time": "12:00"}]
    m = one_day(present(NIP_A, DAY, check_in="09:00", check_out="15:00"), schedules=schedules)
    assert m["deduction_pct"] == 0
    m = one_day(present(NIP_A, date(2026, 1, 12), check_in="08:01", check_out="15:00"), schedules=schedules,
                day=date(2026, 1, 12))
    assert m["tl1"] == 1 and m["late_minutes"] == 1


def test_status_outside_every_list_counts_in_the_rate_denominator_only():
    pol = policy_with(excused_statuses=["CT", "CS", "CB", "CM", "CP", "CLTN"])
    m = one_day(present(NIP_A, DAY, None, None, status="TB"), policy=pol)
    assert (m["present_days"], m["excused_days"], m["tk_days"], m["deduction_pct"], m["attendance_rate"]) == \
        (0, 0, 0, 0.0, 0.0)


def test_deduction_is_capped_at_100_and_disiplin_floored_at_0():
    data = inputs(holidays=holidays(), employees=[employee()], assignments=[assignment()])
    m = score_month(data, JAN, date(2026, 1, 31), POLICY).attendance_monthly.iloc[0]
    assert m["tk_days"] == 20 and m["deduction_pct"] == 100.0
    monthly = pd.DataFrame({"nip": ["a", "a", "b"], "workdays": [20, 20, 5], "deduction_pct": [100.0, 100.0, 3.0]})
    d = disiplin_score(monthly).set_index("nip")["disiplin_score"]
    assert d["a"] == 0.0 and d["b"] == 97.0


def test_attendance_daily_is_a_named_step_with_one_row_per_active_working_day():
    daily = attendance_daily(frame("employees", [employee()]), frame("attendance", [present(NIP_A, DAY)]),
                             frame("unknown_days", []), frame("holidays", holidays()), frame("work_schedules", []),
                             date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 31), POLICY)
    assert len(daily) == 20 and daily["day_class"].astype(str).value_counts().to_dict() == {"tk": 19, "present": 1}
