"""The run lifecycle: locks, reaping, atomic publication, revisions (both engines)."""
import multiprocessing
from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from kinerja import db, runs
from kinerja.periods import Period

AT = datetime(2027, 1, 5, 2, 0, 0)
Q1 = Period.parse("2026-Q1")


def _warehouse(url):
    engine = db.get_engine(url)
    db.create_schema(engine, "warehouse")
    return engine


def _start(engine, run_id, flow="quarterly", period=Q1):
    runs.record_start(engine, {"run_id": run_id, "flow": flow, "period": period.code, "policy_version": "t",
                               "policy_hash": "h", "data_as_of": AT, "started_at": AT, "previous_run_id": None,
                               "reason": None, "code_version": "c"})


def _scores(**overrides):
    row = {"period": "2026-Q1", "nip": "198001012005011001", "unit_code": "DISHUB", "active_workdays": 58,
           "prorate_factor": 1.0, "hasil_kerja_score": 94.0, "hasil_kerja_rating": "sesuai", "perilaku_score": 38 / 9,
           "perilaku_rating": "di_atas", "self_score": None, "disiplin_score": 99.1666666666, "nilai_akhir": 96.71666,
           "predikat": "baik", "not_rated_reason": None, "supervisor_nip": None}
    row.update(overrides)
    return pd.DataFrame([row])


def _write(scores):
    empty = pd.DataFrame(columns=["source_table", "partition", "row_count", "fingerprint"])
    return runs.RunWrite(results={"employee_scores": scores}, quality={}, partitions=empty,
                         employee_digests=pd.DataFrame(columns=["source_table", "nip", "row_count", "digest"]),
                         fingerprint="fp")


def test_second_lock_of_same_period_is_refused_and_other_periods_proceed(db_url):
    engine = _warehouse(db_url)
    lock = runs.acquire_lock(engine, "quarterly", Q1, "run-a", AT)
    with pytest.raises(runs.RunInProgress, match="run-a"):
        runs.acquire_lock(engine, "quarterly", Q1, "run-b", AT)
    other = runs.acquire_lock(engine, "quarterly", Period.parse("2026-Q2"), "run-c", AT)
    lock.release()
    other.release()
    runs.acquire_lock(engine, "quarterly", Q1, "run-d", AT).release()


def _hold_lock_and_die(url):
    engine = db.get_engine(url)
    _start(engine, "run-dead")
    runs.acquire_lock(engine, "quarterly", Q1, "run-dead", AT)
    import os
    os._exit(0)  # dies holding the lock, as a killed process would


def test_lock_and_running_row_of_a_dead_process_are_reaped(db_url):
    engine = _warehouse(db_url)
    proc = multiprocessing.get_context("spawn").Process(target=_hold_lock_and_die, args=(db_url,))
    proc.start()
    proc.join(60)
    lock = runs.acquire_lock(engine, "quarterly", Q1, "run-next", AT)
    lock.release()
    runs.reap_dead_runs(engine, AT)
    with engine.connect() as conn:
        status = conn.execute(sa.text("select status from runs where run_id = 'run-dead'")).scalar()
    assert status == "failed"


def test_publish_switches_the_published_run_and_writes_revisions(db_url):
    engine = _warehouse(db_url)
    _start(engine, "r1")
    assert runs.publish(engine, "r1", "quarterly", "2026-Q1", _write(_scores()), AT) == 0
    _start(engine, "r2")
    n = runs.publish(engine, "r2", "quarterly", "2026-Q1", _write(_scores(disiplin_score=94.1666666666,
                                                                          nilai_akhir=96.21666)), AT)
    assert n == 2
    with engine.connect() as conn:
        published = conn.execute(sa.text("select run_id from runs where published = 1")).scalars().all()
        rev = conn.execute(sa.text("select field, old_value, new_value, previous_run_id from revisions "
                                   "order by field")).all()
    assert published == ["r2"]
    assert [tuple(r) for r in rev] == [("disiplin_score", "99.166666667", "94.166666667", "r1"),
                                       ("nilai_akhir", "96.71666", "96.21666", "r1")]


def test_revisions_name_absent_and_present_employees():
    old = _scores()
    new = _scores(nip="199105252023211031")
    rev = runs.compute_revisions(old, new, "r2", "r1", "2026-Q1")
    assert sorted(zip(rev["nip"], rev["old_value"], rev["new_value"])) == [
        ("198001012005011001", "present", "absent"), ("199105252023211031", "absent", "present")]


def test_revisions_ignore_differences_below_nine_decimals():
    rev = runs.compute_revisions(_scores(nilai_akhir=1 / 3), _scores(nilai_akhir=1 / 3 + 1e-12), "r2", "r1", "p")
    assert rev.empty


def test_a_second_published_run_of_a_period_is_impossible(db_url):
    engine = _warehouse(db_url)
    _start(engine, "r1")
    _start(engine, "r2")
    with engine.begin() as conn:
        conn.execute(sa.text("update runs set published = 1 where run_id = 'r1'"))
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.execute(sa.text("update runs set published = 1 where run_id = 'r2'"))


def test_schema_check_does_not_wait_for_a_run_writing_results(db_url):
    """A run opening (create_schema) while another writes its results: on PostgreSQL `create index if not
    exists` on an existing index still locks the table, and two such runs deadlocked. Existing objects
    are now left alone, so the check neither waits nor locks."""
    import threading

    engine = _warehouse(db_url)
    writer = engine.connect()
    transaction = writer.begin()
    if db.dialect_of(engine) == "postgresql":  # SQLite locks the whole file: nothing to show there
        writer.execute(sa.text("insert into quarantine (run_id, source_table, row_key, check_name, detail, row_json) "
                               "values ('r', 't', 'k', 'c', 'd', '{}')"))
    done = threading.Event()
    checker = threading.Thread(target=lambda: (db.create_schema(engine, "warehouse"), done.set()), daemon=True)
    checker.start()
    try:
        assert done.wait(20), "create_schema waited for the open write transaction"
    finally:
        transaction.rollback()
        writer.close()
        checker.join(20)
