"""Partitioned scoring of a quarter or year: the employees in groups of units, then the organisation once.

`score_period` is two phases (`score_employees`, `score_organisation`). Every employee-level row depends
only on the employee's own rows (attendance, unknown days, activities, targets, feedback received,
assignments, the employees row) and the shared small tables (units, holidays, work_schedules,
indicators, policy), so scoring disjoint groups of employees and concatenating gives the frames of
scoring everyone at once; the organisation-level frames (unit scores, award candidates, training needs,
calibration flags) are then computed once from the concatenation. Results are identical to
`score_period`, whatever the groups.

- `unit_groups` packs the employees by their unit for the period (§1) into about `n_groups` groups of
  similar size; employees without a unit form a group of their own.
- `split_inputs` / `group_inputs` cut the per-employee tables to a group's NIPs (survey responses are
  left out: IKM is organisation level).
- `combine_employee_results` concatenates the groups' `EmployeeResults` in the row order of one run.
- `combine_period` is the organisation phase over the combined groups; `score_partitioned` runs it all.
"""
from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from datetime import date

import numpy as np
import pandas as pd

from kinerja.periods import Period

from . import (EMPLOYEE_LEVEL_ORDER, EmployeeResults, PeriodResults, ScoringInputs, score_employees,
               score_organisation)
from ._common import day_number, empty_frame, finish
from .calendar import unit_assignment, working_day_numbers
from .ikm import survey_totals

# The per-employee tables and the column holding their employee's NIP; the other tables are shared.
EMPLOYEE_TABLES = {"employees": "nip", "assignments": "nip", "attendance": "nip", "unknown_days": "nip",
                   "targets": "nip", "activities": "nip", "feedback": "ratee_nip"}
SHARED_TABLES = ("units", "holidays", "work_schedules", "indicators")


def period_units(inputs: ScoringInputs, period: Period, cutoff: date, policy) -> pd.DataFrame:
    """Every employee (distinct NIP) and their unit for the period (§1; None without one, also for an
    employee without active working days). Columns nip, unit_code."""
    employees = inputs.employees[inputs.employees["nip"].notna()].drop_duplicates("nip")
    wd = working_day_numbers(period.start, min(period.end, cutoff), inputs.holidays, policy)
    windows = pd.DataFrame({"label": [period.code], "start": [day_number(period.start)],
                            "end": [day_number(min(period.end, cutoff))]})
    units = unit_assignment(inputs.assignments, employees, windows, wd)
    out = pd.DataFrame({"nip": employees["nip"].astype(object).to_numpy()})
    out = out.merge(units[["nip", "unit_code"]], on="nip", how="left")
    out["unit_code"] = out["unit_code"].astype(object).where(out["unit_code"].notna(), None)
    return out


def unit_groups(inputs: ScoringInputs, period: Period, cutoff: date, policy, n_groups: int) -> list[list[str]]:
    """The employees' NIPs in groups of whole units: the units (by their employees for the period) packed
    into at most `n_groups` groups of similar size (largest unit first into the smallest group; ties by
    unit_code and group number, so the grouping is deterministic), then one group of the employees
    without a unit. Empty groups are left out; each group's NIPs are sorted."""
    if n_groups < 1:
        raise ValueError(f"n_groups must be at least 1, not {n_groups}")
    units = period_units(inputs, period, cutoff, policy)
    assigned = units[units["unit_code"].notna()]
    sizes = assigned.groupby("unit_code", sort=True).size()
    order = sorted(sizes.items(), key=lambda item: (-item[1], item[0]))
    heap = [(0, g) for g in range(n_groups)]
    bins: list[list[str]] = [[] for _ in range(n_groups)]
    for unit, size in order:
        load, g = heapq.heappop(heap)
        bins[g].append(unit)
        heapq.heappush(heap, (load + int(size), g))
    members = assigned.groupby("unit_code", sort=True)["nip"].agg(list).to_dict()
    groups = [sorted(nip for unit in b for nip in members[unit]) for b in bins if b]
    without = sorted(units.loc[units["unit_code"].isna(), "nip"])
    if without:
        groups.append(without)
    return groups


