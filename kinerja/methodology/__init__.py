"""The scoring engine: every formula of methodology.md as pure functions over pandas DataFrames.

One module per methodology section (calendar §1, attendance and discipline §2, hasil_kerja §3,
perilaku §4, nilai_akhir §5, ikm §6, unit_scores §7, awards §8), and `unit_heads`, who signs a unit's
report (not a score). No I/O, no Prefect.

Architecture seam 3:
- `score_month(inputs, month, cutoff, policy) -> MonthResults`
- `score_period(inputs, period, cutoff, policy) -> PeriodResults`

Heavy aggregation goes through named intermediate frames (`attendance_daily`, `activity_totals`,
`feedback_type_stats`, `feedback_aspect_stats`, `survey_totals`), collected in `Aggregates`; a SQL
pushdown path can build an `Aggregates` itself and pass it to `score_period(..., aggregates=...)`.

`score_period` is `score_employees` (employee level) then `score_organisation` (units, §8); partition.py
scores the employee level in groups of units and combines them into identical results.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

import numpy as np
import pandas as pd

from kinerja.periods import Period

from ._common import day_number, empty_frame, finish, obj
from .attendance import attendance_daily, attendance_monthly, disiplin_score
from .awards import award_candidates, calibration_flags, training_needs
from .calendar import active_working_days, unit_assignment, working_day_numbers
from .discipline import discipline_alerts
from .hasil_kerja import (activity_monthly, activity_totals, empty_activity_monthly, hasil_kerja_score,
                          indicator_scores, quarter_active_ratio)
from .ikm import ikm_scores, survey_totals
from .nilai_akhir import rate_employees
from .perilaku import (SELF, SUPERVISOR, aspect_scores, feedback_aspect_stats, feedback_in_period,
                       feedback_type_stats, perilaku_scores, rater_type_scores)
from .unit_scores import unit_scores_month, unit_scores_period

__all__ = ["ScoringInputs", "MonthResults", "PeriodResults", "Aggregates", "empty_inputs", "score_month",
           "score_period", "period_aggregates", "attendance_daily", "activity_totals", "activity_monthly",
           "empty_activity_monthly", "feedback_type_stats", "feedback_aspect_stats", "survey_totals",
           "EmployeeResults", "EMPLOYEE_LEVEL_ORDER", "score_employees", "score_organisation", "unit_groups",
           "split_inputs", "iter_split_inputs", "group_inputs", "combine_employee_results", "combine_period",
           "score_partitioned", "UNSCORED_COLUMNS"]


def _frame(table: str):
    return field(default_factory=lambda: empty_frame(table))


@dataclass
class ScoringInputs:
    """The typed "used" frames of validation (architecture.md, typed frame convention). Every field
    defaults to an empty frame with the contract columns."""
    units: pd.DataFrame = _frame("units")
    employees: pd.DataFrame = _frame("employees")
    assignments: pd.DataFrame = _frame("assignments")
    holidays: pd.DataFrame = _frame("holidays")
    work_schedules: pd.DataFrame = _frame("work_schedules")
    attendance: pd.DataFrame = _frame("attendance")
    indicators: pd.DataFrame = _frame("indicators")
    targets: pd.DataFrame = _frame("targets")
    activities: pd.DataFrame = _frame("activities")
    feedback: pd.DataFrame = _frame("feedback")
    survey_responses: pd.DataFrame = _frame("survey_responses")
    unknown_days: pd.DataFrame = _frame("unknown_days")

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) is None:
                setattr(self, f.name, empty_frame(f.name))


#: Input columns no score reads: identifiers and free text of millions of rows (validation keys and
#: quarantines by them). A run drops them once validated (ValidationResult.for_scoring), which frees
#: about half a GiB of strings on a 15,000-employee year; feedback comments are read (§6) and stay.
UNSCORED_COLUMNS: dict[str, tuple[str, ...]] = {
    "activities": ("activity_id", "description"),
    "feedback": ("feedback_id", "submitted_at"),
}


def empty_inputs(**frames: pd.DataFrame) -> ScoringInputs:
    """ScoringInputs with empty contract frames except the ones given."""
    return ScoringInputs(**frames)


@dataclass
class MonthResults:
    attendance_monthly: pd.DataFrame
    discipline_alerts: pd.DataFrame
    unit_scores: pd.DataFrame
    # Activity volume against the month's share of the quarterly targets (hasil_kerja.activity_monthly);
    # empty, with its columns, when the run has no indicators, targets or activities.
    activity_monthly: pd.DataFrame = field(default_factory=empty_activity_monthly)


@dataclass
class PeriodResults:
    employee_scores: pd.DataFrame
    indicator_scores: pd.DataFrame
    aspect_scores: pd.DataFrame
    rater_type_scores: pd.DataFrame
    attendance_monthly: pd.DataFrame
    unit_scores: pd.DataFrame
    feedback_comments: pd.DataFrame
    award_candidates: pd.DataFrame
    training_needs: pd.DataFrame
    calibration_flags: pd.DataFrame


@dataclass
class Aggregates:
    """The intermediate frames a period is scored from (what SQL pushdown may produce instead)."""
    attendance_daily: pd.DataFrame
    activity_totals: pd.DataFrame
    feedback_type_stats: pd.DataFrame
    feedback_aspect_stats: pd.DataFrame
    survey_totals: pd.DataFrame


def period_aggregates(inputs: ScoringInputs, period: Period, cutoff: date, policy) -> Aggregates:
    """The named intermediate frames of a quarter or year."""
    return Aggregates(
        attendance_daily=attendance_daily(inputs.employees, inputs.attendance, inputs.unknown_days,
                                          inputs.holidays, inputs.work_schedules, period.start, period.end,
                                          cutoff, policy),
        activity_totals=activity_totals(inputs.activities, inputs.targets, inputs.employees, period, cutoff),
        feedback_type_stats=feedback_type_stats(inputs.feedback, period),
        feedback_aspect_stats=feedback_aspect_stats(inputs.feedback, period),
        survey_totals=survey_totals(inputs.survey_responses, period, cutoff),
    )


def _windows(windows: list[tuple[str, date, date]], cutoff: date) -> pd.DataFrame:
    rows = {label: (day_number(s), day_number(min(e, cutoff))) for label, s, e in windows}
    return pd.DataFrame({"label": list(rows), "start": [v[0] for v in rows.values()],
                         "end": [v[1] for v in rows.values()]})


def _nips_of(daily: pd.DataFrame) -> set:
    col = daily["nip"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        used = np.bincount(col.cat.codes.to_numpy() + 1, minlength=len(col.cat.categories) + 1)[1:] > 0
        return set(np.asarray(col.cat.categories, dtype=object)[used])
    return set(pd.unique(col.astype(object)))


def _month_units(unit_rows: pd.DataFrame) -> pd.DataFrame:
    return unit_rows.rename(columns={"label": "month"})[["month", "nip", "unit_code"]]


def score_month(inputs: ScoringInputs, month: Period, cutoff: date, policy) -> MonthResults:
    """A monthly run: attendance_monthly of the month, discipline alerts (year to date), unit scores with
    monthly semantics (head count, attendance, IKM of the month) and the activity volume against the
    month's share of the targets per unit and indicator (`activity_monthly`)."""
    employees = inputs.employees.drop_duplicates("nip")
    daily_ytd = attendance_daily(employees, inputs.attendance, inputs.unknown_days, inputs.holidays,
                                 inputs.work_schedules, date(month.year, 1, 1), month.end, cutoff, policy)
    daily = daily_ytd[daily_ytd["month"] == month.code]
    wd = working_day_numbers(month.start, min(month.end, cutoff), inputs.holidays, policy)
    units = unit_assignment(inputs.assignments, employees, _windows([(month.code, month.start, month.end)], cutoff), wd)
    monthly = attendance_monthly(daily, _month_units(units), policy)
    alerts = discipline_alerts(daily_ytd, month, policy)
    ikm = ikm_scores(survey_totals(inputs.survey_responses, month, cutoff), policy)
    volume = activity_monthly(inputs.activities, inputs.targets, inputs.indicators, employees, inputs.holidays,
                              units[["nip", "unit_code"]], month, cutoff, policy)
    return MonthResults(attendance_monthly=monthly, discipline_alerts=alerts,
                        unit_scores=unit_scores_month(monthly, ikm, month.code), activity_monthly=volume)


