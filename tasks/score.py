"""Score a month or a quarter/year with the methodology's pure functions."""
from __future__ import annotations

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from kinerja.context import RunContext
from kinerja.methodology import ScoringInputs, score_month, score_period
from kinerja.validation import ValidationResult

# The frames of score_month / score_period that are warehouse tables (the rest feed reports only).
MONTH_TABLES = ("attendance_monthly", "discipline_alerts", "unit_scores")
PERIOD_TABLES = ("employee_scores", "indicator_scores", "aspect_scores", "rater_type_scores",
                 "feedback_comments", "attendance_monthly", "unit_scores", "award_candidates", "training_needs",
                 "calibration_flags")


def scoring_inputs(checked: ValidationResult) -> ScoringInputs:
    fields = ScoringInputs.__dataclass_fields__
    frames = {name: frame for name, frame in checked.used.items() if name in fields}
    return ScoringInputs(**frames, unknown_days=checked.unknown_days)


def names_as_of_run(checked: ValidationResult, employee_units: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Unit and employee names for the run's reports (the warehouse must not need the source)."""
    units = checked.used["units"][["unit_code", "name", "parent_code", "kind"]].drop_duplicates("unit_code")
    people = checked.used["employees"][["nip", "name", "employment_type", "grade"]].drop_duplicates("nip")
    assignments = checked.used["assignments"].sort_values(["nip", "valid_from"])
    position = assignments.drop_duplicates("nip", keep="last")[["nip", "position"]]
    people = people.merge(position, on="nip", how="left")
    keep = set(employee_units["nip"])
    names = {"run_units": units, "run_employees": people[people["nip"].isin(keep)]}
    if "indicators" in checked.used:
        names["run_indicators"] = checked.used["indicators"][
            ["indicator_id", "unit_code", "name", "uom", "direction", "aggregation"]].drop_duplicates("indicator_id")
    return names


@task(name="score-month", cache_policy=NO_CACHE)
def score_month_task(ctx: RunContext, checked: ValidationResult) -> dict[str, pd.DataFrame]:
    results = score_month(scoring_inputs(checked), ctx.period, ctx.cutoff, ctx.policy)
    frames = {name: getattr(results, name) for name in MONTH_TABLES}
    frames.update(names_as_of_run(checked, frames["attendance_monthly"]))
    return frames


@task(name="score-period", cache_policy=NO_CACHE)
def score_period_task(ctx: RunContext, checked: ValidationResult) -> dict[str, pd.DataFrame]:
    results = score_period(scoring_inputs(checked), ctx.period, ctx.cutoff, ctx.policy)
    frames = {name: getattr(results, name) for name in PERIOD_TABLES}
    frames.update(names_as_of_run(checked, frames["employee_scores"]))
    return frames
