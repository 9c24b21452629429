"""hasil_kerja.activity_monthly: activity volume against the month's share of the quarterly targets."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from kinerja.methodology import score_month
from kinerja.methodology.hasil_kerja import ACTIVITY_MONTHLY_COLUMNS, activity_monthly
from kinerja.periods import Period
from tests.test_methodology_support import (NIP_A, POLICY, assignment, employee, holidays, inputs, workdays)

FEB = Period.month(2026, 2)
CUTOFF = date(2026, 12, 31)
NIP_B = "198502022010012002"  # joins on Monday 16 February
NIP_C = "199003032015031003"  # another unit
NIP_GONE = "197001012000011004"  # left on 31 January: not active in February


def ind(i, direction="higher", aggregation="sum"):
    return {"indicator_id": i, "unit_code": "DISHUB", "name": i, "uom": "x", "direction": direction,
            "aggregation": aggregation}


def tgt(nip, i, target, quarter=1):
    return {"nip": nip, "indicator_id": i, "year": 2026, "quarter": quarter, "target": target, "weight": 50}


def act(nip, i, d, qty, status="approved"):
    return {"activity_id": f"{nip}{i}{d}{qty}{status}", "nip": nip, "activity_date": d, "indicator_id": i,
            "quantity": qty, "status": status}


def city():
    return inputs(
        holidays=holidays(),
        employees=[employee(), employee(NIP_B, active_from="2026-02-16"), employee(NIP_C),
                   employee(NIP_GONE, active_to="2026-01-31")],
        assignments=[assignment(), assignment(NIP_B), assignment(NIP_C, unit="DINKES"), assignment(NIP_GONE)],
        indicators=[ind("S"), ind("M", aggregation="mean"), ind("L", direction="lower")],
        targets=[tgt(NIP_A, "S", 58), tgt(NIP_B, "S", 58), tgt(NIP_C, "S", 29), tgt(NIP_GONE, "S", 58),
                 tgt(NIP_A, "M", 10), tgt(NIP_B, "M", 20), tgt(NIP_A, "L", 58),
                 tgt(NIP_A, "S", 999, quarter=2), tgt(NIP_A, "UNKNOWN", 5)],
        activities=[act(NIP_A, "S", "2026-02-03", 10), act(NIP_A, "S", "2026-01-20", 5),
                    act(NIP_A, "S", "2026-02-04", 100, status="pending"),
                    act(NIP_B, "S", "2026-02-10", 4), act(NIP_B, "S", "2026-02-17", 6),
                    act(NIP_C, "S", "2026-02-05", 9.5), act(NIP_GONE, "S", "2026-02-05", 50),
                    act(NIP_A, "M", "2026-02-04", 8), act(NIP_B, "M", "2026-02-18", 14),
                    act(NIP_A, "L", "2026-02-06", 28.5)])


def rows(data=None, cutoff=CUTOFF):
    data = data or city()
    units = pd.DataFrame({"nip": data.assignments["nip"], "unit_code": data.assignments["unit_code"]})
    out = activity_monthly(data.activities, data.targets, data.indicators, data.employees, data.holidays, units,
                           FEB, cutoff, POLICY)
    assert list(out.columns) == ACTIVITY_MONTHLY_COLUMNS
    return out


def row(out, unit, indicator):
    pick = out[(out["unit_code"].isna() if unit is None else out["unit_code"] == unit)
               & (out["indicator_id"] == indicator)]
    assert len(pick) == 1
    return pick.iloc[0]


def test_calendar_of_the_case():
    assert len(workdays("2026-01-01", "2026-03-31")) == 58
    assert len(workdays("2026-02-01", "2026-02-28")) == 19
    assert len(workdays("2026-02-16", "2026-02-28")) == 9


def test_sum_indicator_prorates_each_employee_and_sums_the_unit():
    r = row(rows(), "DISHUB", "S")
    # A: 58 × 19/58 = 19; B (joiner): 58 × 9/58 = 9; the employee who left in January is not counted.
    assert r["employees"] == 2
    assert r["target_share"] == pytest.approx(28.0, abs=1e-9)
    # A: 10 on 3 Feb (January and pending rows excluded); B: 6 on 17 Feb (10 Feb is before joining).
    assert r["realisasi"] == pytest.approx(16.0, abs=1e-9)
    assert r["capaian"] == pytest.approx(100 * 16 / 28, abs=1e-9)
    assert r["month"] == "2026-02"


def test_mean_indicator_averages_activities_and_targets():
    r = row(rows(), "DISHUB", "M")
    assert r["employees"] == 2
    assert r["realisasi"] == pytest.approx(11.0, abs=1e-9)  # mean of 8 and 14
    assert r["target_share"] == pytest.approx(15.0, abs=1e-9)  # mean of 10 and 20, not prorated
    assert r["capaian"] == pytest.approx(100 * 11 / 15, abs=1e-9)


def test_lower_is_better_uses_the_section_3_formula():
    r = row(rows(), "DISHUB", "L")
    assert r["target_share"] == pytest.approx(19.0, abs=1e-9)
    assert r["capaian"] == pytest.approx(100 * (2 - 28.5 / 19), abs=1e-9)  # 50


def test_organisation_rows_cover_every_unit_and_other_units_stay_apart():
    out = rows()
    c = row(out, "DINKES", "S")
    assert (c["employees"], c["realisasi"], c["target_share"], c["capaian"]) == (1, 9.5, 9.5, 100.0)
    org = row(out, None, "S")
    assert org["employees"] == 3
    assert org["realisasi"] == pytest.approx(25.5, abs=1e-9)
    assert org["target_share"] == pytest.approx(37.5, abs=1e-9)
    assert set(out["indicator_id"]) == {"S", "M", "L"}  # the target of an unknown indicator is left out
    assert out["unit_code"].isna().tolist() == [False] * 4 + [True] * 3  # units first, then organisation


def test_cutoff_limits_share_and_realisasi():
    r = row(rows(cutoff=date(2026, 2, 13)), "DISHUB", "S")
    assert r["employees"] == 1  # the joiner has no active day up to the cut-off
    assert r["target_share"] == pytest.approx(58 * 10 / 58, abs=1e-9)  # 2–13 Feb: 10 working days
    assert r["realisasi"] == pytest.approx(10.0, abs=1e-9)


def test_empty_inputs_give_empty_frame_with_columns():
    data = inputs(holidays=holidays(), employees=[employee()], assignments=[assignment()])
    out = rows(data)
    assert out.empty and list(out.columns) == ACTIVITY_MONTHLY_COLUMNS
    assert list(score_month(data, FEB, CUTOFF, POLICY).activity_monthly.columns) == ACTIVITY_MONTHLY_COLUMNS


def test_score_month_uses_the_month_unit():
    res = score_month(city(), FEB, CUTOFF, POLICY).activity_monthly
    pd.testing.assert_frame_equal(res, rows())