@dataclass
class EmployeeResults:
    """The employee-level frames of a quarter or year (phase a of `score_period`): each row belongs to one
    scored employee and depends only on that employee's rows and the shared small tables, so the frames of
    disjoint groups of employees concatenate to the frames of all of them. `supervisor_feedback` holds the
    supervisor-type feedback rows (rater_id, score) given to these employees, which the organisation-level
    calibration needs; its index is the rows' position in the feedback frame."""
    employee_scores: pd.DataFrame
    indicator_scores: pd.DataFrame
    aspect_scores: pd.DataFrame
    rater_type_scores: pd.DataFrame
    feedback_comments: pd.DataFrame
    attendance_monthly: pd.DataFrame
    supervisor_feedback: pd.DataFrame


# Row order of each employee-level frame (every key holds the nip, so groups of employees never interleave).
EMPLOYEE_LEVEL_ORDER = {"employee_scores": ["nip"], "indicator_scores": ["nip", "indicator_id"],
                        "aspect_scores": ["nip", "aspect"], "rater_type_scores": ["nip", "rater_type"],
                        "feedback_comments": ["nip", "rater_type", "aspect", "comment"],
                        "attendance_monthly": ["month", "nip"]}


def score_period(inputs: ScoringInputs, period: Period, cutoff: date, policy,
                 aggregates: Aggregates | None = None) -> PeriodResults:
    """A quarterly or annual run (§1–§8) for the employees with at least one active working day in the
    period up to the cut-off: `score_employees`, then `score_organisation`."""
    agg = aggregates if aggregates is not None else period_aggregates(inputs, period, cutoff, policy)
    return score_organisation(score_employees(inputs, period, cutoff, policy, agg), agg.survey_totals, period,
                              policy)


