"""Table checks of validation.md: reported as findings; a critical one blocks publication.

| check | severity |
|---|---|
| missing_table / missing_column | critical |
| primary_key_conflict (employees, units, indicators) | critical |
| table_empty (employees, units: no usable row) | critical |
| no_rows_in_window (attendance: none in the window, or none in a month of the period) | critical |
| quarantine_share (> max_quarantine_share and >= gate_min_quarantined rows, duplicate_identical excluded) | critical |
| weight_sum (target weights of an employee's quarter not 100 ± weight_sum_tolerance) | warning |
| no_attendance_in_month (an active employee has no attendance row in a month) | warning |

Monthly runs read indicators, targets and activities only for the activity volume of the accountability
report (`MONTHLY_OPTIONAL`): for a month (`period.kind == "month"`) their table checks above are warnings,
never critical, so a monthly run is never blocked by them (the report then says the volume is not
available). Quarterly and annual runs need them: critical as listed.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd

from kinerja.extract import MissingTable
from kinerja.periods import Period
from kinerja.validation import parse
from kinerja.validation.core import EXAMPLES, TableVerdict, normalise_raw
from kinerja.validation.suites import (CRITICAL, DUPLICATE_CONFLICTING, DUPLICATE_IDENTICAL,
                                       PRIMARY_KEY_TABLES, WARNING)


#: Tables a monthly run reads but does not need (validation.md requires them for quarters and years only).
MONTHLY_OPTIONAL = frozenset({"indicators", "targets", "activities"})


def _critical_for(table: str, period: Period | None) -> str:
    """CRITICAL, or WARNING for a table that is optional in a monthly run."""
    monthly = period is not None and period.kind == "month"
    return WARNING if monthly and table in MONTHLY_OPTIONAL else CRITICAL


def _optional_note(table: str, period: Period | None) -> str:
    return ("; optional for a monthly run: activity volume not available" if _critical_for(table, period) == WARNING
            else "")


def table_findings(verdicts: Mapping[str, TableVerdict], missing: Mapping[str, MissingTable],
                   attendance_nips: Mapping[str, pd.Index], policy, period: Period | None,
                   cutoff: date | None):
    """The table checks (validation.md) over the tables' verdicts. `attendance_nips` is `nips_by_month`
    of the extracted attendance rows."""
    from kinerja.validation.validate import Finding

    found: list[Finding] = []

    def add(table, check, severity, count, keys=(), message=""):
        found.append(Finding(table, check, severity, int(count), tuple(keys)[:EXAMPLES], message, True))

    for table, exc in missing.items():
        severity, note = _critical_for(table, period), _optional_note(table, period)
        if exc.whole_table:
            add(table, "missing_table", severity, 1, (), f"source table {table} is missing{note}")
        else:
            add(table, "missing_column", severity, len(exc.missing_columns), exc.missing_columns,
                f"source table {table} lacks column(s) {', '.join(exc.missing_columns)}{note}")

    for table in PRIMARY_KEY_TABLES:
        v = verdicts.get(table)
        if v is None or table in missing:
            continue
        conflicting = v.quarantine.loc[v.quarantine["check_name"] == DUPLICATE_CONFLICTING.name, "row_key"].unique()
        if len(conflicting):
            add(table, "primary_key_conflict", _critical_for(table, period), len(conflicting), conflicting,
                f"{len(conflicting)} key(s) with conflicting rows{_optional_note(table, period)}")

    for table in ("employees", "units"):
        v = verdicts.get(table)
        if v is not None and table not in missing and len(v.used) == 0:
            add(table, "table_empty", CRITICAL, 1, (),
                f"no usable row ({v.extracted} extracted, {v.quarantined} quarantined)")

    attendance = verdicts.get("attendance")
    by_month: dict[str, pd.Index] = {}
    if attendance is not None and "attendance" not in missing:
        by_month = dict(attendance_nips) if attendance.extracted else {}
        if attendance.extracted == 0:
            add("attendance", "no_rows_in_window", CRITICAL, 1, (), "no attendance row in the extraction window")
        elif period is not None:
            months = _empty_months(by_month, verdicts, policy, period, cutoff)
            if months:
                add("attendance", "no_rows_in_window", CRITICAL, len(months), months,
                    f"no attendance row in month(s) {', '.join(months)} of the period")

    share, floor = policy.validation.max_quarantine_share, policy.validation.gate_min_quarantined
    for table, v in verdicts.items():
        if v.extracted == 0:
            continue
        errors = v.quarantine[v.quarantine["check_name"] != DUPLICATE_IDENTICAL.name]
        if len(errors) >= floor and len(errors) / v.extracted > share:
            add(table, "quarantine_share", _critical_for(table, period), len(errors), errors["row_key"].head(EXAMPLES),
                f"{len(errors)} of {v.extracted} rows ({100 * len(errors) / v.extracted:.1f} %) quarantined "
                f"under error checks (limit {100 * share:g} % and {floor} rows){_optional_note(table, period)}")

    targets = verdicts.get("targets")
    if targets is not None and len(targets.used):
        t = targets.used
        sums = t.groupby(["nip", "year", "quarter"], sort=True)["weight"].sum()
        bad = sums[(sums - 100).abs().round(9) > policy.validation.weight_sum_tolerance]
        if len(bad):
            keys = [f"{nip}|{int(y)}|{int(q)}" for nip, y, q in bad.index[:EXAMPLES]]
            add("targets", "weight_sum", WARNING, len(bad), keys,
                f"{len(bad)} employee-quarter(s) whose weights do not add up to 100 "
                f"± {policy.validation.weight_sum_tolerance:g}; used as relative weights")

    if attendance is not None and "attendance" not in missing and period is not None and attendance.extracted:
        gaps = _employees_without_attendance(by_month, verdicts, policy, period, cutoff)
        if gaps:
            add("attendance", "no_attendance_in_month", WARNING, len(gaps), gaps,
                f"{len(gaps)} active employee-month(s) without any attendance row (feed outage?)")
    return found


def _working_days(verdicts: Mapping[str, TableVerdict], policy, month: Period, cutoff: date | None) -> np.ndarray:
    """Days since epoch of the month's working days up to the cut-off (methodology.md §1)."""
    holidays = verdicts.get("holidays")
    off = set()
    if holidays is not None and len(holidays.used):
        off = {d.date() for d in holidays.used["holiday_date"].dropna()}
    end = min(month.end, cutoff) if cutoff else month.end
    days, d = [], month.start
    while d <= end:
        if d.isoweekday() in policy.calendar.workdays and d not in off:
            days.append((d - parse.EPOCH).days)
        d += timedelta(days=1)
    return np.array(days, dtype=np.float64)


