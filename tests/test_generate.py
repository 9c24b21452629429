"""The synthetic demo city: deterministic, structurally valid, and its bad rows recorded exactly."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import pytest

from kinerja.db import SOURCE_TABLES, get_engine
from kinerja.generate import MANIFEST_TABLE, SourceNotEmpty, generate_city

EMPLOYEES, YEAR = 60, 2026
KEYS = {"attendance": ("nip", "work_date"), "activities": ("activity_id",), "feedback": ("feedback_id",),
        "targets": ("nip", "indicator_id", "year", "quarter"), "survey_responses": ("response_id",),
        "employees": ("nip",)}


def _text(value):
    return None if value is None else str(value)


def read(url: str, table: str) -> list[dict]:
    with get_engine(url).connect() as conn:
        result = conn.exec_driver_sql(f"select * from {table}")
        return [{k: _text(v) for k, v in row._mapping.items()} for row in result]


def key_of(table: str, row: dict) -> str:
    return "|".join(str(int(float(row[c]))) if c in ("year", "quarter") else row[c] for c in KEYS[table])


def nip_is_valid(nip: str, employment_type: str) -> bool:
    """validation.md: 18 digits, birth date, sex digit; PNS TMT YYYYMM; PPPK digits 9-12 a year."""
    if len(nip) != 18 or not nip.isdigit() or nip[14] not in "12":
        return False
    try:
        date(int(nip[:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return False
    if employment_type == "PNS":
        return 1900 <= int(nip[8:12]) <= 2100 and 1 <= int(nip[12:14]) <= 12
    return employment_type == "PPPK" and 1900 <= int(nip[8:12]) <= 2100


_CITIES: dict[str, tuple] = {}


@pytest.fixture
def city(request, db_url):
    """One generated city per engine, shared by the tests that only read it."""
    engine = request.node.callspec.params["db_url"]
    if engine not in _CITIES:
        _CITIES[engine] = (db_url, generate_city(db_url, EMPLOYEES, YEAR, seed=7, progress=False))
    return _CITIES[engine]


def test_same_seed_gives_identical_rows_and_another_seed_differs(city, new_db_url):
    url, _ = city
    again, other = new_db_url(), new_db_url()
    generate_city(again, EMPLOYEES, YEAR, seed=7, progress=False)
    generate_city(other, EMPLOYEES, YEAR, seed=8, progress=False)
    for table in SOURCE_TABLES + (MANIFEST_TABLE,):
        first = read(url, table)
        assert first == read(again, table), table
    assert read(url, "employees") != read(other, "employees")
    assert read(url, "attendance") != read(other, "attendance")


def test_every_nip_but_the_injected_one_passes_the_structure_rules(city):
    url, summary = city
    employees = read(url, "employees")
    assert len(employees) == EMPLOYEES
    injected = {r["row_key"] for r in read(url, MANIFEST_TABLE) if r["source_table"] == "employees"}
    assert injected == {summary.facts["invalid_nip"]}
    for row in employees:
        assert nip_is_valid(row["nip"], row["employment_type"]) == (row["nip"] not in injected), row
    assert len({r["nip"] for r in employees}) == EMPLOYEES
    types = Counter(r["employment_type"] for r in employees)
    assert 0.6 < types["PNS"] / EMPLOYEES < 0.95 and types["PPPK"] > 0
    pppk_months = {r["nip"][12:14] for r in employees if r["employment_type"] == "PPPK"}
    assert pppk_months - {f"{m:02d}" for m in range(1, 13)}, "PPPK digits 13-14 are usually not a month"


def test_good_target_weights_add_up_to_100_per_employee_and_quarter(city):
    url, _ = city
    bad = {r["row_key"] for r in read(url, MANIFEST_TABLE) if r["source_table"] == "targets"}
    sums: dict[tuple, float] = defaultdict(float)
    indicators: Counter = Counter()
    for row in read(url, "targets"):
        if key_of("targets", row) not in bad:
            assert float(row["weight"]) > 0 and float(row["target"]) > 0
            sums[(row["nip"], row["quarter"])] += float(row["weight"])
            indicators[(row["nip"], row["quarter"])] += 1
    assert sums and all(abs(total - 100) < 1e-9 for total in sums.values())
    assert set(indicators.values()) <= {2, 3, 4}


def test_manifest_lists_exactly_the_bad_rows_in_the_tables(city):
    url, summary = city
    manifest = read(url, MANIFEST_TABLE)
    listed: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for r in manifest:
        listed[(r["source_table"], r["kind"])][r["row_key"]] += 1
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for (table, kind), keys in listed.items():
        counts[table][kind] = sum(keys.values())
    assert counts == summary.bad_rows

    employees = read(url, "employees")
    known = {r["nip"] for r in employees} - {summary.facts["invalid_nip"]}
    att = read(url, "attendance")
    by_key: dict[str, list[dict]] = defaultdict(list)
    for row in att:
        by_key[key_of("attendance", row)].append(row)
    found: dict[str, Counter] = defaultdict(Counter)
    for key, rows in by_key.items():
        good = [r for r in rows if r["nip"] in known and r["check_in"] != "25:61:00"
                and not (r["check_in"] and r["check_out"] and r["check_out"] < r["check_in"])]
        for r in rows:
            if r["nip"] not in known:
                found["unknown_nip"][key] += 1
            elif r["check_in"] == "25:61:00":
                found["time_invalid"][key] += 1
            elif r["check_in"] and r["check_out"] and r["check_out"] < r["check_in"]:
                found["check_out_before_check_in"][key] += 1
        if len(good) > 1:
            if len({tuple(r.values()) for r in good}) == 1:
                found["duplicate_identical"][key] += len(good) - 1
            else:
                found["duplicate_conflicting"][key] += len(good)
    for kind, keys in found.items():
        assert keys == listed[("attendance", kind)], kind
    assert set(kind for t, kind in listed if t == "attendance") == set(found)
    assert found["duplicate_identical"] and found["duplicate_conflicting"] and found["unknown_nip"]
    assert found["time_invalid"] or summary.dialect == "postgresql"

    checks = {
        "activities": ("quantity_invalid", lambda r: float(r["quantity"]) < 0),
        "feedback": ("score_invalid", lambda r: not 1 <= int(r["score"]) <= 5),
        "targets": ("weight_invalid", lambda r: float(r["weight"]) <= 0),
        "survey_responses": ("answer_invalid",
                             lambda r: any(not 1 <= int(r[f"u{i}"]) <= 4 for i in range(1, 10))),
    }
    for table, (kind, is_bad) in checks.items():
        rows = read(url, table)
        keys = [key_of(table, r) for r in rows]
        assert len(set(keys)) == len(keys), f"{table} keys are unique"
        bad = Counter(k for k, r in zip(keys, rows) if is_bad(r))
        assert bad and bad == listed[(table, kind)], table


def test_bad_rows_stay_under_the_publication_gate_per_table_and_month(city):
    url, summary = city
    warning_only = {"duplicate_identical"}
    for table, kinds in summary.bad_rows.items():
        errors = sum(n for kind, n in kinds.items() if kind not in warning_only)
        assert errors / summary.rows[table] <= 0.05, table
    manifest = [r for r in read(url, MANIFEST_TABLE) if r["source_table"] == "attendance"
                and r["kind"] not in warning_only]
    per_month = Counter(r["row_key"].split("|")[1][:7] for r in manifest)
    rows_per_month = Counter(r["work_date"][:7] for r in read(url, "attendance"))
    assert all(per_month[m] / rows_per_month[m] <= 0.05 for m in rows_per_month)


def test_city_has_the_cases_the_reports_need(city):
    url, summary = city
    units = read(url, "units")
    kinds = Counter(u["kind"] for u in units)
    assert kinds["puskesmas"] >= 2 and kinds["kecamatan"] >= 2 and kinds["kelurahan"] >= 2
    assert {"DISHUB", "DPMPTSP", "DISDUKCAPIL", "DINKES", "BKPSDM"} <= {u["unit_code"] for u in units}
    assignments = read(url, "assignments")
    assert Counter(a["unit_code"] for a in assignments)[summary.facts["tiny_unit"]] == 3
    by_nip = defaultdict(list)
    for a in assignments:
        by_nip[a["nip"]].append(a)
    for rows in by_nip.values():
        if len(rows) == 2:  # a transfer: contiguous rows
            rows.sort(key=lambda a: a["valid_from"])
            assert date.fromisoformat(rows[0]["valid_to"]).toordinal() + 1 == \
                date.fromisoformat(rows[1]["valid_from"]).toordinal()
    assert {h["kind"] for h in read(url, "holidays")} == {"national", "cuti_bersama"}
    assert {int(float(w["weekday"])) for w in read(url, "work_schedules")} == {1, 2, 3, 4, 5}
    att = read(url, "attendance")
    statuses = Counter(r["status"] for r in att)
    assert {"HD", "DL", "TK", "CT", "CS", "CM"} <= set(statuses)
    assert statuses["HD"] / len(att) > 0.85
    streak_nip = summary.facts["discipline_cases"]["tk_10_consecutive"][0]
    days = sorted((r["work_date"], r["status"]) for r in att if r["nip"] == streak_nip)
    longest = run = 0
    for _, status in days:
        run = run + 1 if status == "TK" else 0
        longest = max(longest, run)
    assert longest >= 10
    seven = summary.facts["discipline_cases"]["tk_7_or_more"][0]
    assert sum(1 for r in att if r["nip"] == seven and r["status"] == "TK") >= 7
    feedback = read(url, "feedback")
    assert {f["rater_type"] for f in feedback} == {"self", "supervisor", "peer", "subordinate", "public"}
    assert any("<script>alert(1)</script>" in (f["comment"] or "") for f in feedback)
    lenient = [int(f["score"]) for f in feedback if f["rater_id"] == summary.facts["lenient_supervisor"]
               and f["rater_type"] == "supervisor"]
    assert lenient and set(lenient) == {5}
    assert {a["status"] for a in read(url, "activities")} == {"approved", "pending", "rejected"}


def test_refuses_a_source_that_holds_rows_unless_replace(db_url):
    url = db_url
    generate_city(url, EMPLOYEES, YEAR, seed=7, progress=False)
    with pytest.raises(SourceNotEmpty, match="already holds rows"):
        generate_city(url, EMPLOYEES, YEAR, seed=7, progress=False)
    assert len(read(url, "employees")) == EMPLOYEES
    again = generate_city(url, EMPLOYEES, YEAR, seed=9, progress=False, replace=True)
    assert again.rows == {t: len(read(url, t)) for t in SOURCE_TABLES}
    assert len(read(url, MANIFEST_TABLE)) == again.total_bad


def test_rejects_sizes_too_small_for_a_city(tmp_path):
    with pytest.raises(ValueError, match="at least"):
        generate_city(f"sqlite:///{tmp_path}/x.db", 10, YEAR, progress=False)