def score_employees(inputs: ScoringInputs, period: Period, cutoff: date, policy,
                    aggregates: Aggregates | None = None) -> EmployeeResults:
    """Phase a of a quarter or year (§1–§5 and the comments) for the employees of `inputs`. Only the
    employee-level aggregates are used (`survey_totals` belongs to `score_organisation`, so group inputs
    may leave survey_responses empty)."""
    agg = aggregates if aggregates is not None else period_aggregates(inputs, period, cutoff, policy)
    label = period.code
    order = EMPLOYEE_LEVEL_ORDER
    employees = inputs.employees.drop_duplicates("nip")

    # §1 active working days, units and supervisors (period and each month).
    active = active_working_days(employees, period.start, period.end, cutoff, inputs.holidays, policy)
    active = active[active["active_workdays"] > 0]
    employees = employees[employees["nip"].isin(set(active["nip"]))]
    nips = set(active["nip"])
    wd = working_day_numbers(period.start, min(period.end, cutoff), inputs.holidays, policy)
    windows = [(m.code, m.start, m.end) for m in period.months()] + [(label, period.start, period.end)]
    units = unit_assignment(inputs.assignments, employees, _windows(windows, cutoff), wd)
    period_units = units[units["label"] == label][["nip", "unit_code", "supervisor_nip"]]

    # §2 attendance and disiplin.
    daily = agg.attendance_daily
    if not _nips_of(daily) <= nips:  # only for aggregates produced elsewhere (e.g. SQL)
        daily = daily[daily["nip"].isin(nips)]
    monthly = attendance_monthly(daily, _month_units(units[units["label"] != label]), policy)
    disiplin = disiplin_score(monthly)

    # §3 hasil kerja.
    targets = inputs.targets[inputs.targets["nip"].isin(nips)]
    ratios = quarter_active_ratio(employees, inputs.holidays, period, cutoff, policy)
    ind = indicator_scores(targets, inputs.indicators, agg.activity_totals, ratios, period, policy)
    hasil = hasil_kerja_score(ind, policy)

    # §4 perilaku.
    type_stats = agg.feedback_type_stats[agg.feedback_type_stats["ratee_nip"].isin(nips)]
    rts = rater_type_scores(type_stats, period, policy)
    perilaku = perilaku_scores(rts, policy)
    aspect_stats = agg.feedback_aspect_stats[agg.feedback_aspect_stats["ratee_nip"].isin(nips)]
    aspects = aspect_scores(aspect_stats, rts, perilaku, period, policy)

    # §5 nilai akhir and predikat.
    e = active[["nip", "active_workdays", "prorate_factor"]].merge(period_units, on="nip", how="left")
    e = e.merge(hasil, on="nip", how="left").merge(perilaku, on="nip", how="left")
    e = e.merge(disiplin, on="nip", how="left")
    e["has_targets"] = e["nip"].isin(set(ind["nip"]))
    e["has_feedback"] = e["has_feedback"].astype("boolean").fillna(False).astype(bool)
    e["supervisor_kept"] = e["supervisor_kept"].astype("boolean").fillna(False).astype(bool)
    e = rate_employees(e, policy, period.kind)
    e["period"] = label
    employee_scores = finish(e, "employee_scores", order["employee_scores"])
    indicator_frame = finish(ind, "indicator_scores", order["indicator_scores"])

    # Comments: rater types other than self with at least min_comment_raters raters; never rater_id.
    fb = feedback_in_period(inputs.feedback, period)
    fb = fb[fb["ratee_nip"].isin(nips)]
    shown = rts[(rts["rater_type"] != SELF) & (rts["raters"] >= policy.publishing.min_comment_raters)]
    fb = fb[fb["comment"].notna() & (fb["rater_type"] != SELF)]
    fb = fb[fb["comment"].astype(str).str.strip() != ""]
    comments = pd.DataFrame({"period": label, "nip": obj(fb["ratee_nip"]), "rater_type": obj(fb["rater_type"]),
                             "aspect": obj(fb["aspect"]), "comment": obj(fb["comment"])})
    comments = comments.merge(shown[["nip", "rater_type"]], on=["nip", "rater_type"])
    comments = finish(comments, "feedback_comments", order["feedback_comments"])

    # Supervisor feedback given to these employees (for the calibration of §8).
    sup_fb = feedback_in_period(inputs.feedback, period)
    sup_fb = sup_fb[(sup_fb["rater_type"] == SUPERVISOR) & sup_fb["ratee_nip"].isin(nips) & sup_fb["score"].notna()]
    return EmployeeResults(employee_scores=employee_scores, indicator_scores=indicator_frame, aspect_scores=aspects,
                           rater_type_scores=rts, feedback_comments=comments, attendance_monthly=monthly,
                           supervisor_feedback=sup_fb[["rater_id", "score"]])


