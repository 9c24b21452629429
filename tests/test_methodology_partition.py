"""Partitioned scoring equals scoring everything at once (issue: scale and speed, item 2).

On the generated 40-employee city (validated, with its quarantined rows and unknown days), with one
employee transferred mid-period between units that land in different groups: scoring the employee
level in unit groups (1, 3 and 7 of them) and the organisation level once gives exactly the frames of
`score_period`, for a quarter and for a year.
"""
from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pandas as pd
import pytest

from kinerja import db
from kinerja.extract import extract_tables
from kinerja.methodology import (UNSCORED_COLUMNS, PeriodResults, ScoringInputs, combine_period, group_inputs, score_employees,
                                 score_month, score_partitioned, score_period, split_inputs, unit_groups)
from kinerja.methodology.partition import EMPLOYEE_TABLES, SHARED_TABLES, period_units
from kinerja.periods import Period
from kinerja.policy import load_policy
from kinerja.validation import validate
from tests.city import CUTOFF, YEAR, CityTemplate

POLICY = load_policy()
CASES = {"quarterly": Period.quarter(YEAR, 2), "annual": Period.of_year(YEAR)}
TRANSFER_DAY = pd.Timestamp(f"{YEAR}-05-15")  # the old assignment ends, the new one starts the next day
GROUPS = (1, 3, 7)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return db.get_engine(CityTemplate("sqlite", tmp_path_factory.mktemp("partition")).url)


def _inputs(engine, flow: str) -> ScoringInputs:
    period = CASES[flow]
    checked = validate(extract_tables(engine, flow, period, CUTOFF.date()), flow, POLICY, period, CUTOFF.date())
    names = {f.name for f in fields(ScoringInputs)}
    return ScoringInputs(**{n: f for n, f in checked.used.items() if n in names}, unknown_days=checked.unknown_days)


def _transfer(inputs: ScoringInputs, nip: str, unit: str) -> ScoringInputs:
    """`nip`'s assignments end on TRANSFER_DAY; from the next day they work in `unit`."""
    a = inputs.assignments
    mine = a["nip"] == nip
    old = a[mine].iloc[-1]
    a = a.copy()
    a.loc[mine, "valid_to"] = TRANSFER_DAY
    new = old.copy()
    new["unit_code"], new["valid_from"], new["valid_to"] = unit, TRANSFER_DAY + pd.Timedelta(days=1), pd.NaT
    return replace(inputs, assignments=pd.concat([a, new.to_frame().T.astype(a.dtypes.to_dict())],
                                                 ignore_index=True))


def _group_of(groups: list[list[str]]) -> dict[str, int]:
    return {nip: g for g, nips in enumerate(groups) for nip in nips}


def _with_transfer(inputs: ScoringInputs, period: Period) -> tuple[ScoringInputs, str]:
    """The inputs with the first employee of the largest unit transferred to the first unit (by code) for
    which the employee's months lie in units of different groups for 3 and for 7 groups."""
    units = period_units(inputs, period, CUTOFF.date(), POLICY).dropna()
    largest = units["unit_code"].value_counts().sort_index().idxmax()
    nip = sorted(units.loc[units["unit_code"] == largest, "nip"])[0]
    for target in sorted(set(inputs.units["unit_code"]) - {largest}):
        moved = _transfer(inputs, nip, target)
        months = score_period(moved, period, CUTOFF.date(), POLICY).attendance_monthly
        month_units = set(months.loc[months["nip"] == nip, "unit_code"])
        if month_units != {largest, target}:
            continue
        split = True
        for n in (3, 7):
            groups = unit_groups(moved, period, CUTOFF.date(), POLICY, n)
            owner = {u: _group_of(groups)[p] for p, u in
                     period_units(moved, period, CUTOFF.date(), POLICY).dropna().itertuples(index=False)}
            split &= owner[largest] != owner[target]
        if split:
            return moved, nip
    raise AssertionError("no unit to transfer to in another group")


@pytest.fixture(scope="module", params=list(CASES))
def case(request, engine):
    period = CASES[request.param]
    inputs, nip = _with_transfer(_inputs(engine, request.param), period)
    return period, inputs, nip, score_period(inputs, period, CUTOFF.date(), POLICY)


def _assert_same(part: PeriodResults, whole: PeriodResults) -> None:
    for f in fields(PeriodResults):
        got, want = getattr(part, f.name), getattr(whole, f.name)
        assert len(want) or f.name in ("award_candidates", "training_needs"), f"{f.name} is empty"
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=f.name)


@pytest.mark.parametrize("n_groups", GROUPS)
def test_partitioned_scores_equal_scoring_everything_at_once(case, n_groups):
    period, inputs, nip, whole = case
    groups = unit_groups(inputs, period, CUTOFF.date(), POLICY, n_groups)
    parts = [score_employees(sub, period, CUTOFF.date(), POLICY) for sub in split_inputs(inputs, groups)]
    combined = combine_period(parts, inputs.survey_responses, period, CUTOFF.date(), POLICY)
    _assert_same(combined, whole)
    _assert_same(score_partitioned(inputs, period, CUTOFF.date(), POLICY, n_groups), whole)
    # The transferred employee's months count in both units' attendance.
    months = whole.attendance_monthly
    assert months.loc[months["nip"] == nip, "unit_code"].nunique() == 2
    assert set(months.loc[months["nip"] == nip, "unit_code"]) <= set(whole.unit_scores["unit_code"])