def split_inputs(inputs: ScoringInputs, groups: Sequence[Sequence[str]]) -> list[ScoringInputs]:
    """One ScoringInputs per group: the per-employee tables cut to the group's NIPs (in their input
    order), the shared tables whole, survey_responses empty. Rows keep index labels that sort in input
    order (the input's own when they do, else positions), so combining can restore the input order."""
    return list(iter_split_inputs(inputs, groups))


def iter_split_inputs(inputs: ScoringInputs, groups: Sequence[Sequence[str]]) -> Iterator[ScoringInputs]:
    """`split_inputs` one group at a time: every row's group is found once, and a group's rows are
    copied only when the caller asks for that group (one group's copy in memory at a time)."""
    owner: dict[str, int] = {}
    for g, nips in enumerate(groups):
        for nip in nips:
            if owner.setdefault(nip, g) != g:
                raise ValueError(f"employee {nip} is in more than one group")
    located: dict[str, tuple[pd.DataFrame, dict]] = {}
    for table, column in EMPLOYEE_TABLES.items():
        frame = getattr(inputs, table)
        if not (frame.index.is_monotonic_increasing and frame.index.is_unique):
            frame = frame.set_axis(pd.RangeIndex(len(frame)))  # labels that sort back to input order
        gid = frame[column].map(owner).fillna(-1).to_numpy(dtype="int64")
        located[table] = frame, pd.Series(np.arange(len(frame))).groupby(gid).indices
    shared = {table: getattr(inputs, table) for table in SHARED_TABLES}
    no_surveys = inputs.survey_responses.iloc[:0]
    for g in range(len(groups)):
        cut = {table: frame.take(positions.get(g, np.empty(0, dtype="int64")))
               for table, (frame, positions) in located.items()}
        yield ScoringInputs(**shared, **cut, survey_responses=no_surveys)


def group_inputs(inputs: ScoringInputs, nips: Sequence[str]) -> ScoringInputs:
    """The inputs of one group of employees (see `split_inputs`)."""
    return split_inputs(inputs, [nips])[0]


def combine_employee_results(parts: Sequence[EmployeeResults]) -> EmployeeResults:
    """The employee-level frames of disjoint groups as one run produces them: concatenated, typed and
    ordered as `score_employees` orders them; supervisor feedback rows back in input order."""
    frames = {}
    for table, order in EMPLOYEE_LEVEL_ORDER.items():
        pieces = [getattr(p, table) for p in parts if len(getattr(p, table))]
        frames[table] = finish(pd.concat(pieces), table, order) if pieces else empty_frame(table)
    pieces = [p.supervisor_feedback for p in parts if len(p.supervisor_feedback)]
    if pieces:
        supervisor = pd.concat(pieces).sort_index(kind="mergesort")
    elif parts:
        supervisor = parts[0].supervisor_feedback
    else:
        supervisor = pd.DataFrame({"rater_id": pd.Series([], dtype=object), "score": pd.Series([], dtype="float64")})
    return EmployeeResults(**frames, supervisor_feedback=supervisor)


def combine_period(parts: Sequence[EmployeeResults], survey_responses: pd.DataFrame, period: Period,
                   cutoff: date, policy) -> PeriodResults:
    """The organisation phase over the groups' employee-level results and the period's survey responses."""
    return score_organisation(combine_employee_results(parts), survey_totals(survey_responses, period, cutoff),
                              period, policy)


def score_partitioned(inputs: ScoringInputs, period: Period, cutoff: date, policy,
                      n_groups: int) -> PeriodResults:
    """`score_period` in unit groups, in this process (the flows spread the groups over a task runner)."""
    groups = unit_groups(inputs, period, cutoff, policy, n_groups)
    parts = [score_employees(sub, period, cutoff, policy) for sub in split_inputs(inputs, groups)]
    return combine_period(parts, inputs.survey_responses, period, cutoff, policy)


__all__ = ["EMPLOYEE_TABLES", "SHARED_TABLES", "period_units", "unit_groups", "split_inputs", "iter_split_inputs",
           "group_inputs", "combine_employee_results", "combine_period", "score_partitioned"]
