"""SQL pushdown of the heavy aggregation equals the pure functions (issue: scale and speed, item 1).

On a generated city (with its injected bad rows, so the quarantine anti-join and the identical-duplicate
handling are exercised), on SQLite and PostgreSQL: every `Aggregates` frame from SQL equals the one
`period_aggregates` computes from the validated frames, and scoring with them gives identical results.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from kinerja import db
from kinerja.extract import extract_tables
from kinerja.methodology import ScoringInputs, attendance_daily, period_aggregates, score_period
from kinerja.methodology.attendance import attendance_monthly
from kinerja.periods import Period
from kinerja.policy import load_policy
from kinerja.pushdown import PUSHED_DOWN, sql_aggregates, sql_attendance_daily
from kinerja.validation import validate
from tests.city import CUTOFF, YEAR

SMALL = ("units", "employees", "assignments", "holidays", "work_schedules", "indicators", "targets")


@pytest.fixture(scope="module")
def source(city):
    """The generated city's source database (read only here)."""
    return db.get_engine(city.url)


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def _checked(engine, flow: str, period: Period, cutoff: date, policy):
    raw = extract_tables(engine, flow, period, cutoff)
    return validate(raw, flow, policy, period, cutoff)


def _inputs(checked) -> ScoringInputs:
    fields = ScoringInputs.__dataclass_fields__
    return ScoringInputs(**{n: f for n, f in checked.used.items() if n in fields}, unknown_days=checked.unknown_days)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as their values, rows in a canonical order."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object)
    if len(out.columns):
        out = out.sort_values(list(out.columns), kind="mergesort", na_position="last")
    return out.reset_index(drop=True)


def _same(sql: pd.DataFrame, pure: pd.DataFrame, what: str) -> None:
    assert list(sql.columns) == list(pure.columns), what
    pd.testing.assert_frame_equal(_plain(sql), _plain(pure), check_dtype=False, rtol=1e-12, obj=what)


CASES = {"annual": Period.of_year(YEAR), "quarterly": Period.quarter(YEAR, 2)}


@pytest.mark.parametrize("flow", list(CASES))
def test_sql_aggregates_equal_the_pure_functions_and_give_the_same_scores(source, policy, flow):
    period = CASES[flow]
    cutoff = CUTOFF.date()
    checked = _checked(source, flow, period, cutoff, policy)
    q = checked.quarantine
    # The city's bad rows reach the anti-join: quarantined rows and identical duplicates of big tables.
    assert (q["source_table"] == "attendance").sum() > 0
    assert ((q["source_table"] == "attendance") & (q["check_name"] == "duplicate_identical")).sum() > 0
    assert len(checked.unknown_days) > 0
    inputs = _inputs(checked)
    pure = period_aggregates(inputs, period, cutoff, policy)
    small = {t: checked.used[t] for t in SMALL}
    sql = sql_aggregates(source, period, cutoff, policy, q, checked.unknown_days, small)
    for name in PUSHED_DOWN:
        _same(getattr(sql, name), getattr(pure, name), name)
    assert len(sql.attendance_daily) > 0 and len(sql.activity_totals) > 0 and len(sql.feedback_type_stats) > 0

    expected = score_period(inputs, period, cutoff, policy)
    # Only the small tables (and feedback, which comments and calibration read) come from Python.
    lean = ScoringInputs(**{t: checked.used[t] for t in SMALL}, feedback=checked.used["feedback"])
    got = score_period(lean, period, cutoff, policy, aggregates=sql)
    for name in ("employee_scores", "indicator_scores", "aspect_scores", "rater_type_scores",
                 "attendance_monthly", "unit_scores"):
        _same(getattr(got, name), getattr(expected, name), name)


def test_a_mid_year_cutoff_and_a_stricter_policy_match_too(source, policy):
    """Cut-off inside the period; grace minutes, other bands, missing records as unknown."""
    att = policy.attendance.model_copy(update={"grace_minutes": 5, "missing_record_as": "unknown",
                                               "bands": [(15, 0.5), (45, 1.0), (120, 1.5)]})
    strict = policy.model_copy(update={"attendance": att})
    period, cutoff = Period.of_year(YEAR), date(YEAR, 8, 14)
    checked = _checked(source, "annual", period, cutoff, strict)
    inputs = _inputs(checked)
    pure = period_aggregates(inputs, period, cutoff, strict)
    small = {t: checked.used[t] for t in SMALL}
    sql = sql_aggregates(source, period, cutoff, strict, checked.quarantine, checked.unknown_days, small)
    for name in PUSHED_DOWN:
        _same(getattr(sql, name), getattr(pure, name), name)
    assert (sql.attendance_daily["day_class"].astype(object) == "unknown").any()
    expected = score_period(inputs, period, cutoff, strict)
    got = score_period(inputs, period, cutoff, strict, aggregates=sql)
    for name in ("employee_scores", "indicator_scores", "aspect_scores"):
        _same(getattr(got, name), getattr(expected, name), name)


def test_a_monthly_run_year_to_date_attendance_matches(source, policy):
    """score_month takes no aggregates: compare its year-to-date attendance_daily and the month's rows."""
    month = Period.month(YEAR, 3)
    cutoff = CUTOFF.date()
    checked = _checked(source, "monthly", month, cutoff, policy)
    inputs = _inputs(checked)
    start = date(YEAR, 1, 1)
    pure = attendance_daily(inputs.employees, inputs.attendance, inputs.unknown_days, inputs.holidays,
                            inputs.work_schedules, start, month.end, cutoff, policy)
    small = {t: checked.used[t] for t in SMALL}
    sql = sql_attendance_daily(source, start, month.end, cutoff, policy, checked.quarantine, checked.unknown_days,
                               small)
    _same(sql, pure, "attendance_daily")
    in_month = lambda d: d[d["month"].astype(object) == month.code]  # noqa: E731
    _same(attendance_monthly(in_month(sql), None, policy), attendance_monthly(in_month(pure), None, policy),
          "attendance_monthly")
    assert np.isin(["present", "tk"], sql["day_class"].astype(object).unique()).all()
