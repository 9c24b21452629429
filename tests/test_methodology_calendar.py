"""§1 periods and working days: calendar, active days, prorate factor, unit and supervisor."""
from datetime import date

import numpy as np
import pandas as pd

from kinerja.methodology import score_month, score_period
from kinerja.methodology.calendar import active_working_days, unit_assignment, working_day_numbers, working_days
from kinerja.methodology._common import day_number
from kinerja.periods import Period
from tests.test_methodology_support import (NIP_A, POLICY, assignment, employee, frame, holidays, inputs, present,
                                            workdays)

Q1 = Period.quarter(2026, 1)


def test_working_days_exclude_weekends_and_both_holiday_kinds():
    hol = frame("holidays", [{"holiday_date": "2026-01-01", "name": "x", "kind": "national"},
                             {"holiday_date": "2026-01-02", "name": "y", "kind": "cuti_bersama"}])
    wd = working_days(date(2026, 1, 1), date(2026, 1, 11), hol, POLICY)
    assert [d.day for d in wd] == [5, 6, 7, 8, 9]


def test_workdays_follow_policy():
    pol = POLICY.model_copy(update={"calendar": POLICY.calendar.model_copy(update={"workdays": [1, 2, 3, 4, 5, 6]})})
    assert len(working_days(date(2026, 1, 5), date(2026, 1, 11), frame("holidays", []), pol)) == 6


def test_active_days_and_prorate_factor_stop_at_cutoff():
    emps = frame("employees", [employee("A"), employee("B", active_from="2026-02-02"),
                               employee("C", active_to="2025-12-31")])
    a = active_working_days(emps, Q1.start, Q1.end, date(2026, 2, 27), frame("holidays", holidays()), POLICY)
    a = a.set_index("nip")
    # 2 Jan .. 27 Feb: Jan 20 working days (1 and 16 Jan holidays), Feb 2-27 minus 17 Feb = 19
    assert a.loc["A", "active_workdays"] == 39 and a.loc["A", "prorate_factor"] == 1.0
    assert a.loc["B", "active_workdays"] == 19 and a.loc["B", "prorate_factor"] == 19 / 39
    assert a.loc["C", "active_workdays"] == 0


def test_employee_with_no_active_day_is_not_in_results():
    data = inputs(holidays=holidays(), employees=[employee(), employee("X", active_to="2025-12-31")],
                  assignments=[assignment()])
    res = score_period(data, Q1, date(2026, 4, 5), POLICY)
    assert res.employee_scores["nip"].tolist() == [NIP_A]


def _units(rows, employees, start="2026-01-01", end="2026-03-31", cutoff=date(2026, 3, 31)):
    wd = working_day_numbers(date.fromisoformat(start), date.fromisoformat(end), frame("holidays", holidays()), POLICY)
    windows = pd.DataFrame({"label": ["P"], "start": [day_number(date.fromisoformat(start))],
                            "end": [day_number(min(date.fromisoformat(end), cutoff))]})
    return unit_assignment(frame("assignments", rows), frame("employees", employees), windows, wd)


def test_unit_of_a_transferred_employee_is_the_one_with_most_active_days():
    # Jan 1 - Feb 10: 27 working days; Feb 11 - Mar 31: 31 -> NEW, with NEW's supervisor
    u = _units([assignment(unit="OLD", sup="S1", valid_to="2026-02-10"),
                assignment(unit="NEW", sup="S2", valid_from="2026-02-11")], [employee()])
    assert (len(workdays("2026-01-01", "2026-02-10")), len(workdays("2026-02-11", "2026-03-31"))) == (27, 31)
    assert u[["unit_code", "supervisor_nip"]].values.tolist() == [["NEW", "S2"]]
    # the same transfer seen only up to a cut-off of 28 Feb: 27 vs 12 -> OLD
    u = _units([assignment(unit="OLD", sup="S1", valid_to="2026-02-10"),
                assignment(unit="NEW", sup="S2", valid_from="2026-02-11")], [employee()], cutoff=date(2026, 2, 28))
    assert u[["unit_code", "supervisor_nip"]].values.tolist() == [["OLD", "S1"]]


def test_unit_ties_go_to_later_valid_from_then_later_valid_to_then_smaller_code():
    # 2 + 2 working days: 5-6 Jan vs 7-8 Jan
    emp = [employee(active_from="2026-01-05", active_to="2026-01-08")]
    u = _units([assignment(unit="A", valid_from="2026-01-01", valid_to="2026-01-06"),
                assignment(unit="B", valid_from="2026-01-07", valid_to="2026-01-31")], emp)
    assert u["unit_code"].tolist() == ["B"]
    u = _units([assignment(unit="A", valid_from="2026-01-07", valid_to="2026-01-31"),
                assignment(unit="B", valid_from="2026-01-07", valid_to=None)], emp)
    assert u["unit_code"].tolist() == ["B"]  # NULL valid_to is the latest
    u = _units([assignment(unit="Z", valid_from="2026-01-07"), assignment(unit="Y", valid_from="2026-01-07")], emp)
    assert u["unit_code"].tolist() == ["Y"]


def test_employee_without_assignment_is_scored_without_unit():
    data = inputs(holidays=holidays(), employees=[employee()],
                  assignments=[assignment(valid_from="2025-01-01", valid_to="2025-12-31")])
    res = score_period(data, Q1, date(2026, 4, 5), POLICY)
    row = res.employee_scores.iloc[0]
    assert row["unit_code"] is None and row["supervisor_nip"] is None
    assert res.unit_scores.empty


def test_transferred_employee_months_count_where_they_were_worked():
    data = inputs(holidays=holidays(), employees=[employee()],
                  assignments=[assignment(unit="OLD", valid_to="2026-01-31"),
                               assignment(unit="NEW", valid_from="2026-02-01")],
                  attendance=[present(NIP_A, d) for d in workdays("2026-01-01", "2026-03-31")])
    res = score_period(data, Q1, date(2026, 4, 5), POLICY)
    assert res.attendance_monthly["unit_code"].tolist() == ["OLD", "NEW", "NEW"]
    assert res.employee_scores.iloc[0]["unit_code"] == "NEW"
    us = res.unit_scores.set_index("unit_code")
    assert us.loc["OLD", "employees"] == 0 and us.loc["NEW", "employees"] == 1
    assert us.loc["OLD", "attendance_rate"] == 1.0
    month = score_month(data, Period.month(2026, 1), date(2026, 4, 5), POLICY)
    assert month.unit_scores[["unit_code", "employees"]].values.tolist() == [["OLD", 1]]


def test_empty_inputs_give_empty_frames_with_contract_columns():
    from kinerja.methodology import empty_inputs
    res = score_period(empty_inputs(), Q1, date(2026, 4, 5), POLICY)
    assert res.employee_scores.empty and "supervisor_nip" in res.employee_scores.columns
    m = score_month(empty_inputs(), Period.month(2026, 1), date(2026, 2, 5), POLICY)
    assert m.attendance_monthly.empty and m.discipline_alerts.empty and m.unit_scores.empty
    assert np.all([c in m.unit_scores.columns for c in ("ikm", "ikm_grade", "ikm_responses")])
