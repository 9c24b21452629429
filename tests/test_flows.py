"""The flows end to end, as real Prefect flow runs, on SQLite and PostgreSQL (issue: flows and schedules)."""
from __future__ import annotations

import re
import threading

import pandas as pd
import pytest
import sqlalchemy as sa

from kinerja import db
from kinerja.cli import run_flow
from tests.city import YEAR, settings_for

pytestmark = pytest.mark.usefixtures("prefect_harness")



def _frame(url: str, query: str, **params) -> pd.DataFrame:
    with db.get_engine(url).connect() as conn:
        result = conn.execute(sa.text(query), params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _scalar(url: str, query: str, **params):
    with db.get_engine(url).connect() as conn:
        return conn.execute(sa.text(query), params).scalar()


def test_a_whole_year_publishes_every_period_and_accounts_for_every_row(city, tmp_path):
    url = city.copy()
    settings = settings_for(url, tmp_path)
    plan = ([("monthly", {"year": YEAR, "month": m}) for m in range(1, 13)]
            + [("quarterly", {"year": YEAR, "quarter": q}) for q in range(1, 5)] + [("annual", {"year": YEAR})])
    outcomes = [run_flow(flow, settings, **period) for flow, period in plan]
    assert [o.status for o in outcomes] == ["succeeded"] * 17, [o.message for o in outcomes]
    published = _frame(url, "select flow, period from runs where published = 1 order by flow, period")
    assert len(published) == 17
    # extracted = used + quarantined for every table of every run
    totals = _frame(url, "select * from data_quality where check_name is null")
    assert (totals["extracted"] == totals["used"] + totals["quarantined"]).all()
    # the annual run quarantined exactly the bad rows the generator injected into its window
    annual = outcomes[-1].run_id
    quarantined = _frame(url, "select source_table, row_key from quarantine where run_id = :r", r=annual)
    injected = _frame(url, "select source_table, row_key from generator_bad_rows")
    assert set(map(tuple, quarantined.to_numpy())) == set(map(tuple, injected.to_numpy()))
    scores = _frame(url, "select * from employee_scores where run_id = :r", r=annual)
    assert scores["predikat"].isin(["sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang",
                                    "belum_dinilai"]).all()
    assert scores["nilai_akhir"].notna().sum() > len(scores) / 2
    # Each unit with scored employees has a head to sign its report: a member on the year's last day whose
    # supervisor is outside the unit, with that day's position (Kepala …, Camat …, Direktur …).
    heads = _frame(url, "select unit_code, nip, position from run_unit_heads where run_id = :r", r=annual)
    assert set(scores["unit_code"].dropna()) <= set(heads["unit_code"]) and heads["unit_code"].is_unique
    last_day = f"{YEAR}-12-31"
    source = _frame(url, "select a.nip, a.unit_code, a.position, a.supervisor_nip from assignments a "
                         "where a.valid_from <= :d and (a.valid_to is null or a.valid_to >= :d)", d=last_day)
    rows = heads.merge(source, on=["nip", "unit_code", "position"])
    assert len(rows) == len(heads)
    colleagues = source.merge(heads[["unit_code"]], on="unit_code")
    assert not any(rows.apply(lambda h: ((colleagues["unit_code"] == h["unit_code"])
                                         & (colleagues["nip"] == h["supervisor_nip"])).any(), axis=1))
    december = outcomes[11].run_id
    assert _scalar(url, "select count(*) from run_unit_heads where run_id = :r", r=december) == len(heads)


def test_an_identical_second_run_is_unchanged(city, tmp_path):
    url = city.copy()
    settings = settings_for(url, tmp_path)
    first = run_flow("quarterly", settings, year=YEAR, quarter=1)
    second = run_flow("quarterly", settings, "nothing changed", year=YEAR, quarter=1)
    assert (first.status, second.status) == ("succeeded", "unchanged")
    assert second.exit_code == 0
    runs = _frame(url, "select run_id, status, published from runs order by started_at")
    assert list(runs["status"]) == ["succeeded", "unchanged"]
    assert _scalar(url, "select count(*) from employee_scores where run_id = :r", r=second.run_id) == 0


def test_extracting_in_worker_processes_reads_and_fingerprints_the_same_rows(city, tmp_path):
    """The large tables of a large source are extracted in worker processes (tasks/extract.py): forced here
    on the small city, the run after a threads-only run sees exactly the same inputs, so it is unchanged."""
    url = city.copy()
    settings = settings_for(url, tmp_path)
    first = run_flow("quarterly", settings.model_copy(update={"extract_processes": 0}), year=YEAR, quarter=2)
    second = run_flow("quarterly", settings.model_copy(update={"extract_processes": 2}), "same rows",
                      year=YEAR, quarter=2)
    assert (first.status, second.status) == ("succeeded", "unchanged"), second.message
    fingerprints = _frame(url, "select run_id, source_fingerprint from runs order by started_at")
    assert fingerprints["source_fingerprint"].nunique() == 1


def test_correcting_one_attendance_row_changes_only_that_employee(city, tmp_path):
    url = city.copy()
    settings = settings_for(url, tmp_path)
    first = run_flow("quarterly", settings, year=YEAR, quarter=1)
    target = _frame(url, "select nip, work_date from attendance where status = 'HD' and check_in is not null "
                         "and work_date between '2026-02-02' and '2026-02-27' order by nip, work_date limit 1")
    nip, day = target.iloc[0]["nip"], target.iloc[0]["work_date"]
    with db.get_engine(url).begin() as conn:  # the unit corrects: that day was in fact unexcused absence
        conn.execute(sa.text("update attendance set status = 'TK', check_in = null, check_out = null "
                             "where nip = :n and work_date = :d"), {"n": nip, "d": day})
    second = run_flow("quarterly", settings, "koreksi absensi", year=YEAR, quarter=1)
    assert second.status == "succeeded"
    revisions = _frame(url, "select * from revisions where run_id = :r", r=second.run_id)
    assert set(revisions["nip"]) == {nip}
    assert set(revisions["previous_run_id"]) == {first.run_id}
    before = _frame(url, "select * from employee_scores where run_id = :r and nip = :n", r=first.run_id, n=nip)
    after = _frame(url, "select * from employee_scores where run_id = :r and nip = :n", r=second.run_id, n=nip)
    changed = {c for c in before.columns if c not in ("run_id", "period")
               and str(before.iloc[0][c]) != str(after.iloc[0][c])
               and not (pd.isna(before.iloc[0][c]) and pd.isna(after.iloc[0][c]))}
    assert changed and set(revisions["field"]) == changed
    assert "disiplin_score" in changed
    assert _scalar(url, "select count(*) from runs where published = 1") == 1


def test_a_blocked_run_keeps_the_earlier_publication(city, tmp_path):
    url = city.copy()
    settings = settings_for(url, tmp_path)
    first = run_flow("monthly", settings, year=YEAR, month=3)
    assert first.status == "succeeded"
    with db.get_engine(url).begin() as conn:  # a feed delivers garbage: >5 % check-outs before check-ins
        conn.execute(sa.text("update attendance set check_in = '10:00:00', check_out = '08:00:00' where "
                             "work_date between '2026-03-01' and '2026-03-31' and status = 'HD'"))
    second = run_flow("monthly", settings, year=YEAR, month=3)
    assert second.status == "blocked" and second.exit_code == 3
    assert "attendance" in second.message
    # the operator's message names example keys; what goes to logs and Prefect masks the NIPs in them
    assert re.search(r"\d{18}", second.message) and not re.search(r"\d{18}", second.public_message)
    published = _frame(url, "select run_id from runs where published = 1")
    assert list(published["run_id"]) == [first.run_id]
    assert _scalar(url, "select count(*) from attendance_monthly where run_id = :r", r=second.run_id) == 0
    assert _scalar(url, "select count(*) from quarantine where run_id = :r", r=second.run_id) > 0


def test_a_final_state_that_lost_its_data_still_gives_the_runs_outcome():
    """Prefect may hand back a final state without the Outcome it carried (its embedded server's
    database locked under load); the flow's own record of its Outcome is used, not a made-up failure."""
    import uuid

    from prefect.states import Failed

    from flows import cycle
    from kinerja.context import Outcome

    locked = Outcome("locked", "another monthly run of 2026-05 is in progress", flow="monthly", period="2026-05")
    state = Failed(message=locked.message)  # the data is gone
    state.state_details.flow_run_id = uuid.uuid4()
    cycle._outcomes[str(state.state_details.flow_run_id)] = locked
    assert cycle.outcome_of(state) is locked
    assert str(state.state_details.flow_run_id) not in cycle._outcomes  # taken once, not kept for ever
    assert cycle.outcome_of(state) is None  # no record, no data: the caller reports the failed run


def test_concurrent_runs_of_one_period_publish_exactly_one(city, tmp_path):
    url = city.copy()
    settings = settings_for(url, tmp_path)
    outcomes = []
    threads = [threading.Thread(target=lambda: outcomes.append(run_flow("monthly", settings, year=YEAR, month=5)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    statuses = sorted(o.status for o in outcomes)
    assert statuses.count("succeeded") == 1, [o.message for o in outcomes]
    assert set(statuses) <= {"succeeded", "locked", "unchanged"}, [(o.status, o.message) for o in outcomes]
    assert all(o.exit_code == 4 for o in outcomes if o.status == "locked")
    assert _scalar(url, "select count(*) from runs where published = 1") == 1
