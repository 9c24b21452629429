"""§1 Periods and working days: working days, work schedules, active working days, unit and supervisor."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ._common import OPEN_END, OPEN_START, day_number, day_numbers, days_to_datetime, iso_weekday, obj


def working_day_numbers(start: date, end: date, holidays: pd.DataFrame, policy) -> np.ndarray:
    """Sorted day numbers of the working days in [start, end]: ISO weekday in `calendar.workdays`, not a
    holiday (national and cuti_bersama alike). Empty when end < start."""
    lo, hi = day_number(start), day_number(end)
    if hi < lo:
        return np.empty(0, dtype="int64")
    days = np.arange(lo, hi + 1, dtype="int64")
    keep = np.isin(iso_weekday(days), np.asarray(policy.calendar.workdays, dtype="int64"))
    if len(holidays):
        hol = day_numbers(holidays["holiday_date"])
        keep &= ~np.isin(days, hol)
    return days[keep]


def working_days(start: date, end: date, holidays: pd.DataFrame, policy) -> pd.DatetimeIndex:
    """The working days in [start, end] as dates."""
    return pd.DatetimeIndex(days_to_datetime(working_day_numbers(start, end, holidays, policy)))


def count_between(wd: np.ndarray, lo, hi) -> np.ndarray:
    """Number of working days (sorted day numbers `wd`) in [lo, hi] per element; 0 when hi < lo."""
    lo = np.asarray(lo, dtype="int64")
    hi = np.asarray(hi, dtype="int64")
    n = np.searchsorted(wd, hi, side="right") - np.searchsorted(wd, lo, side="left")
    return np.maximum(n, 0).astype("int64")


def employee_bounds(employees: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(nip array, active_from, active_to) with NULL active_from open to the past and NULL active_to open."""
    nips = employees["nip"].astype(object).to_numpy()
    af = day_numbers(employees["active_from"], fill=int(OPEN_START))
    at = day_numbers(employees["active_to"], fill=int(OPEN_END))
    return nips, af, at


def active_working_days(employees: pd.DataFrame, start: date, end: date, cutoff: date, holidays: pd.DataFrame,
                        policy) -> pd.DataFrame:
    """Per employee the number of active working days in [start, min(end, cutoff)] and the prorate
    factor (active working days / working days of the period up to the cut-off; NULL when 0).
    Columns nip, active_workdays, period_workdays, prorate_factor."""
    wd = working_day_numbers(start, min(end, cutoff), holidays, policy)
    nips, af, at = employee_bounds(employees)
    n = count_between(wd, af, at)
    total = len(wd)
    return pd.DataFrame({"nip": obj(nips), "active_workdays": n, "period_workdays": total,
                         "prorate_factor": n / total if total else np.full(len(n), np.nan)})