def test_the_transfer_crosses_groups(case):
    period, inputs, nip, whole = case
    units = dict(period_units(inputs, period, CUTOFF.date(), POLICY).itertuples(index=False))
    months = whole.attendance_monthly
    worked = set(months.loc[months["nip"] == nip, "unit_code"])
    assert units[nip] in worked and len(worked) == 2
    for n in (3, 7):
        groups = unit_groups(inputs, period, CUTOFF.date(), POLICY, n)
        owner = _group_of(groups)
        unit_group = {units[p]: owner[p] for p in units if units[p] is not None}
        assert len({unit_group[u] for u in worked}) == 2


@pytest.mark.parametrize("n_groups", GROUPS)
def test_unit_groups_keep_units_whole_and_every_employee_once(case, n_groups):
    period, inputs, _, _ = case
    groups = unit_groups(inputs, period, CUTOFF.date(), POLICY, n_groups)
    units = period_units(inputs, period, CUTOFF.date(), POLICY)
    every = [nip for g in groups for nip in g]
    assert sorted(every) == sorted(units["nip"]) and len(every) == len(set(every))
    assert all(g == sorted(g) and g for g in groups)
    unit_of = dict(units.itertuples(index=False))
    kinds = [{unit_of[nip] is None for nip in g} for g in groups]
    assert all(len(k) == 1 for k in kinds)  # employees without a unit never share a group with a unit
    with_unit = [g for g, k in zip(groups, kinds) if k == {False}]
    assert len(with_unit) == min(n_groups, units["unit_code"].nunique())
    owner = _group_of(groups)
    for unit, nips in units.dropna().groupby("unit_code")["nip"]:
        assert len({owner[n] for n in nips}) == 1, unit
    sizes = [len(g) for g in with_unit]
    assert max(sizes) - min(sizes) <= max(units["unit_code"].value_counts())


def test_unit_groups_refuse_zero_groups(case):
    period, inputs, _, _ = case
    with pytest.raises(ValueError):
        unit_groups(inputs, period, CUTOFF.date(), POLICY, 0)


def test_a_group_receives_only_its_own_rows(case):
    period, inputs, _, _ = case
    groups = unit_groups(inputs, period, CUTOFF.date(), POLICY, 3)
    subs = split_inputs(inputs, groups)
    for nips, sub in zip(groups, subs):
        for table, column in EMPLOYEE_TABLES.items():
            frame, full = getattr(sub, table), getattr(inputs, table)
            assert set(frame[column]) <= set(nips)
            assert len(frame) == full[column].isin(set(nips)).sum()
        for table in SHARED_TABLES:
            assert getattr(sub, table) is getattr(inputs, table)
        assert sub.survey_responses.empty
    everyone = {nip for g in groups for nip in g}
    for table, column in EMPLOYEE_TABLES.items():  # rows of NIPs that are no employee go nowhere
        assert sum(len(getattr(s, table)) for s in subs) == getattr(inputs, table)[column].isin(everyone).sum()
    pd.testing.assert_frame_equal(group_inputs(inputs, groups[1]).feedback, subs[1].feedback)


def test_input_row_order_does_not_matter(case):
    """Shuffled inputs (index labels out of order): the groups still combine to the one-run frames of the
    same shuffled inputs, supervisor feedback back in input order for the leniency means."""
    period, inputs, _, _ = case
    rng = np.random.default_rng(3)
    shuffled = ScoringInputs(**{f.name: getattr(inputs, f.name).iloc[rng.permutation(len(getattr(inputs, f.name)))]
                                for f in fields(ScoringInputs)})
    whole = score_period(shuffled, period, CUTOFF.date(), POLICY)
    _assert_same(score_partitioned(shuffled, period, CUTOFF.date(), POLICY, 3), whole)


def test_no_employees(case):
    period, inputs, _, _ = case
    empty = replace(inputs, employees=inputs.employees.iloc[:0])
    whole = score_period(empty, period, CUTOFF.date(), POLICY)
    assert unit_groups(empty, period, CUTOFF.date(), POLICY, 3) == []
    got = score_partitioned(empty, period, CUTOFF.date(), POLICY, 3)
    for f in fields(PeriodResults):
        pd.testing.assert_frame_equal(getattr(got, f.name), getattr(whole, f.name), check_exact=True, obj=f.name)
    assert len(got.unit_scores) == len(whole.unit_scores) > 0  # IKM units remain


def test_the_columns_a_run_drops_before_scoring_are_not_scored(case, engine):
    """A run leaves ids and descriptions out of the used frames once validated (UNSCORED_COLUMNS): the
    scores are the same without them, and the year and monthly months too."""
    period, inputs, _, whole = case
    trimmed = replace(inputs, **{t: getattr(inputs, t).drop(columns=list(c)) for t, c in UNSCORED_COLUMNS.items()})
    assert all(len(getattr(inputs, t)) for t in UNSCORED_COLUMNS)
    _assert_same(score_period(trimmed, period, CUTOFF.date(), POLICY), whole)
    month = Period.month(YEAR, 5)
    checked = validate(extract_tables(engine, "monthly", month, CUTOFF.date()), "monthly", POLICY, month, CUTOFF.date())
    names = {f.name for f in fields(ScoringInputs)}
    full = ScoringInputs(**{n: f for n, f in checked.used.items() if n in names}, unknown_days=checked.unknown_days)
    used = checked.for_scoring(UNSCORED_COLUMNS).used
    assert not set(UNSCORED_COLUMNS["activities"]) & set(used["activities"].columns)
    cut = ScoringInputs(**{n: f for n, f in used.items() if n in names}, unknown_days=checked.unknown_days)
    want, got = score_month(full, month, CUTOFF.date(), POLICY), score_month(cut, month, CUTOFF.date(), POLICY)
    for f in fields(want):
        pd.testing.assert_frame_equal(getattr(got, f.name), getattr(want, f.name), check_exact=True, obj=f.name)
