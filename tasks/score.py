"""Score a month or a quarter/year with the methodology's pure functions.

A quarter or year is scored in unit groups (docs/architecture.md, "Partitioned scoring"): the employee
level of each group is its own task run, submitted to the flow's task runner (threads or Dask) with only
that group's rows, and one task combines them and scores the organisation level; the frames are
identical to `score_period` on everything at once."""
from __future__ import annotations

import math
from collections.abc import Iterator

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from kinerja.context import RunContext
from kinerja.methodology import (EmployeeResults, ScoringInputs, combine_period, empty_activity_monthly,
                                 iter_split_inputs, score_employees, score_month, unit_groups)
from kinerja.methodology.unit_heads import unit_heads
from kinerja.settings import RunSettings
from kinerja.validation import ValidationResult
from kinerja.validation.table_checks import MONTHLY_OPTIONAL

# The frames of score_month / score_period that are warehouse tables (the rest feed reports only).
MONTH_TABLES = ("attendance_monthly", "discipline_alerts", "unit_scores", "activity_monthly")
PERIOD_TABLES = ("employee_scores", "indicator_scores", "aspect_scores", "rater_type_scores",
                 "feedback_comments", "attendance_monthly", "unit_scores", "award_candidates", "training_needs",
                 "calibration_flags")


def scoring_inputs(checked: ValidationResult) -> ScoringInputs:
    fields = ScoringInputs.__dataclass_fields__
    frames = {name: frame for name, frame in checked.used.items() if name in fields}
    return ScoringInputs(**frames, unknown_days=checked.unknown_days)


def names_as_of_run(ctx: RunContext, checked: ValidationResult, employee_units: pd.DataFrame
                    ) -> dict[str, pd.DataFrame]:
    """Unit and employee names for the run's reports (the warehouse must not need the source), and the
    head of each unit on the last day the run covers (the period's end, or the cut-off within it), who
    signs the unit's report."""
    units = checked.used["units"][["unit_code", "name", "parent_code", "kind"]].drop_duplicates("unit_code")
    people = checked.used["employees"][["nip", "name", "employment_type", "grade"]].drop_duplicates("nip")
    assignments = checked.used["assignments"].sort_values(["nip", "valid_from"])
    position = assignments.drop_duplicates("nip", keep="last")[["nip", "position"]]
    people = people.merge(position, on="nip", how="left")
    keep = set(employee_units["nip"])
    last_day = min(ctx.period.end, ctx.cutoff)
    names = {"run_units": units, "run_employees": people[people["nip"].isin(keep)],
             "run_unit_heads": unit_heads(checked.used["assignments"], checked.used["employees"], last_day)}
    if "indicators" in checked.used:
        names["run_indicators"] = checked.used["indicators"][
            ["indicator_id", "unit_code", "name", "uom", "direction", "aggregation"]].drop_duplicates("indicator_id")
    return names


@task(name="score-month", cache_policy=NO_CACHE)
def score_month_task(ctx: RunContext, checked: ValidationResult) -> dict[str, pd.DataFrame]:
    results = score_month(scoring_inputs(checked), ctx.period, ctx.cutoff, ctx.policy)
    frames = {name: getattr(results, name) for name in MONTH_TABLES}
    if _activity_data_missing(checked):  # e.g. no activities table: volume 0 would be wrong, so none at all
        frames["activity_monthly"] = empty_activity_monthly()
    frames.update(names_as_of_run(ctx, checked, frames["attendance_monthly"]))
    return frames


def _activity_data_missing(checked: ValidationResult) -> bool:
    """True when indicators, targets or activities (optional for a month) are absent or lack a column."""
    return any(f.source_table in MONTHLY_OPTIONAL and f.check_name in ("missing_table", "missing_column")
               for f in checked.findings)


def scoring_group_count(settings: RunSettings, employees: int) -> int:
    """How many unit groups a quarter or year is scored in: `score_groups`, or more for a larger
    organisation, so that a group holds about `score_group_employees` employees. Measured on a
    15,000-employee year (docs/performance.md): with 4 groups, two in flight, the run's process reached
    2.1 GiB while scoring; with 15 (the default for it) 1.6 GiB, in about the same time."""
    return max(settings.score_groups, math.ceil(employees / settings.score_group_employees))


def unit_group_inputs(ctx: RunContext, checked: ValidationResult) -> Iterator[tuple[list[str], ScoringInputs]]:
    """The run's unit groups (`scoring_group_count` of them, plus the employees without a unit), each with
    the inputs cut to its employees: what one `score_unit_group` task receives. A generator: each group's
    cut (a copy of its rows) is made only when the caller asks for it."""
    inputs = scoring_inputs(checked)
    n_groups = scoring_group_count(ctx.settings, len(inputs.employees))
    groups = unit_groups(inputs, ctx.period, ctx.cutoff, ctx.policy, n_groups)
    yield from zip(groups, iter_split_inputs(inputs, groups))


@task(name="score-unit-group", cache_policy=NO_CACHE, task_run_name="score-unit-group-{group}")
def score_unit_group(ctx: RunContext, inputs: ScoringInputs, group: int = 0) -> EmployeeResults:
    """The employee-level scores of one group of units (`inputs` already cut to the group's employees by
    `unit_group_inputs`: cutting them again would copy the group's rows a second time)."""
    return score_employees(inputs, ctx.period, ctx.cutoff, ctx.policy)


@task(name="combine-period-scores", cache_policy=NO_CACHE)
def combine_period_scores(ctx: RunContext, parts: list[EmployeeResults],
                          checked: ValidationResult) -> dict[str, pd.DataFrame]:
    """The groups' employee-level scores combined, and the organisation level (units, §8) scored once:
    the frames of `score_period` on all employees, plus the run's names."""
    survey = scoring_inputs(checked).survey_responses
    results = combine_period(parts, survey, ctx.period, ctx.cutoff, ctx.policy)
    frames = {name: getattr(results, name) for name in PERIOD_TABLES}
    frames.update(names_as_of_run(ctx, checked, frames["employee_scores"]))
    return frames


@task(name="score-period", cache_policy=NO_CACHE)
def score_period_task(ctx: RunContext, checked: ValidationResult) -> dict[str, pd.DataFrame]:
    """A quarter or year: one `score_unit_group` task per unit group on the flow's task runner, then
    `combine_period_scores`. The flow's single scoring call, (ctx, checked) -> frames."""
    futures, parts = [], []
    for group, (_, inputs) in enumerate(unit_group_inputs(ctx, checked), start=1):
        futures.append(score_unit_group.submit(ctx, inputs, group))
        del inputs
        # At most `score_concurrency` groups are cut and scored at once: memory stays bounded by the
        # groups in flight, not by all of them (a group's cut is a copy of its rows).
        while len(futures) >= ctx.settings.score_concurrency:
            parts.append(futures.pop(0).result())
    parts += [future.result() for future in futures]
    return combine_period_scores(ctx, parts, checked)