def score_organisation(part: EmployeeResults, survey: pd.DataFrame, period: Period, policy) -> PeriodResults:
    """Phase b of a quarter or year, once for the organisation: unit scores (§6, §7; `survey` is
    `survey_totals` of the period), award candidates, training needs and calibration flags (§8), from the
    employee-level frames of every scored employee."""
    label = period.code
    ikm = ikm_scores(survey, policy)
    units_frame = unit_scores_period(part.employee_scores, part.attendance_monthly, ikm, label)
    return PeriodResults(
        employee_scores=part.employee_scores,
        indicator_scores=part.indicator_scores,
        aspect_scores=part.aspect_scores,
        rater_type_scores=part.rater_type_scores,
        attendance_monthly=part.attendance_monthly,
        unit_scores=units_frame,
        feedback_comments=part.feedback_comments,
        award_candidates=award_candidates(part.employee_scores, policy),
        training_needs=training_needs(part.aspect_scores, part.indicator_scores, policy, label),
        calibration_flags=calibration_flags(part.employee_scores, part.supervisor_feedback, policy, label),
    )


# Partitioned scoring builds on the two phases above (imported last: partition.py imports from here).
from .partition import (combine_employee_results, combine_period, group_inputs, iter_split_inputs,  # noqa: E402
                        score_partitioned, split_inputs, unit_groups)