def nips_by_month(raw: pd.DataFrame) -> dict[str, pd.Index]:
    """'YYYY-MM' -> the NIPs with at least one extracted attendance row (real work_date) that month."""
    raw = normalise_raw("attendance", raw)
    codes, uniques = parse.factorize(raw["work_date"])
    month_of = np.array([u[:7] if not np.isnan(parse.date_days(u)) else "" for u in uniques] + [""], dtype=object)
    month_codes, months = pd.factorize(month_of[codes])
    nips = raw["nip"].to_numpy()
    return {m: pd.Index(pd.unique(nips[month_codes == i]), dtype=object) for i, m in enumerate(months) if m}


def _empty_months(by_month: dict[str, pd.Index], verdicts, policy, period: Period, cutoff) -> list[str]:
    return [m.code for m in period.months()
            if len(_working_days(verdicts, policy, m, cutoff)) and m.code not in by_month]


def _employees_without_attendance(by_month: dict[str, pd.Index], verdicts, policy, period: Period,
                                  cutoff) -> list[str]:
    employees = verdicts.get("employees")
    if employees is None or len(employees.used) == 0:
        return []
    emp = employees.used
    start = emp["active_from"].to_numpy().astype("datetime64[D]").astype(np.float64)
    end_raw = emp["active_to"].to_numpy()
    end = np.where(pd.isna(end_raw), np.inf, end_raw.astype("datetime64[D]").astype(np.float64))
    nips = pd.Index(emp["nip"].to_numpy(dtype=object), dtype=object)
    gaps: list[str] = []
    for month in period.months():
        work = _working_days(verdicts, policy, month, cutoff)
        if not len(work):
            continue
        active = np.searchsorted(work, end, side="right") - np.searchsorted(work, start, side="left") > 0
        seen = nips.isin(by_month.get(month.code, pd.Index([], dtype=object)))
        gaps += [f"{nip}|{month.code}" for nip in nips[active & ~seen]]
    return gaps
