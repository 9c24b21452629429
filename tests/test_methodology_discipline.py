"""§2 discipline alerts: tk_days_ytd, ladder level, consecutive TK rule, is_new, January."""
from datetime import date

import pytest

from kinerja.methodology import score_month
from kinerja.methodology.discipline import ladder_level
from kinerja.periods import Period
from tests.test_methodology_support import (NIP_A, POLICY, assignment, employee, holidays, inputs, present,
                                            workdays)


def alerts(tk_dates, month=(2026, 3), unknown=(), cutoff=date(2026, 12, 31), excused=()):
    rows = []
    for d in workdays("2026-01-01", "2026-12-31"):
        if str(d) in unknown:
            continue
        status = "TK" if str(d) in tk_dates else "CT" if str(d) in excused else "HD"
        rows.append(present(NIP_A, d, status=status))
    data = inputs(holidays=holidays(),
                  employees=[employee()], assignments=[assignment()], attendance=rows,
                  unknown_days=[{"nip": NIP_A, "work_date": u} for u in unknown])
    return score_month(data, Period.month(*month), cutoff, POLICY).discipline_alerts


@pytest.mark.parametrize("tk, level", [(0, None), (2, None), (3, "teguran_lisan"), (4, "teguran_tertulis"),
                                       (6, "teguran_tertulis"), (7, "pernyataan_tidak_puas"),
                                       (28, "pemberhentian"), (40, "pemberhentian")])
def test_ladder_level_is_the_last_threshold_not_above_tk_days(tk, level):
    idx = ladder_level([tk], [0], POLICY)[0]
    names = [n for _, n in POLICY.discipline.ladder]
    assert (names[idx] if idx >= 0 else None) == level


def test_ten_consecutive_tk_days_is_pemberhentian():
    assert ladder_level([10], [10], POLICY)[0] == len(POLICY.discipline.ladder) - 1
    assert ladder_level([10], [9], POLICY)[0] == 2  # pernyataan_tidak_puas


def test_weekends_and_holidays_neither_break_nor_extend_a_run():
    # 9 Mar (Mon) .. 17 Mar (Tue): 7 working days; 18-20 Mar holidays; 23 Mar (Mon) .. 25 Mar -> 10 in a row
    tk = [str(d) for d in workdays("2026-03-09", "2026-03-25")]
    a = alerts(set(tk)).iloc[0]
    assert len(tk) == 10 and a["max_consecutive_tk"] == 10 and a["level"] == "pemberhentian"
    assert a["tk_days_ytd"] == 10 and a["is_new"] == 1 and a["year"] == 2026 and a["month"] == 3


def test_a_present_excused_or_unknown_day_breaks_a_run():
    tk = [str(d) for d in workdays("2026-03-09", "2026-03-25")]
    for kind in ("present", "excused", "unknown"):
        breaker = "2026-03-12"
        tks = set(tk) - {breaker}
        a = alerts(tks, unknown={breaker} if kind == "unknown" else (),
                   excused={breaker} if kind == "excused" else ()).iloc[0]
        assert a["max_consecutive_tk"] == 6 and a["tk_days_ytd"] == 9, kind
        assert a["level"] == "pernyataan_tidak_puas"


def test_tk_days_accumulate_over_the_year_and_is_new_compares_with_previous_month():
    tk = {"2026-01-05", "2026-01-06", "2026-01-07", "2026-02-02"}
    jan = alerts(tk, month=(2026, 1)).iloc[0]
    assert (jan["tk_days_ytd"], jan["level"], jan["is_new"]) == (3, "teguran_lisan", 1)  # no level before January
    feb = alerts(tk, month=(2026, 2)).iloc[0]
    assert (feb["tk_days_ytd"], feb["level"], feb["is_new"]) == (4, "teguran_tertulis", 1)
    mar = alerts(tk, month=(2026, 3)).iloc[0]
    assert (mar["tk_days_ytd"], mar["level"], mar["is_new"]) == (4, "teguran_tertulis", 0)


def test_no_row_below_the_first_threshold_and_columns():
    a = alerts({"2026-01-05"}, month=(2026, 1))
    assert a.empty and list(a.columns) == ["nip", "year", "month", "tk_days_ytd", "max_consecutive_tk", "level", "is_new"]


def test_no_alert_for_an_employee_not_active_in_the_month():
    rows = [present(NIP_A, d, status="TK") for d in workdays("2026-01-01", "2026-01-31")]
    data = inputs(employees=[employee(active_to="2026-01-31")], assignments=[assignment()], attendance=rows)
    assert score_month(data, Period.month(2026, 1), date(2026, 3, 31), POLICY).discipline_alerts.shape[0] == 1
    assert score_month(data, Period.month(2026, 2), date(2026, 3, 31), POLICY).discipline_alerts.empty


def test_days_after_the_cutoff_do_not_count():
    tk = {str(d) for d in workdays("2026-03-02", "2026-03-31")}
    a = alerts(tk, cutoff=date(2026, 3, 4)).iloc[0]
    assert a["tk_days_ytd"] == 3 and a["level"] == "teguran_lisan"
