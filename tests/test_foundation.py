"""The foundation: schema on both engines, policy loading, periods."""
import pytest
import sqlalchemy as sa

from kinerja import db
from kinerja.periods import Period, PeriodError, previous_complete
from kinerja.policy import PolicyError, load_policy


def test_schema_is_idempotent_on_both_engines(db_url):
    engine = db.get_engine(db_url)
    for _ in range(2):
        db.create_schema(engine, "source")
        db.create_schema(engine, "warehouse")
    tables = set(sa.inspect(engine).get_table_names())
    assert set(db.SOURCE_TABLES) <= tables
    assert {"runs", "employee_scores", "quarantine", "data_quality", "revisions"} <= tables


def test_bulk_insert_round_trips_nulls_and_nip_text(db_url):
    engine = db.get_engine(db_url)
    db.create_schema(engine, "source")
    rows = [("199105252023211031", "Siti", "PPPK", None, "2023-01-02", None)]
    with engine.begin() as conn:
        db.bulk_insert(conn, "employees", ["nip", "name", "employment_type", "grade", "active_from", "active_to"], rows)
    with engine.connect() as conn:
        nip, grade = conn.execute(sa.text("select nip, grade from employees")).one()
    assert nip == "199105252023211031" and grade is None


def test_frames_insert_the_values_cleaning_each_one_would(db_url):
    """insert_frame converts a column at a time (kinerja.db._db_values); the rows stored are those of
    cleaning every value (`_clean`): numbers, text, booleans, nullable integers, mixed objects,
    and every kind of missing value."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({
        "f": [1.5, np.nan, 3.0], "i": np.array([1, 2, 3], dtype=np.int64), "b": [True, False, True],
        "s": ["a", None, "c"],
        "n": pd.array([1, None, 3], dtype="Int64"), "o": pd.Series([np.float64(2.5), "x", pd.NA], dtype=object),
        "e": pd.Series([None, None, None], dtype=object)})
    engine = db.get_engine(db_url)
    types = {"f": "double precision", "i": "integer", "b": "boolean", "n": "integer"}
    columns = ", ".join(f"{c} {types.get(c, 'text')}" for c in frame.columns)
    with engine.begin() as conn:
        for table in ("by_column", "by_value"):
            conn.execute(sa.text(f"create table {table} (k integer, {columns})"))
        db.insert_frame(conn, "by_column", frame.assign(k=range(3)))
        cells = frame.assign(k=range(3)).astype(object).where(frame.assign(k=range(3)).notna(), None)
        db.bulk_insert(conn, "by_value", list(cells.columns), cells.itertuples(index=False, name=None))
    with engine.connect() as conn:
        read = [conn.execute(sa.text(f"select * from {t} order by k")).all() for t in ("by_column", "by_value")]
    assert read[0] == read[1] and len(read[0]) == 3
    assert read[0][1][1:3] == (None, 2)


def test_default_policy_loads_with_version_and_hash():
    policy = load_policy()
    assert policy.version == "2026.1"
    assert len(policy.content_hash) == 64


@pytest.mark.parametrize("yaml_text, key", [
    ("version: x\nbogus: 1\n", "bogus"),
    ("nilai_akhir:\n  weights: {hasil_kerja: 0, perilaku: 0, disiplin: 0}\n  perilaku_scale: 24\n", "nilai_akhir.weights"),
    ("attendance:\n  grace_minutes: ten\n", "attendance.grace_minutes"),
])
def test_policy_errors_name_the_key(tmp_path, yaml_text, key):
    import yaml
    base = yaml.safe_load(open(load_policy.__globals__["DEFAULT_POLICY_PATH"]))
    patch = yaml.safe_load(yaml_text)
    for k, v in patch.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            base[k].update(v)
        else:
            base[k] = v
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(base))
    with pytest.raises(PolicyError, match=key.replace(".", r"\.")):
        load_policy(path)


def test_periods_parse_and_bounds():
    assert Period.parse("2026-Q4").end.isoformat() == "2026-12-31"
    assert Period.parse("2024-02").end.day == 29
    assert previous_complete("quarter", Period.parse("2026-01").start).code == "2025-Q4"
    with pytest.raises(PeriodError):
        Period.parse("2026-01'; DROP TABLE runs; --")
    with pytest.raises(PeriodError):
        Period.parse("2026-13")


def test_redact_hides_passwords():
    assert db.redact("postgresql+psycopg://hr:s3cret@db:5432/x") == "postgresql+psycopg://hr:***@db:5432/x"


def test_settings_read_their_environment_and_explicit_options_win(monkeypatch):
    from kinerja.settings import RunSettings

    monkeypatch.setenv("KINERJA_SIGNATURE_PLACE", "Semarang")
    monkeypatch.setenv("KINERJA_EXTRACT_PROCESSES", "2")
    settings = RunSettings.from_env(source_url="sqlite:///s.db", warehouse_url="sqlite:///w.db")
    assert (settings.signature_place, settings.extract_processes) == ("Semarang", 2)
    assert RunSettings.from_env(signature_place="Salatiga").signature_place == "Salatiga"
    monkeypatch.delenv("KINERJA_SIGNATURE_PLACE")
    assert RunSettings.from_env().signature_place is None


def test_a_larger_organisation_is_scored_in_more_unit_groups(monkeypatch):
    """At least `score_groups`; more when a group would hold more than about `score_group_employees`."""
    from kinerja.settings import RunSettings
    from tasks.score import scoring_group_count

    settings = RunSettings(source_url="sqlite:///s.db", warehouse_url="sqlite:///w.db")
    assert [scoring_group_count(settings, n) for n in (0, 300, 4000, 4001, 15000, 60000)] == [4, 4, 4, 5, 15, 60]
    monkeypatch.setenv("KINERJA_SCORE_GROUP_EMPLOYEES", "5000")
    assert scoring_group_count(RunSettings.from_env(), 15000) == 4
    assert scoring_group_count(RunSettings.from_env(score_groups=8), 15000) == 8


def test_large_tables_are_extracted_by_a_worker_per_core_at_most(monkeypatch):
    """Two workers on two cores (a third would only take turns while holding its rows); one per large
    table on a larger machine; never fewer than two."""
    import os

    from tasks.extract import default_processes

    for cores, expected in ((1, 2), (2, 2), (8, 3), (None, 2)):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        assert default_processes() == expected
