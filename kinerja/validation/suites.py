"""The expectation suites: every row check of validation.md, one ordered suite per source table.

This module is the one place where checks are declared (docs/validation.md lists them for people).
Each `Check` is (check_name, severity, plain-words detail, GX expectation). A check may need several
expectations (e.g. "not NULL" and "in the set", because GX column-map expectations skip NULLs); they
share the check name and keep the table's order. The order is validation.md's order, followed by the
checks this project adds (validity of date/number columns validation.md does not name, empty keys).

Expectations run on a *batch frame*: the row position `_row`, raw text columns, and helper columns
computed vectorised in pandas (kinerja/validation/core.py):
- `<col>__value`: the parsed value of a DATE/TIME/TIMESTAMP/INTEGER/REAL column (NaN if it does not parse);
- `<col>__ok`: the raw value is NULL or parses;
- `<col>__present`: the raw value is not NULL and not blank;
- `<col>__known`: the value is a key of a row of the referenced table that passed its checks;
- `nip__birth_ok`, `nip__sex_ok`, `nip__tmt_ok` (NIP structure), `self_rater_ok` (feedback).
The verdict for every row comes from the GX validation result (unexpected_index_list).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kinerja.policy import ASPECTS, ATTENDANCE_STATUSES, RATER_TYPES

SUITE_VERSION = "2"  # bump when a check changes meaning; part of every validation cache key

ERROR, WARNING, CRITICAL = "error", "warning", "critical"


@dataclass(frozen=True)
class Expect:
    """A GX expectation by class name and arguments (built lazily: importing GX costs seconds)."""

    kind: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        cols = [self.kwargs.get(k) for k in ("column", "column_A", "column_B")]
        return tuple(c for c in cols if c) + tuple(self.kwargs.get("column_list", ()))

    def build(self, meta: dict[str, Any]):
        import great_expectations.expectations as gxe

        return getattr(gxe, self.kind)(**dict(self.kwargs), meta=meta)


@dataclass(frozen=True)
class Check:
    name: str
    severity: str
    says: str  # the failure in plain words, for quarantine.detail
    expect: Expect


def _true(column: str) -> Expect:
    return Expect("ExpectColumnValuesToBeInSet", {"column": column, "value_set": [True]})


def _not_null(column: str) -> Expect:
    return Expect("ExpectColumnValuesToNotBeNull", {"column": column})


def _in(column: str, values) -> Expect:
    return Expect("ExpectColumnValuesToBeInSet", {"column": column, "value_set": list(values)})


def _regex(column: str, regex: str) -> Expect:
    return Expect("ExpectColumnValuesToMatchRegex", {"column": column, "regex": regex})


def _above(column: str, low: float, *, strict: bool) -> Expect:
    return Expect("ExpectColumnValuesToBeBetween", {"column": column, "min_value": low, "strict_min": strict})


def _between(column: str, low: float, high: float) -> Expect:
    return Expect("ExpectColumnValuesToBeBetween", {"column": column, "min_value": low, "max_value": high})


def _not_before(later: str, earlier: str, *, or_equal: bool = True) -> Expect:
    """later >= earlier (or >), skipped when either is NULL/unparsed (another check reports that)."""
    return Expect("ExpectColumnPairValuesAToBeGreaterThanB",
                  {"column_A": f"{later}__value", "column_B": f"{earlier}__value", "or_equal": or_equal,
                   "ignore_row_if": "either_value_is_missing"})


def _date(table_col: str, required: bool = True) -> tuple[Check, ...]:
    name = f"{table_col}_invalid"
    if required:
        return (Check(name, ERROR, f"{table_col} is missing or not a date (YYYY-MM-DD, 1900-2100)",
                      _not_null(f"{table_col}__value")),)
    return (Check(name, ERROR, f"{table_col} is not a date (YYYY-MM-DD, 1900-2100)", _true(f"{table_col}__ok")),)


def _known(check: str, column: str, what: str) -> Check:
    return Check(check, ERROR, f"{column} is not a known {what}", _true(f"{column}__known"))


def _code(check: str, column: str, values) -> tuple[Check, ...]:
    return (Check(check, ERROR, f"{column} is missing", _not_null(column)),
            Check(check, ERROR, f"{column} is not one of {', '.join(values)}", _in(column, values)))


def _whole(check: str, column: str, low: int, high: int) -> tuple[Check, ...]:
    return (Check(check, ERROR, f"{column} is missing or not a whole number", _not_null(f"{column}__value")),
            Check(check, ERROR, f"{column} is not {low}-{high}", _in(f"{column}__value", range(low, high + 1))))


def _positive(check: str, column: str) -> tuple[Check, ...]:
    return (Check(check, ERROR, f"{column} is missing or not a number", _not_null(f"{column}__value")),
            Check(check, ERROR, f"{column} is not above 0", _above(f"{column}__value", 0, strict=True)))


def _year(column: str = "year") -> tuple[Check, ...]:
    return (Check("year_invalid", ERROR, f"{column} is missing or not a whole number", _not_null(f"{column}__value")),
            Check("year_invalid", ERROR, f"{column} is not a year 1900-2100", _between(f"{column}__value", 1900, 2100)))


def _present(check: str, column: str) -> Check:
    return Check(check, ERROR, f"{column} is empty", _true(f"{column}__present"))


NIP_REGEX = r"^[0-9]{18}$"

#: table -> ordered checks. The first failing check names a quarantined row; every failing one is in its detail.
SUITES: Mapping[str, tuple[Check, ...]] = {
    "units": (
        _present("unit_code_empty", "unit_code"),
        Check("unknown_parent", ERROR, "parent_code is not a known unit", _true("parent_code__known")),
    ),
    "employees": (
        Check("nip_format", ERROR, "nip is missing", _not_null("nip")),
        Check("nip_format", ERROR, "nip is not 18 digits", _regex("nip", NIP_REGEX)),
        Check("nip_birth_date", ERROR, "nip digits 1-8 are not a birth date YYYYMMDD", _true("nip__birth_ok")),
        Check("nip_sex_digit", ERROR, "nip digit 15 is not 1 or 2", _true("nip__sex_ok")),
        Check("nip_tmt", ERROR, "nip digits 9-14 are not a TMT year-month (PNS) or digits 9-12 not a year (PPPK)",
              _true("nip__tmt_ok")),
        *_code("employment_type", "employment_type", ("PNS", "PPPK")),
        Check("active_range", ERROR, "active_to is before active_from", _not_before("active_to", "active_from")),
        *_date("active_from"),
        *_date("active_to", required=False),
    ),
    "assignments": (
        _known("unknown_nip", "nip", "employee"),
        _known("unknown_unit", "unit_code", "unit"),
        Check("valid_range", ERROR, "valid_to is before valid_from", _not_before("valid_to", "valid_from")),
        *_date("valid_from"),
        *_date("valid_to", required=False),
    ),
    "attendance": (
        _known("unknown_nip", "nip", "employee"),
        *_date("work_date"),
        *_code("status_unknown", "status", ATTENDANCE_STATUSES),
        Check("check_out_before_check_in", ERROR, "check_out is before check_in",
              _not_before("check_out", "check_in")),
        Check("time_invalid", ERROR, "check_in is not a time HH:MM[:SS]", _true("check_in__ok")),
        Check("time_invalid", ERROR, "check_out is not a time HH:MM[:SS]", _true("check_out__ok")),
    ),
    "activities": (
        _known("unknown_nip", "nip", "employee"),
        _known("unknown_indicator", "indicator_id", "indicator"),
        Check("quantity_invalid", ERROR, "quantity is missing or not a number", _not_null("quantity__value")),
        Check("quantity_invalid", ERROR, "quantity is negative", _above("quantity__value", 0, strict=False)),
        *_code("status_unknown", "status", ("approved", "pending", "rejected")),
        _present("activity_id_empty", "activity_id"),
        *_date("activity_date"),
        Check("minutes_invalid", ERROR, "minutes is not a whole number", _true("minutes__ok")),
        Check("minutes_invalid", ERROR, "minutes is negative", _above("minutes__value", 0, strict=False)),
    ),
    "targets": (
        _known("unknown_nip", "nip", "employee"),
        _known("unknown_indicator", "indicator_id", "indicator"),
        *_positive("target_invalid", "target"),
        *_positive("weight_invalid", "weight"),
        *_whole("quarter_invalid", "quarter", 1, 4),
        *_year(),
    ),
    "feedback": (
        _known("unknown_nip", "ratee_nip", "employee"),
        *_whole("score_invalid", "score", 1, 5),
        *_code("aspect_unknown", "aspect", ASPECTS),
        *_code("rater_type_unknown", "rater_type", RATER_TYPES),
        Check("self_rater_mismatch", ERROR, "a self rating whose rater_id is not the ratee_nip",
              _true("self_rater_ok")),
        _present("feedback_id_empty", "feedback_id"),
        _present("rater_id_missing", "rater_id"),
        *_year(),
        *_whole("quarter_invalid", "quarter", 1, 4),
        Check("submitted_at_invalid", ERROR, "submitted_at is not a timestamp", _true("submitted_at__ok")),
    ),
    "survey_responses": (
        _known("unknown_unit", "unit_code", "unit"),
        *(c for i in range(1, 10) for c in _whole("answer_invalid", f"u{i}", 1, 4)),
        _present("response_id_empty", "response_id"),
        *_date("response_date"),
    ),
    "indicators": (
        *_code("direction_unknown", "direction", ("higher", "lower")),
        *_code("aggregation_unknown", "aggregation", ("sum", "mean")),
        _known("unknown_unit", "unit_code", "unit"),
        _present("indicator_id_empty", "indicator_id"),
    ),
    "holidays": (
        *_date("holiday_date"),
        *_code("kind_unknown", "kind", ("national", "cuti_bersama")),
    ),
    "work_schedules": (
        *_date("valid_from"),
        *_date("valid_to"),
        Check("valid_range", ERROR, "valid_to is before valid_from", _not_before("valid_to", "valid_from")),
        *_whole("weekday_invalid", "weekday", 1, 7),
        Check("end_not_after_start", ERROR, "end_time is not after start_time",
              _not_before("end_time", "start_time", or_equal=False)),
        Check("time_invalid", ERROR, "start_time is missing or not a time HH:MM[:SS]", _not_null("start_time__value")),
        Check("time_invalid", ERROR, "end_time is missing or not a time HH:MM[:SS]", _not_null("end_time__value")),
    ),
}

#: Free text longer than this is not a comment but a paste accident or an attack: the row is quarantined
#: (`text_too_long`) with a message, instead of bloating every report that shows it. A contract limit of
#: the data, like the NIP's 18 digits, not a tunable of the methodology.
MAX_TEXT_LENGTH = 10_000
FREE_TEXT: Mapping[str, tuple[str, ...]] = {
    "units": ("name",), "employees": ("name",), "assignments": ("position",), "indicators": ("name",),
    "activities": ("description",), "feedback": ("comment",), "survey_responses": ("service",),
}


def _short_text(column: str) -> Check:
    return Check("text_too_long", ERROR, f"{column} is longer than {MAX_TEXT_LENGTH:,} characters",
                 Expect("ExpectColumnValueLengthsToBeBetween", {"column": column, "max_value": MAX_TEXT_LENGTH}))


SUITES = {table: tuple(checks) + tuple(_short_text(c) for c in FREE_TEXT.get(table, ()))
          for table, checks in SUITES.items()}

#: Key columns of each table: the quarantine row_key, and the duplicate checks.
KEYS: Mapping[str, tuple[str, ...]] = {
    "units": ("unit_code",),
    "employees": ("nip",),
    "assignments": ("nip", "unit_code", "valid_from"),
    "holidays": ("holiday_date",),
    "work_schedules": ("valid_from", "weekday"),
    "attendance": ("nip", "work_date"),
    "indicators": ("indicator_id",),
    "targets": ("nip", "indicator_id", "year", "quarter"),
    "activities": ("activity_id",),
    "feedback": ("feedback_id",),
    "survey_responses": ("response_id",),
}

#: `<column>__known` helper columns: column -> (referenced table, NULL allowed).
REFERENCES: Mapping[str, Mapping[str, tuple[str, bool]]] = {
    "units": {"parent_code": ("units", True)},
    "employees": {},
    "assignments": {"nip": ("employees", False), "unit_code": ("units", False)},
    "attendance": {"nip": ("employees", False)},
    "activities": {"nip": ("employees", False), "indicator_id": ("indicators", False)},
    "targets": {"nip": ("employees", False), "indicator_id": ("indicators", False)},
    "feedback": {"ratee_nip": ("employees", False)},
    "survey_responses": {"unit_code": ("units", False)},
    "indicators": {"unit_code": ("units", True)},
    "holidays": {},
    "work_schedules": {},
}

#: Key duplicates (validation.md, "every table with a key"): checked among rows that passed the above.
DUPLICATE_IDENTICAL = Check("duplicate_identical", WARNING,
                            "an identical row with the same key is used instead of this copy",
                            Expect("ExpectColumnValuesToBeUnique", {"column": "_key"}))
DUPLICATE_CONFLICTING = Check("duplicate_conflicting", ERROR,
                              "other rows with the same key hold different values; none of them is used",
                              Expect("ExpectColumnValuesToBeUnique", {"column": "_key"}))

#: Tables whose conflicting key duplicates block publication (validation.md, table checks).
PRIMARY_KEY_TABLES = ("employees", "units", "indicators")


def check_names(table: str) -> list[str]:
    """The table's check names in order (each once), then the duplicate checks."""
    names: list[str] = []
    for check in SUITES[table]:
        if check.name not in names:
            names.append(check.name)
    return names + [DUPLICATE_IDENTICAL.name, DUPLICATE_CONFLICTING.name]


def referenced_tables(table: str) -> tuple[str, ...]:
    return tuple(sorted({ref for ref, _ in REFERENCES[table].values()}))


_built: dict[str, Any] = {}


def gx_suite(table: str):
    """The GX ExpectationSuite of `table` (built once): its checks, then key uniqueness last."""
    if table not in _built:
        from kinerja.validation.gx import gx_module

        gx = gx_module()
        checks = SUITES[table]
        if len(checks) > 62:  # core.py keeps a row's failures as bits of an int64
            raise ValueError(f"suite {table} has more than 62 expectations")
        expectations = [c.expect.build({"pos": i, "check_name": c.name, "severity": c.severity})
                        for i, c in enumerate(checks)]
        expectations.append(DUPLICATE_IDENTICAL.expect.build(
            {"pos": len(checks), "check_name": "duplicate_key", "severity": WARNING}))
        _built[table] = gx.ExpectationSuite(name=f"kinerja.{table}.v{SUITE_VERSION}", expectations=expectations)
    return _built[table]
