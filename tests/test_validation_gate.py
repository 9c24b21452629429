"""Table checks and the publication gate (validation.md), NIP examples, GX plumbing, cache units."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from kinerja import db
from kinerja.extract import SOURCE_COLUMNS, extract_tables
from kinerja.fingerprint import partition_keys, row_digests, row_hashes, table_parts
from kinerja.periods import Period
from kinerja.policy import load_policy
from kinerja.validation import (KEYS, SUITES, cache_key, check_names, combine_verdicts, crossing_keys,
                                partition_table, validate, validate_table)
from kinerja.validation.validate import validate_rows

POLICY = load_policy()
MARCH = Period.month(2026, 3)
NIPS = [f"1980010120050110{i:02d}" for i in range(1, 21)]
MARCH_DAYS = [f"2026-03-{d:02d}" for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)]


def frame(table, rows):
    return pd.DataFrame([[None if v is None else str(v) for v in r] for r in rows],
                        columns=list(SOURCE_COLUMNS[table]), dtype=object)


def city(nips=NIPS, days=MARCH_DAYS, extra_attendance=()):
    """A clean month: one unit, employees in service, an HD row per employee per day."""
    return {
        "units": frame("units", [("DISHUB", "Dinas", None, "dinas")]),
        "employees": frame("employees", [(n, "x", "PNS", None, "2005-01-01", None) for n in nips]),
        "assignments": frame("assignments", [(n, "DISHUB", "Staf", None, "2005-01-01", None) for n in nips]),
        "holidays": frame("holidays", []),
        "work_schedules": frame("work_schedules", []),
        "attendance": frame("attendance", [(n, d, "07:30", "16:00", "HD") for n in nips for d in days]
                            + list(extra_attendance)),
        "survey_responses": frame("survey_responses", []),
    }


def checks(result, severity=None):
    return {(f.source_table, f.check_name) for f in result.findings if severity in (None, f.severity)}


def test_clean_month_is_not_blocked():
    result = validate(city(), "monthly", POLICY, MARCH, date(2026, 3, 31))
    assert not result.blocked and result.block_reason is None and result.quarantine.empty
    assert checks(result) == set()
    totals = result.data_quality.set_index("source_table")
    assert totals.loc["attendance", "extracted"] == totals.loc["attendance", "used"] == 200


@pytest.mark.parametrize("bad, blocked", [(11, True), (10, False)])
def test_quarantine_share_gate_is_more_than_the_share(bad, blocked):
    # 200 good rows + `bad` rows with an unknown status: 11/211 = 5.2 % > 5 %; 10/210 = 4.8 %
    extra = [(NIPS[0], f"2026-03-{d:02d}", None, None, "XX") for d in range(16, 16 + bad)]
    result = validate(city(extra_attendance=extra), "monthly", POLICY, MARCH, date(2026, 3, 31))
    assert result.blocked is blocked
    if blocked:
        assert "attendance: quarantine_share (11)" in result.block_reason
        assert f"{NIPS[0]}|2026-03-16" in result.block_reason
        assert f"…{NIPS[0][-4:]}|2026-03-16" in result.block_reason_masked


def test_quarantine_share_needs_at_least_gate_min_rows():
    extra = [(NIPS[0], f"2026-03-{d:02d}", None, None, "XX") for d in (16, 17, 18, 19)]
    result = validate(city(nips=NIPS[:2], extra_attendance=extra), "monthly", POLICY, MARCH, None)
    assert result.data_quality.set_index(["source_table", "check_name"]).loc[("attendance", "status_unknown"), "failed"] == 4
    assert not result.blocked  # 4 of 24 rows is 17 %, but fewer than gate_min_quarantined (5)


def test_identical_duplicates_do_not_count_towards_the_gate():
    extra = [(n, MARCH_DAYS[0], "07:30", "16:00", "HD") for n in NIPS]  # 20 extra identical copies
    result = validate(city(extra_attendance=extra), "monthly", POLICY, MARCH, None)
    assert not result.blocked
    assert ("attendance", "duplicate_identical") in checks(result, "warning")
    assert len(result.used["attendance"]) == 200 and len(result.quarantine) == 20


@pytest.mark.parametrize("table", ["employees", "units"])
def test_conflicting_primary_key_blocks(table):
    raw = city()
    if table == "employees":
        raw["employees"] = pd.concat([raw["employees"], frame("employees", [(NIPS[3], "other name", "PNS", None,
                                                                              "2005-01-01", None)])], ignore_index=True)
        key = NIPS[3]
    else:
        raw["units"] = frame("units", [("DISHUB", "Dinas", None, "dinas"), ("DISHUB", "Dishub", None, "dinas"),
                                       ("BAPPEDA", "Bappeda", None, "badan")])
        key = "DISHUB"
    result = validate(raw, "monthly", POLICY, MARCH, None)
    finding = next(f for f in result.findings if f.check_name == "primary_key_conflict")
    assert (finding.source_table, finding.severity, finding.count, finding.example_keys) == (table, "critical", 1, (key,))
    assert result.blocked and f"{table}: primary_key_conflict (1)" in result.block_reason


def test_cascade_quarantined_unit_and_employee():
    raw = city(nips=NIPS[:2])
    raw["units"] = frame("units", [("DISHUB", "Dinas", "GONE", "dinas"), ("A", "a", None, None)])
    raw["employees"].loc[1, "employment_type"] = "Honorer"
    result = validate(raw, "monthly", POLICY, MARCH, None)
    q = result.quarantine
    assert set(q.loc[q["source_table"] == "assignments", "check_name"]) == {"unknown_unit", "unknown_nip"}
    assert (q.loc[q["source_table"] == "attendance", "row_key"].str.startswith(NIPS[1])).sum() == len(MARCH_DAYS)


def test_target_weights_not_100_is_a_warning():
    raw = {**city(nips=NIPS[:1]),
           "indicators": frame("indicators", [("I1", None, "x", "x", "higher", "sum"), ("I2", None, "x", "x", "lower", "mean")]),
           "targets": frame("targets", [(NIPS[0], "I1", 2026, 1, 10, 60), (NIPS[0], "I2", 2026, 1, 10, 30),
                                        (NIPS[0], "I1", 2026, 2, 10, 60), (NIPS[0], "I2", 2026, 2, 10, 40.4)]),
           "activities": frame("activities", []), "feedback": frame("feedback", [])}
    raw["attendance"] = frame("attendance", [(NIPS[0], d, None, None, "HD") for d in ("2026-01-05", "2026-02-02", "2026-03-02")])
    result = validate(raw, "quarterly", POLICY, Period.quarter(2026, 1), date(2026, 3, 31))
    finding = next(f for f in result.findings if f.check_name == "weight_sum")
    assert (finding.severity, finding.count, finding.example_keys) == ("warning", 1, (f"{NIPS[0]}|2026|1",))
    assert not result.blocked and len(result.used["targets"]) == 4


def test_employee_without_attendance_in_a_month_is_a_warning():
    raw = city(nips=NIPS[:3])
    raw["attendance"] = raw["attendance"][raw["attendance"]["nip"] != NIPS[2]].reset_index(drop=True)
    raw["employees"] = pd.concat([raw["employees"], frame("employees", [
        ("198001012005011099", "left", "PNS", None, "2005-01-01", "2026-02-27"),   # not active in March
        ("198001012005011098", "weekend", "PNS", None, "2026-03-28", "2026-03-29")])],  # Sat-Sun only
        ignore_index=True)
    result = validate(raw, "monthly", POLICY, MARCH, date(2026, 3, 31))
    finding = next(f for f in result.findings if f.check_name == "no_attendance_in_month")
    assert (finding.severity, finding.example_keys) == ("warning", (f"{NIPS[2]}|2026-03",))
    assert not result.blocked


def test_a_month_of_the_period_without_any_attendance_blocks():
    raw = city()
    result = validate(raw, "quarterly", POLICY, Period.quarter(2026, 1), date(2026, 3, 31))
    finding = next(f for f in result.findings if f.check_name == "no_rows_in_window")
    assert finding.severity == "critical" and finding.example_keys == ("2026-01", "2026-02")
    assert result.blocked


def test_empty_tables_block_with_a_clear_reason(db_url):
    engine = db.get_engine(db_url)
    db.create_schema(engine, "source")
    raw = extract_tables(engine, "monthly", MARCH, date(2026, 3, 31))
    result = validate(raw, "monthly", POLICY, MARCH, date(2026, 3, 31))
    assert checks(result, "critical") == {("units", "table_empty"), ("employees", "table_empty"),
                                          ("attendance", "no_rows_in_window")}
    assert result.blocked and "attendance: no_rows_in_window" in result.block_reason
    assert (result.data_quality["extracted"] == 0).all()


def test_missing_table_and_column_block(db_url):
    engine = db.get_engine(db_url)
    db.create_schema(engine, "source")
    with engine.begin() as conn:
        conn.execute(sa.text("drop table holidays"))
        conn.execute(sa.text("drop table units"))
        conn.execute(sa.text("create table units (unit_code text, name text, kind text)"))
        db.bulk_insert(conn, "employees", list(SOURCE_COLUMNS["employees"]), [(NIPS[0], "x", "PNS", None, "2005-01-01", None)])
        db.bulk_insert(conn, "attendance", list(SOURCE_COLUMNS["attendance"]), [(NIPS[0], "2026-03-02", None, None, "TK")])
    raw = extract_tables(engine, "monthly", MARCH, None)
    result = validate(raw, "monthly", POLICY, MARCH, None)
    found = {(f.source_table, f.check_name): f for f in result.findings if f.severity == "critical"}
    assert found[("holidays", "missing_table")].count == 1
    assert found[("units", "missing_column")].example_keys == ("parent_code",)
    assert "units: missing_column (1)" in result.block_reason
    dq = result.data_quality.set_index(["source_table", "check_name"])
    assert dq.loc[("holidays", "missing_table"), "severity"] == "critical"
    assert dq.loc[("holidays", "missing_table"), "failed"] == 1


def test_nip_examples():
    rows = [("199105252023211031", "PPPK"), ("199105252023211031", "PNS"), ("198001012005011002", "PNS"),
            ("198001012005131002", "PNS"), ("198002302005011002", "PPPK")]
    for i, (nip, kind) in enumerate(rows):
        verdict = validate_table("employees", frame("employees", [(nip, "x", kind, None, "2020-01-01", None)]), {}, POLICY)
        first = verdict.quarantine["check_name"].tolist()
        assert first == [[], ["nip_tmt"], [], ["nip_tmt"], ["nip_birth_date"]][i], (nip, kind)


def test_attendance_partitions_validate_like_the_whole_and_cache_by_content():
    raw = city(extra_attendance=[(NIPS[0], "abc", None, None, "HD"), (NIPS[1], "2026-02-02", None, None, "XX")])
    refs = {"employees": pd.Index(NIPS, dtype=object)}
    whole = validate_table("attendance", raw["attendance"], refs, POLICY)
    parts = partition_table("attendance", raw["attendance"])
    assert set(parts) == {"abc", "2026-02", "2026-03"}  # the fingerprint's partitions (raw text)
    combined = combine_verdicts([validate_table("attendance", p, refs, POLICY) for p in parts.values()])
    assert (combined.extracted, len(combined.used), combined.failed) == (whole.extracted, len(whole.used), whole.failed)
    assert cache_key("attendance", parts["2026-03"], refs) == cache_key("attendance", parts["2026-03"].copy(), refs)
    assert cache_key("attendance", parts["2026-03"], refs) != cache_key("attendance", parts["2026-03"], {"employees": NIPS[:3]})
    cache = {}
    first = validate(raw, "monthly", POLICY, MARCH, None, cache=cache)
    size = len(cache)
    again = validate(raw, "monthly", POLICY, MARCH, None, cache=cache)
    assert len(cache) == size and again.quarantine.equals(first.quarantine)


def test_cache_keys_use_the_digests_extraction_computed_of_the_same_rows():
    """Extraction's RowDigests name exactly the rows validation judges (per partition, or the whole table
    when it is one piece), are order-sensitive, and key the cache to the same verdicts."""
    raw = city(extra_attendance=[(NIPS[0], "abc", None, None, "HD"), (NIPS[1], "2026-02-02", None, None, "XX")])
    refs = {"employees": pd.Index(NIPS, dtype=object)}
    for table in ("attendance", "employees"):
        digests = table_parts(table, raw[table])[2]
        parts = partition_table(table, raw[table])
        for label, part in parts.items():
            own = row_digests(row_hashes(part), partition_keys(table, part)).whole
            assert own == (digests.whole if len(parts) == 1 else digests.partitions[label]), (table, label)
    shuffled = raw["attendance"].iloc[::-1].reset_index(drop=True)
    assert table_parts("attendance", shuffled)[0].equals(table_parts("attendance", raw["attendance"])[0])
    assert table_parts("attendance", shuffled)[2] != table_parts("attendance", raw["attendance"])[2]

    digests = {t: table_parts(t, f)[2] for t, f in raw.items()}
    plain, keyed = {}, {}
    first = validate(raw, "monthly", POLICY, MARCH, None, cache=plain)
    second = validate(raw, "monthly", POLICY, MARCH, None, cache=keyed, row_digests=digests)
    assert len(keyed) == len(plain) and all(":rows-" in key for key in keyed)
    assert not set(keyed) & set(plain)
    again = validate(raw, "monthly", POLICY, MARCH, None, cache=keyed, row_digests=digests)
    for result in (second, again):
        assert result.quarantine.equals(first.quarantine)
        for table in raw:
            pd.testing.assert_frame_equal(result.used[table], first.used[table])
    assert len(keyed) == len(plain)  # the second run found every verdict under the same keys
    key = cache_key("attendance", None, refs, digests["attendance"].partitions["2026-03"])
    assert key in keyed and len(keyed[key].used) == 200


def test_suites_are_declared_once_and_documented():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "validation.md").read_text(encoding="utf-8")
    for table in SUITES:
        for name in check_names(table):
            assert f"`{name}`" in doc, name
    from kinerja.validation.gx import context
    assert context() is context()


def _sorted(frame, by):
    return frame.sort_values(by, kind="stable").reset_index(drop=True)


def _same_verdict(table, whole, parted):
    key = list(KEYS[table])
    assert (parted.extracted, parted.failed) == (whole.extracted, whole.failed)
    pd.testing.assert_frame_equal(_sorted(parted.used, key + list(parted.used.columns[:3])),
                                  _sorted(whole.used, key + list(whole.used.columns[:3])))
    cols = ["row_key", "check_name", "row_json"]
    pd.testing.assert_frame_equal(_sorted(parted.quarantine, cols), _sorted(whole.quarantine, cols))


def test_activities_and_feedback_partitions_validate_like_the_whole_table():
    """Per month (activities) and per quarter (feedback), with ids that recur across partitions: the
    combined verdict is the whole table's, row for row."""
    refs = {"employees": pd.Index(NIPS, dtype=object), "indicators": pd.Index(["I1"], dtype=object)}
    act = lambda i, d, q="1", status="approved": (i, NIPS[0], d, "I1", q, "30", status, "x")  # noqa: E731
    activities = frame("activities", [
        act("a1", "2026-01-05"), act("a2", "2026-01-06"), act("a3", "2026-02-02"),
        act("x1", "2026-01-07"), act("x1", "2026-02-07"),                     # across two months: conflicting
        act("x2", "2026-01-08"), act("x2", "2026-01-08"), act("x2", "2026-03-01"),  # identical pair + another month
        act("x3", "2026-01-09"), act("x3", "2026-02-09", q="-1"),             # the other copy fails: not a duplicate
        act("i1", "2026-03-02"), act("i1", "2026-03-02"),                     # identical within a month
        act("c1", "2026-03-03"), act("c1", "2026-03-03", q="2"),              # conflicting within a month
        act("b1", "2026-13-01"), act("b1", "2026-03-04"), act(None, "2026-03-05"),
    ])
    fb = lambda i, y, q, nip=NIPS[1]: (i, nip, "R1", "peer", y, q, "berorientasi_pelayanan", "4", None,  # noqa: E731
                                       f"{y}-0{q}-01 10:00:00" if str(q).isdigit() and int(q) < 10 else None)
    feedback = frame("feedback", [
        fb("f1", "2026", "1"), fb("f2", "2026", "2"), fb("y1", "2026", "1"), fb("y1", "2026", "2"),
        fb("y2", "2026", "3"), fb("y2", "2026", "3"), fb("y3", "2026", "4"), fb("y3", "abc", "4"),
        fb("y4", "2026", "4"), fb("y4", "2026", "4", nip="199999999999999999"),
    ])
    for table, raw, parts in (("activities", activities, {"2026-01", "2026-02", "2026-03", "2026-13"}),
                              ("feedback", feedback, {"2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "abc-Q4"})):
        split = partition_table(table, raw)
        assert set(split) == parts and sum(map(len, split.values())) == len(raw)
        whole = validate_table(table, raw, refs, POLICY)
        cache = {}
        parted = validate_rows(table, raw, refs, POLICY, cache)
        _same_verdict(table, whole, parted)
        assert len(cache) == len(parts)
        again = validate_rows(table, raw, refs, POLICY, cache)  # the crossing ids need no cache
        _same_verdict(table, whole, again)
        # As a worker validates: each partition's rows let go once judged, read again for the crossing ids.
        reads = []
        freed = validate_rows(table, raw.copy(), refs, POLICY, {}, reread=lambda: reads.append(1) or raw.copy())
        _same_verdict(table, whole, freed)
        assert reads == [1]
        clean = raw[~raw[KEYS[table][0]].isin(["x1", "x2", "y1"])]  # no id crosses: never read again
        validate_rows(table, clean.copy(), refs, POLICY, {}, reread=lambda: reads.append(2) or clean.copy())
        assert reads == [1]
    whole = validate_table("activities", activities, refs, POLICY)
    conflicting = whole.quarantine[whole.quarantine["check_name"] == "duplicate_conflicting"]["row_key"]
    assert sorted(conflicting) == ["c1", "c1", "x1", "x1", "x2", "x2", "x2"]
    assert crossing_keys("activities", {k: validate_table("activities", p, refs, POLICY)
                                        for k, p in partition_table("activities", activities).items()}).tolist() \
        == ["x1", "x2"]