def expand_active_days(wd: np.ndarray, af: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (employee index, day number) pairs of active working days, employee-major and date-sorted."""
    lo = np.searchsorted(wd, af, side="left")
    hi = np.searchsorted(wd, at, side="right")
    n = np.maximum(hi - lo, 0)
    emp = np.repeat(np.arange(len(af), dtype="int64"), n)
    starts = np.cumsum(n) - n
    pos = np.arange(int(n.sum()), dtype="int64") - np.repeat(starts, n)
    return emp, wd[lo[emp] + pos] if len(emp) else np.empty(0, dtype="int64")


def work_schedule(days, work_schedules: pd.DataFrame, policy) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (seconds since midnight) of the working day of each date (day numbers or dates).

    The `work_schedules` row covering the date for its ISO weekday with the latest `valid_from` wins
    (ties: the later valid_to, then the later start and earlier end — the most lenient hours); else
    `calendar.default_schedule`."""
    days = np.asarray(days)
    if days.dtype.kind == "M" or days.dtype == object:
        days = day_numbers(pd.Series(days))
    days = days.astype("int64")
    uniq, inverse = np.unique(days, return_inverse=True)
    wk = iso_weekday(uniq)
    start = np.full(len(uniq), np.nan)
    end = np.full(len(uniq), np.nan)
    for weekday in np.unique(wk):
        if int(weekday) in policy.calendar.default_schedule:
            s, e = policy.calendar.schedule_seconds(int(weekday))
            start[wk == weekday], end[wk == weekday] = s, e
    if len(work_schedules) and len(uniq):
        ws = pd.DataFrame({"weekday": work_schedules["weekday"].astype("float64").to_numpy(),
                           "vf": day_numbers(work_schedules["valid_from"], fill=int(OPEN_START)),
                           "vt": day_numbers(work_schedules["valid_to"], fill=int(OPEN_END)),
                           "st": work_schedules["start_time"].astype("float64").to_numpy(),
                           "et": work_schedules["end_time"].astype("float64").to_numpy()})
        d = pd.DataFrame({"i": np.arange(len(uniq)), "day": uniq, "weekday": wk.astype("float64")})
        m = d.merge(ws, on="weekday")
        m = m[(m["vf"] <= m["day"]) & (m["day"] <= m["vt"])]
        m = m.assign(neg_et=-m["et"]).sort_values(["i", "vf", "vt", "st", "neg_et"], kind="mergesort")
        m = m.drop_duplicates("i", keep="last")
        idx = m["i"].to_numpy()
        start[idx] = m["st"].to_numpy()
        end[idx] = m["et"].to_numpy()
    return start[inverse], end[inverse]


def unit_assignment(assignments: pd.DataFrame, employees: pd.DataFrame, windows: pd.DataFrame,
                    wd: np.ndarray) -> pd.DataFrame:
    """The employee's unit and supervisor per window (a month or a period).

    `windows` has columns label, start, end (day numbers, `end` already capped at the cut-off); `wd` the
    sorted working-day numbers covering them. The assignments row (valid_from..valid_to inclusive) with
    the most active working days in the window wins; ties: the later valid_from, then the later valid_to
    (NULL latest), then the smaller unit_code (then the smaller supervisor_nip, position, so the result
    never depends on row order). Employees whose active days no assignment covers get no row.
    Columns label, nip, unit_code, supervisor_nip, assigned_days."""
    cols = ["label", "nip", "unit_code", "supervisor_nip", "assigned_days"]
    if assignments.empty or employees.empty or windows.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    nips, af, at = employee_bounds(employees)
    emp = pd.DataFrame({"nip": obj(nips), "af": af, "at": at}).drop_duplicates("nip")
    a = pd.DataFrame({"nip": obj(assignments["nip"]), "unit_code": obj(assignments["unit_code"]),
                      "supervisor_nip": obj(assignments["supervisor_nip"]),
                      "position": obj(assignments["position"]) if "position" in assignments else None,
                      "vf": day_numbers(assignments["valid_from"], fill=int(OPEN_START)),
                      "vt": day_numbers(assignments["valid_to"], fill=int(OPEN_END))})
    a = a.merge(emp, on="nip")
    lo = np.maximum(a["vf"].to_numpy(), a["af"].to_numpy())
    hi = np.minimum(a["vt"].to_numpy(), a["at"].to_numpy())
    a = a.assign(lo=lo, hi=hi)
    a = a[a["lo"] <= a["hi"]]
    m = a.merge(windows[["label", "start", "end"]], how="cross")
    n = count_between(wd, np.maximum(m["lo"].to_numpy(), m["start"].to_numpy()),
                      np.minimum(m["hi"].to_numpy(), m["end"].to_numpy()))
    m = m.assign(assigned_days=n)
    m = m[m["assigned_days"] > 0]
    m = m.sort_values(["label", "nip", "assigned_days", "vf", "vt", "unit_code", "supervisor_nip", "position"],
                      ascending=[True, True, False, False, False, True, True, True], kind="mergesort",
                      na_position="last")
    m = m.drop_duplicates(["label", "nip"], keep="first")
    return m[cols].reset_index(drop=True)
