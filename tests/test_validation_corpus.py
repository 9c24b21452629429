"""The bad-input corpus: one small case per row check of validation.md and per "must never cause harm"
input, loaded into a real source database (SQLite and PostgreSQL), extracted and validated once per
engine; each case asserts exactly how its rows come out (used, quarantined under which check, or not
extracted). Cases a typed PostgreSQL column cannot hold ('abc' in a DATE) run on SQLite only.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinerja import db
from kinerja.extract import SOURCE_COLUMNS, extract_tables
from kinerja.periods import Period
from kinerja.validation import parse
from kinerja.policy import load_policy
from kinerja.validation import KEYS, validate

PERIOD = Period.quarter(2026, 1)
CUTOFF = date(2026, 3, 31)
PNS = "198001012005011002"        # born 1980-01-01, TMT CPNS 2005-01, male
PPPK = "199105252023211031"       # born 1991-05-25, PPPK 2023, digits 13-14 '21' are not a month
PNS2 = "198503152010012003"
MARKUP = "<script>alert('x')</script>'; DROP TABLE employees; --"


@dataclass(frozen=True)
class Case:
    id: str
    table: str
    rows: tuple[tuple, ...]
    quarantined: tuple[str, ...] = ()   # check_name of each quarantined row with this key
    used: int = 0                        # rows with this key that are used
    extracted: bool = True               # False: outside the window, never read
    sqlite_only: bool = False
    detail: tuple[str, ...] = ()         # further checks named in the detail


def ok(id, table, *row, sqlite_only=False):
    return Case(id, table, (row,), used=1, sqlite_only=sqlite_only)


def bad(id, table, check, *row, sqlite_only=False, detail=()):
    return Case(id, table, (row,), quarantined=(check,), sqlite_only=sqlite_only, detail=detail)


def att(nip, day, cin="07:30:00", cout="16:00:00", status="HD"):
    return (nip, day, cin, cout, status)


BASE_DAYS = ("2026-01-05", "2026-02-02", "2026-03-02")

CASES = [
    # --- units
    ok("unit_ok", "units", "DISHUB", "Dinas Perhubungan", None, "dinas"),
    ok("unit_parent_ok", "units", "PKM-01", "Puskesmas 1", "DINKES", "puskesmas"),
    ok("unit_parent", "units", "DINKES", "Dinas Kesehatan", None, "dinas"),
    bad("unit_code_blank", "units", "unit_code_empty", "  ", "Blank", None, None),
    bad("unit_code_null", "units", "unit_code_empty", None, "Null code", None, None),
    bad("unit_parent_unknown", "units", "unknown_parent", "BADPARENT", "x", "NOPE", None),
    bad("unit_parent_quarantined", "units", "unknown_parent", "CHILD", "cascade", "BADPARENT", None),
    # --- employees (NIP structure, types, dates, duplicates, free text)
    ok("nip_pns_ok", "employees", PNS, "Budi", "PNS", "III/a", "2005-01-01", None),
    ok("nip_pppk_ok", "employees", PPPK, "Siti", "PPPK", "IX", "2023-01-02", None),
    ok("name_markup_kept", "employees", PNS2, MARKUP, "PNS", "III/b", "2010-01-01", None),
    bad("nip_short", "employees", "nip_format", "12345", "x", "PNS", None, "2020-01-01", None),
    bad("nip_letters", "employees", "nip_format", "19800101200501100A", "x", "PNS", None, "2020-01-01", None),
    bad("nip_empty_string", "employees", "nip_format", "", "x", "PNS", None, "2020-01-01", None),
    bad("nip_birth_month_13", "employees", "nip_birth_date", "198013012005011002", "x", "PNS", None, "2020-01-01", None),
    bad("nip_sex_digit_3", "employees", "nip_sex_digit", "198001012005013002", "x", "PNS", None, "2020-01-01", None),
    bad("nip_pns_tmt_not_month", "employees", "nip_tmt", "199206152023211041", "x", "PNS", None, "2023-01-02", None),
    bad("employment_type_unknown", "employees", "employment_type", "197001012000011001", "x", "Honorer", None, "2020-01-01", None),
    bad("employment_type_null", "employees", "employment_type", "197001022000011001", "x", None, None, "2020-01-01", None),
    bad("active_to_before_from", "employees", "active_range", "197001032000011001", "x", "PNS", None, "2020-01-01", "2019-12-31"),
    bad("active_from_null", "employees", "active_from_invalid", "197001042000011001", "x", "PNS", None, None, None),
    bad("active_from_text", "employees", "active_from_invalid", "197001052000011001", "x", "PNS", None, "abc", None,
        sqlite_only=True),
    bad("nip_and_date_bad", "employees", "nip_format", "1234", "x", "PNS", None, "2020-02-30", None,
        sqlite_only=True, detail=("active_from_invalid",)),
    Case("employee_identical_copy", "employees", (("197001062000011001", "Ani", "PNS", None, "2020-01-01", None),) * 2,
         quarantined=("duplicate_identical",), used=1),
    # --- assignments
    ok("assignment_ok", "assignments", PNS, "DISHUB", "Staf", None, "2005-01-01", None),
    bad("assignment_unknown_nip", "assignments", "unknown_nip", "197501012000011009", "DISHUB", "Staf", None, "2020-01-01", None),
    bad("assignment_unknown_unit", "assignments", "unknown_unit", PPPK, "BADPARENT", "Staf", None, "2023-01-02", None),
    bad("assignment_range", "assignments", "valid_range", PPPK, "DISHUB", "Staf", None, "2023-01-02", "2022-01-01"),
    bad("assignment_date_text", "assignments", "valid_from_invalid", PNS2, "DINKES", "Staf", None, "soon", None,
        sqlite_only=True),
    # --- holidays
    ok("holiday_ok", "holidays", "2026-01-01", "Tahun Baru", "national"),
    bad("holiday_kind", "holidays", "kind_unknown", "2026-02-17", "Imlek", "religious"),
    bad("holiday_date_null", "holidays", "holiday_date_invalid", None, "?", "national"),
    bad("holiday_feb_30", "holidays", "holiday_date_invalid", "2026-02-30", "?", "national", sqlite_only=True),
    Case("holiday_identical", "holidays", (("2026-03-20", "Idul Fitri", "national"),) * 2,
         quarantined=("duplicate_identical",), used=1),
    Case("holiday_conflicting", "holidays", (("2026-03-19", "Nyepi", "national"), ("2026-03-19", "Nyepi", "cuti_bersama")),
         quarantined=("duplicate_conflicting", "duplicate_conflicting")),
    # --- work_schedules
    ok("schedule_ok", "work_schedules", "2026-02-18", "2026-03-19", 1, "08:00:00", "15:00:00"),
    bad("schedule_weekday_8", "work_schedules", "weekday_invalid", "2026-02-18", "2026-03-19", 8, "08:00:00", "15:00:00"),
    bad("schedule_end_before_start", "work_schedules", "end_not_after_start", "2026-02-18", "2026-03-19", 2, "15:00:00", "08:00:00"),
    bad("schedule_range", "work_schedules", "valid_range", "2026-03-19", "2026-02-18", 3, "08:00:00", "15:00:00"),
    bad("schedule_time_25_61", "work_schedules", "time_invalid", "2026-02-18", "2026-03-19", 4, "25:61", "15:00:00",
        sqlite_only=True),
    # --- attendance
    *[ok(f"attendance_ok_{d}", "attendance", *att(n, d)) for d in BASE_DAYS for n in (PNS, PPPK, PNS2)],
    ok("attendance_excused_no_times", "attendance", *att(PNS, "2026-01-06", None, None, "CT")),
    ok("attendance_hd_without_times", "attendance", *att(PNS, "2026-01-07", None, None, "HD")),
    ok("attendance_hh_mm", "attendance", *att(PNS, "2026-01-08", "07:31", "16:00")),
    bad("attendance_unknown_nip", "attendance", "unknown_nip", *att("197501012000011009", "2026-01-05")),
    bad("attendance_of_quarantined_employee", "attendance", "unknown_nip", *att("199206152023211041", "2026-01-05")),
    bad("attendance_status_xx", "attendance", "status_unknown", *att(PNS, "2026-01-09", status="XX")),
    bad("attendance_status_empty", "attendance", "status_unknown", *att(PNS, "2026-01-12", status="")),
    bad("attendance_status_null", "attendance", "status_unknown", *att(PNS, "2026-01-13", status=None)),
    bad("attendance_out_before_in", "attendance", "check_out_before_check_in", *att(PNS, "2026-01-14", "16:00:00", "07:30:00")),
    bad("attendance_work_date_null", "attendance", "work_date_invalid", *att(PPPK, None)),
    bad("attendance_time_25_61", "attendance", "time_invalid", *att(PNS, "2026-01-15", "25:61"), sqlite_only=True),
    bad("attendance_time_as_number", "attendance", "time_invalid", *att(PNS, "2026-01-16", 730), sqlite_only=True),
    bad("attendance_date_text", "attendance", "work_date_invalid", *att(PNS, "abc"), sqlite_only=True),
    bad("attendance_feb_30", "attendance", "work_date_invalid", *att(PPPK, "2026-02-30"), sqlite_only=True),
    bad("attendance_two_failures", "attendance", "status_unknown", *att(PNS2, "2026-01-20", "7h30", None, "??"),
        sqlite_only=True, detail=("time_invalid",)),
    Case("attendance_before_window", "attendance", (att(PNS, "2025-12-31"),), extracted=False),
    Case("attendance_after_period", "attendance", (att(PNS, "2026-04-01"),), extracted=False),
    Case("attendance_identical", "attendance", (att(PPPK, "2026-01-21"),) * 2, quarantined=("duplicate_identical",), used=1),
    Case("attendance_conflicting", "attendance", (att(PPPK, "2026-01-22"), att(PPPK, "2026-01-22", None, None, "TK")),
         quarantined=("duplicate_conflicting", "duplicate_conflicting")),
    # --- indicators
    ok("indicator_ok", "indicators", "IND1", "DISHUB", "Izin trayek terbit", "dokumen", "higher", "sum"),
    ok("indicator_shared", "indicators", "IND2", None, "Waktu tunggu", "menit", "lower", "mean"),
    bad("indicator_direction", "indicators", "direction_unknown", "IND3", None, "x", "x", "up", "sum"),
    bad("indicator_aggregation", "indicators", "aggregation_unknown", "IND4", None, "x", "x", "higher", "max"),
    bad("indicator_unit_unknown", "indicators", "unknown_unit", "IND5", "NOPE", "x", "x", "higher", "sum"),
    # --- targets
    ok("target_ok", "targets", PNS, "IND1", 2026, 1, 10, 60),
    ok("target_ok_2", "targets", PNS, "IND2", 2026, 1, 30, 40),
    bad("target_zero", "targets", "target_invalid", PPPK, "IND1", 2026, 1, 0, 50),
    bad("target_null", "targets", "target_invalid", PPPK, "IND2", 2026, 1, None, 50),
    bad("weight_negative", "targets", "weight_invalid", PPPK, "IND1", 2026, 2, 5, -1),
    bad("quarter_5", "targets", "quarter_invalid", PPPK, "IND1", 2026, 5, 5, 50),
    bad("target_unknown_indicator", "targets", "unknown_indicator", PPPK, "IND5", 2026, 1, 5, 50),
    bad("target_year_text", "targets", "year_invalid", PNS2, "IND1", "abc", 1, 5, 50, sqlite_only=True),
    bad("target_number_text", "targets", "target_invalid", PNS2, "IND2", 2026, 1, "ten", 50, sqlite_only=True),
    Case("target_other_year", "targets", ((PNS2, "IND1", 2025, 1, 5, 50),), extracted=False),
    # --- activities
    ok("activity_ok", "activities", "A1", PNS, "2026-01-05", "IND1", 3, 30, "approved", MARKUP),
    ok("activity_quantity_as_text", "activities", "A2", PNS, "2026-01-06", "IND1", "12", None, "pending", None),
    bad("activity_quantity_negative", "activities", "quantity_invalid", "A3", PNS, "2026-01-06", "IND1", -1, None, "approved", None),
    bad("activity_quantity_text", "activities", "quantity_invalid", "A4", PNS, "2026-01-06", "IND1", "abc", None, "approved", None,
        sqlite_only=True),
    bad("activity_status", "activities", "status_unknown", "A5", PNS, "2026-01-06", "IND1", 1, None, "done", None),
    bad("activity_unknown_indicator", "activities", "unknown_indicator", "A6", PNS, "2026-01-06", "IND3", 1, None, "approved", None),
    bad("activity_unknown_nip", "activities", "unknown_nip", "A7", "12345", "2026-01-06", "IND1", 1, None, "approved", None),
    bad("activity_id_empty", "activities", "activity_id_empty", "", PNS, "2026-01-06", "IND1", 1, None, "approved", None),
    bad("activity_minutes_negative", "activities", "minutes_invalid", "A8", PNS, "2026-01-06", "IND1", 1, -5, "approved", None),
    bad("activity_date_text", "activities", "activity_date_invalid", "A9", PNS, "yesterday", "IND1", 1, None, "approved", None,
        sqlite_only=True),
    Case("activity_outside_period", "activities", (("A10", PNS, "2026-04-15", "IND1", 1, None, "approved", None),),
         extracted=False),
    # --- feedback
    ok("feedback_ok", "feedback", "F1", PNS, PPPK, "peer", 2026, 1, "loyal", 4, MARKUP, "2026-03-01 10:00:00"),
    ok("feedback_self_ok", "feedback", "F2", PNS, PNS, "self", 2026, 1, "adaptif", 5, None, "2026-03-01 10:00:00"),
    bad("feedback_score_6", "feedback", "score_invalid", "F3", PNS, PPPK, "peer", 2026, 1, "loyal", 6, MARKUP, "2026-03-01 10:00:00"),
    bad("feedback_score_null", "feedback", "score_invalid", "F4", PNS, PPPK, "peer", 2026, 1, "loyal", None, None, "2026-03-01 10:00:00"),
    bad("feedback_aspect", "feedback", "aspect_unknown", "F5", PNS, PPPK, "peer", 2026, 1, "rajin", 4, None, "2026-03-01 10:00:00"),
    bad("feedback_rater_type", "feedback", "rater_type_unknown", "F6", PNS, PPPK, "boss", 2026, 1, "loyal", 4, None, "2026-03-01 10:00:00"),
    bad("feedback_self_mismatch", "feedback", "self_rater_mismatch", "F7", PNS, PPPK, "self", 2026, 1, "loyal", 4, None, "2026-03-01 10:00:00"),
    bad("feedback_unknown_ratee", "feedback", "unknown_nip", "F8", "199206152023211041", PNS, "peer", 2026, 1, "loyal", 4, None, "2026-03-01 10:00:00"),
    bad("feedback_rater_missing", "feedback", "rater_id_missing", "F9", PNS, None, "public", 2026, 1, "loyal", 4, None, "2026-03-01 10:00:00"),
    bad("feedback_score_text", "feedback", "score_invalid", "F10", PNS, PPPK, "peer", 2026, 1, "loyal", "four", None, None,
        sqlite_only=True),
    Case("feedback_next_quarter", "feedback", (("F11", PNS, PPPK, "peer", 2026, 2, "loyal", 4, None, None),), extracted=False),
    # --- survey_responses
    ok("survey_ok", "survey_responses", "R1", "DISHUB", "izin trayek", "2026-02-10", *[4, 3, 3, 4, 2, 3, 4, 4, 1]),
    bad("survey_u3_5", "survey_responses", "answer_invalid", "R2", "DISHUB", "izin", "2026-02-10", *[4, 3, 5, 4, 2, 3, 4, 4, 1]),
    bad("survey_u1_null", "survey_responses", "answer_invalid", "R3", "DISHUB", "izin", "2026-02-10", *[None, 3, 3, 4, 2, 3, 4, 4, 1]),
    bad("survey_unknown_unit", "survey_responses", "unknown_unit", "R4", "NOPE", "izin", "2026-02-10", *[4] * 9),
    Case("survey_outside_period", "survey_responses", (("R5", "DISHUB", "izin", "2026-05-10", *[4] * 9),), extracted=False),
]


def _cases(engine: str) -> list[Case]:
    return [c for c in CASES if engine == "sqlite" or not c.sqlite_only]


def _key(table: str, row: tuple) -> str:
    cols = list(SOURCE_COLUMNS[table])
    return "|".join("" if row[cols.index(k)] is None else str(row[cols.index(k)]) for k in KEYS[table])


def _typed_keys(table: str, frame: pd.DataFrame) -> list[str]:
    def text(v):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            return ""
        if isinstance(v, pd.Timestamp):
            return v.strftime("%Y-%m-%d")
        if isinstance(v, (float, np.floating, np.integer, int)):
            return str(int(v))
        return str(v)
    return ["|".join(text(v) for v in vals) for vals in zip(*(frame[k].tolist() for k in KEYS[table]))]


_BUILT: dict[str, tuple] = {}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def corpus(request, tmp_path_factory):
    """The corpus loaded into a fresh database of each engine, extracted and validated once."""
    engine_name = request.param
    if engine_name not in _BUILT:
        _BUILT[engine_name] = _build(engine_name, request, tmp_path_factory)
    return _BUILT[engine_name]


def _build(engine_name, request, tmp_path_factory):
    if engine_name == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('corpus')}/corpus.db"
    else:
        url = request.getfixturevalue("pg_server").create_database("kinerja_corpus")
    engine = db.get_engine(url)
    db.create_schema(engine, "source")
    cases = _cases(engine_name)
    with engine.begin() as conn:
        for table in SOURCE_COLUMNS:
            rows = [r for c in cases if c.table == table for r in c.rows]
            db.bulk_insert(conn, table, list(SOURCE_COLUMNS[table]), rows)
    raw = extract_tables(engine, "quarterly", PERIOD, CUTOFF)
    result = validate(raw, "quarterly", load_policy(), PERIOD, CUTOFF)
    used_keys = {t: _typed_keys(t, f) for t, f in result.used.items()}
    return engine_name, cases, raw, result, used_keys


ENGINE_CASES = [pytest.param(engine, case, id=f"{case.id}-{engine}")
                for engine in ("sqlite", "postgresql") for case in _cases(engine)]


@pytest.mark.parametrize("corpus, case", ENGINE_CASES, indirect=["corpus"])
def test_corpus_case(corpus, case):
    _, _, raw, result, used_keys = corpus
    key = _key(case.table, case.rows[0])
    q = result.quarantine[(result.quarantine["source_table"] == case.table) & (result.quarantine["row_key"] == key)]
    assert sorted(q["check_name"]) == sorted(case.quarantined), q[["check_name", "detail"]].to_string()
    assert used_keys[case.table].count(key) == case.used
    extracted_keys = [_key(case.table, tuple(r)) for r in raw[case.table].itertuples(index=False)]
    assert extracted_keys.count(key) == (len(case.rows) if case.extracted else 0)
    for check in case.detail:
        assert all(f"{check}:" in d for d in q["detail"]), q["detail"].tolist()
    for row_json in q["row_json"]:  # the row as read, every value text or NULL
        values = json.loads(row_json)
        assert list(values) == list(SOURCE_COLUMNS[case.table])
        assert all(v is None or isinstance(v, str) for v in values.values())


def test_every_table_extracted_equals_used_plus_quarantined(corpus):
    _, _, raw, result, _ = corpus
    totals = result.data_quality[result.data_quality["check_name"].isna()].set_index("source_table")
    for table, frame in raw.items():
        assert totals.loc[table, "extracted"] == len(frame)
        assert totals.loc[table, "extracted"] == totals.loc[table, "used"] + totals.loc[table, "quarantined"]
        assert totals.loc[table, "used"] == len(result.used[table])
        assert totals.loc[table, "quarantined"] == (result.quarantine["source_table"] == table).sum()


def test_free_text_with_markup_and_sql_is_kept_as_data(corpus):
    _, _, _, result, _ = corpus
    assert MARKUP in result.used["employees"]["name"].tolist()
    assert result.used["activities"].set_index("activity_id").loc["A1", "description"] == MARKUP
    assert result.used["feedback"].set_index("feedback_id").loc["F1", "comment"] == MARKUP
    score_6 = result.quarantine[result.quarantine["row_key"] == "F3"]
    assert json.loads(score_6["row_json"].item())["comment"] == MARKUP


def test_numbers_as_text_are_used_as_numbers(corpus):
    _, _, _, result, _ = corpus
    activities = result.used["activities"].set_index("activity_id")
    assert activities.loc["A2", "quantity"] == 12.0 and activities["quantity"].dtype == np.float64
    assert result.used["targets"]["year"].dtype == np.int64


def test_typed_frames_follow_the_convention(corpus):
    _, _, _, result, _ = corpus
    attendance = result.used["attendance"]
    assert attendance["work_date"].dtype == "datetime64[ns]"
    row = attendance[(attendance["nip"] == PNS) & (attendance["work_date"] == "2026-01-08")]
    assert row["check_in"].item() == 7 * 3600 + 31 * 60 and attendance["check_in"].dtype == np.float64
    assert result.used["feedback"]["submitted_at"].dtype == "datetime64[ns]"
    assert result.used["employees"]["active_to"].isna().all()


def test_quarantined_attendance_days_are_unknown_days(corpus):
    _, _, _, result, _ = corpus
    unknown = {(n, d.strftime("%Y-%m-%d")) for n, d in zip(result.unknown_days["nip"], result.unknown_days["work_date"])}
    assert (PPPK, "2026-01-22") in unknown          # conflicting duplicate: no row used
    assert (PNS, "2026-01-09") in unknown           # status XX
    assert (PPPK, "2026-01-21") not in unknown      # identical copy: the first one is used
    assert (PNS, "2026-01-05") not in unknown


def test_corpus_findings_and_gate(corpus):
    _, _, _, result, _ = corpus
    found = {(f.source_table, f.check_name): f for f in result.findings}
    assert found[("holidays", "duplicate_conflicting")].severity == "error"
    assert found[("attendance", "duplicate_identical")].severity == "warning"
    assert found[("employees", "nip_tmt")].example_keys == ("199206152023211041",)
    # so many bad employee rows: the quarantine share blocks publication, and the reason says where
    assert result.blocked and found[("employees", "quarantine_share")].severity == "critical"
    assert "employees: quarantine_share" in result.block_reason
    assert "199206152023211041" not in result.block_reason_masked


# --- parsing shortcuts -----------------------------------------------------------------------------

_STAMP_CHARS = "0123456789-: T.x"


@settings(max_examples=3000, deadline=None)
@given(st.one_of(
    st.text(alphabet=_STAMP_CHARS, min_size=19, max_size=19),
    st.builds(lambda d, sep, c: d + sep + c,
              st.sampled_from(["2025-01-31", "2024-02-29", "2025-02-29", "1899-12-31", "2101-01-01", "2025-13-01",
                               "20x5-01-01", "2025-1-011"]),
              st.sampled_from([" ", "T", "x"]),
              st.text(alphabet=_STAMP_CHARS, min_size=8, max_size=8)),
))
def test_the_timestamp_shortcut_parses_as_the_full_pattern(text):
    """timestamp_seconds takes `YYYY-MM-DD HH:MM:SS` apart as a remembered date and clock; every
    19-character text gets what the full pattern gives (a fraction, a bad clock or date included)."""
    fast, full = parse.timestamp_seconds(text), parse._timestamp_seconds(text)
    assert fast == full or (math.isnan(fast) and math.isnan(full)), (text, fast, full)


def test_the_timestamp_shortcut_on_the_shapes_feedback_holds():
    day = 1742947200.0  # 2025-03-26
    for text, seconds in [("2025-03-26 16:05:04", day + 57904), ("2025-03-26T16:05:04", day + 57904),
                          ("2025-03-26 1:05.123", day + 3900.123),  # 19 characters, a clock with a fraction
                          ("2025-03-26 16:05", day + 57900), ("2025-03-26", day),
                          ("2025-03-26 24:00:00", None), ("2025-02-29 10:00:00", None), ("2025-03-26x16:05:04", None)]:
        got = parse.timestamp_seconds(text)
        assert (math.isnan(got) if seconds is None else got == pytest.approx(seconds, abs=1e-6)), (text, got)
