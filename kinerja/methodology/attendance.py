"""§2 Attendance: classification of each active working day, TL/PSW bands, monthly rows, disiplin score."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ._common import DECIMALS, day_numbers, days_to_datetime, finish, obj, safe_div
from .calendar import employee_bounds, expand_active_days, work_schedule, working_day_numbers

# Day classes of `attendance_daily.day_class`.
PRESENT, EXCUSED, TK, UNKNOWN, OTHER = "present", "excused", "tk", "unknown", "other"
DAY_CLASSES = [PRESENT, EXCUSED, TK, UNKNOWN, OTHER]
_KEY = np.int64(1 << 20)

DAILY_COLUMNS = ["nip", "work_date", "month", "status", "day_class", "late_minutes", "early_minutes",
                 "tl_band", "psw_band"]


def band_of(minutes, policy) -> np.ndarray:
    """TL/PSW band (1-based) of full late/early minutes; 0 when within `grace_minutes` (or negative).

    The band is the first `attendance.bands` row whose upper bound >= minutes (null = no bound); minutes
    above every finite bound when the last row has a bound fall in the last band. NaN minutes give 0."""
    att = policy.attendance
    m = np.round(np.asarray(minutes, dtype="float64"), DECIMALS)
    uppers = np.array([np.inf if b is None else float(b) for b, _ in att.bands])
    band = np.minimum(np.searchsorted(np.round(uppers, DECIMALS), m, side="left"), len(uppers) - 1) + 1
    counted = m > np.round(att.grace_minutes, DECIMALS)  # False for NaN
    return np.where(counted, band, 0).astype("int64")


def minutes_between(later, earlier) -> np.ndarray:
    """ceil((later - earlier) in seconds / 60): 07:30:01 against 07:30:00 is 1 minute."""
    diff = (np.asarray(later, dtype="float64") - np.asarray(earlier, dtype="float64")) / 60.0
    return np.ceil(np.round(diff, DECIMALS))


def attendance_daily(employees: pd.DataFrame, attendance: pd.DataFrame, unknown_days: pd.DataFrame,
                     holidays: pd.DataFrame, work_schedules: pd.DataFrame, start: date, end: date,
                     cutoff: date, policy) -> pd.DataFrame:
    """One row per active working day of every employee in [start, min(end, cutoff)].

    Columns: nip, work_date, month (`YYYY-MM`), status (the used attendance row's, None without one),
    day_class (present / excused / tk / unknown / other), late_minutes and early_minutes (the full L and
    E when they exceed `grace_minutes` on an HD day with that time, else 0), tl_band and psw_band
    (1-based, 0 = none). Rows are ordered by employee (input order) then date."""
    att_pol = policy.attendance
    wd = working_day_numbers(start, min(end, cutoff), holidays, policy)
    emp_frame = employees.drop_duplicates("nip")
    nips, af, at = employee_bounds(emp_frame)
    emp, day = expand_active_days(wd, af, at)
    n = len(emp)
    base = int(wd[0]) if len(wd) else 0
    keys = emp * _KEY + (day - base)
    nip_index = pd.Index(nips)

    # The used attendance row of each day (first copy of a duplicate).
    status = np.full(n, None, dtype=object)
    check_in = np.full(n, np.nan)
    check_out = np.full(n, np.nan)
    has_row = np.zeros(n, dtype=bool)
    if len(attendance) and n:
        a_emp = nip_index.get_indexer(attendance["nip"].astype(object))
        a_day = day_numbers(attendance["work_date"], fill=-(10**8))
        ok = (a_emp >= 0) & (a_day >= wd[0]) & (a_day <= wd[-1])
        a_keys = a_emp[ok].astype("int64") * _KEY + (a_day[ok] - base)
        a_rows = np.flatnonzero(ok)
        a_keys, first = np.unique(a_keys, return_index=True)
        a_rows = a_rows[first]
        pos = np.minimum(np.searchsorted(a_keys, keys), max(len(a_keys) - 1, 0))
        has_row = (a_keys[pos] == keys) if len(a_keys) else np.zeros(n, dtype=bool)
        rows = a_rows[pos[has_row]]
        status[has_row] = attendance["status"].astype(object).to_numpy()[rows]
        check_in[has_row] = attendance["check_in"].astype("float64").to_numpy()[rows]
        check_out[has_row] = attendance["check_out"].astype("float64").to_numpy()[rows]

    unknown = np.zeros(n, dtype=bool)
    if len(unknown_days) and n:
        u_emp = nip_index.get_indexer(unknown_days["nip"].astype(object))
        u_day = day_numbers(unknown_days["work_date"], fill=-(10**8))
        ok = u_emp >= 0
        u_keys = u_emp[ok].astype("int64") * _KEY + (u_day[ok] - base)
        unknown = np.isin(keys, u_keys) & ~has_row

    # Classification by status code (factorised: few distinct codes).
    codes, uniq = pd.factorize(pd.Series(status, dtype=object), use_na_sentinel=True)
    cls_of_code = np.array([DAY_CLASSES.index(PRESENT if s in att_pol.present_statuses else
                                              EXCUSED if s in att_pol.excused_statuses else
                                              TK if s == "TK" else OTHER) for s in uniq] + [-1], dtype="int8")
    day_class = cls_of_code[codes]  # code -1 -> last entry (-1)
    missing = ~has_row & ~unknown
    day_class[unknown] = DAY_CLASSES.index(UNKNOWN)
    day_class[missing] = DAY_CLASSES.index(TK if att_pol.missing_record_as == "TK" else UNKNOWN)

    is_hd = np.zeros(n, dtype=bool)
    hd_codes = [i for i, s in enumerate(uniq) if s == "HD" and s in att_pol.present_statuses]
    if hd_codes:
        is_hd = np.isin(codes, hd_codes)
    st, et = work_schedule(day[is_hd], work_schedules, policy) if is_hd.any() else (np.empty(0), np.empty(0))
    late = np.full(n, np.nan)
    early = np.full(n, np.nan)
    late[is_hd] = minutes_between(check_in[is_hd], st)
    early[is_hd] = minutes_between(et, check_out[is_hd])
    tl = band_of(late, policy)
    psw = band_of(early, policy)
    tl[is_hd & np.isnan(check_in)] = att_pol.missing_time_band
    psw[is_hd & np.isnan(check_out)] = att_pol.missing_time_band
    late_counted = np.where((tl > 0) & ~np.isnan(late), late, 0.0)
    early_counted = np.where((psw > 0) & ~np.isnan(early), early, 0.0)

    months = day.astype("datetime64[D]").astype("datetime64[M]").astype("int64")  # months since 1970-01
    first = int(months.min()) if n else 0
    labels = np.array([f"{(first + i) // 12 + 1970:04d}-{(first + i) % 12 + 1:02d}"
                       for i in range(int(months.max()) - first + 1 if n else 0)], dtype=object)
    return pd.DataFrame({
        "nip": pd.Categorical.from_codes(emp, categories=pd.Index(nips, dtype=object)) if n else
        pd.Series([], dtype=object),
        "work_date": days_to_datetime(day),
        "month": pd.Categorical.from_codes((months - first) if n else np.empty(0, dtype="int64"),
                                           categories=pd.Index(labels, dtype=object)),
        "status": obj(status),
        "day_class": pd.Categorical.from_codes(day_class, categories=DAY_CLASSES),
        "late_minutes": late_counted,
        "early_minutes": early_counted,
        "tl_band": tl,
        "psw_band": psw,
    })


def _codes(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and their values of a key column (categorical columns without rehashing)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy().astype("int64"), np.asarray(col.cat.categories, dtype=object)
    codes, uniq = pd.factorize(col.astype(object))
    return codes.astype("int64"), np.asarray(uniq, dtype=object)


def class_codes(daily: pd.DataFrame) -> np.ndarray:
    """Index into DAY_CLASSES of each row's day_class (the column may be categorical or text)."""
    col = daily["day_class"]
    if isinstance(col.dtype, pd.CategoricalDtype) and list(col.cat.categories) == DAY_CLASSES:
        return col.cat.codes.to_numpy()
    return pd.Categorical(col.astype(object), categories=DAY_CLASSES).codes


def attendance_monthly(daily: pd.DataFrame, units: pd.DataFrame, policy) -> pd.DataFrame:
    """The attendance_monthly rows from `attendance_daily` rows (one per employee and month with at least
    one active working day). `units` has columns month (label), nip, unit_code: the unit of each month.

    deduction_pct = min(100, Σ TL band % + Σ PSW band % + tk_days × absent_day_pct);
    attendance_rate = present / (workdays − excused − unknown), NULL when that is 0."""
    att_pol = policy.attendance
    if daily.empty:
        return finish(daily, "attendance_monthly", ["month", "nip"])
    nip_codes, nip_uniq = _codes(daily["nip"])
    m_codes, m_uniq = _codes(daily["month"])
    n_m = len(m_uniq)
    gid = nip_codes.astype("int64") * n_m + m_codes
    present = np.bincount(gid, minlength=len(nip_uniq) * n_m) > 0
    g_uniq = np.flatnonzero(present)  # groups with at least one row, in (nip, month) order
    g_inv = (np.cumsum(present) - 1)[gid]
    size = len(g_uniq)

    def table(values: np.ndarray, k: int) -> np.ndarray:
        """Per group, how many rows have each value 0..k-1 (one bincount pass)."""
        return np.bincount(g_inv * k + values, minlength=size * k).reshape(size, k).astype("float64")

    cls = class_codes(daily).astype("int64")
    cls = np.where(cls < 0, DAY_CLASSES.index(OTHER), cls)
    tl = daily["tl_band"].to_numpy(dtype="int64")
    psw = daily["psw_band"].to_numpy(dtype="int64")
    pct = np.array([0.0] + att_pol.band_pct)
    n_bands = len(att_pol.band_pct)
    classes = table(cls, len(DAY_CLASSES))
    out = {
        "month": np.asarray(m_uniq, dtype=object)[g_uniq % n_m],
        "nip": np.asarray(nip_uniq, dtype=object)[g_uniq // n_m],
        "workdays": classes.sum(axis=1),
        "present_days": classes[:, DAY_CLASSES.index(PRESENT)],
        "excused_days": classes[:, DAY_CLASSES.index(EXCUSED)],
        "tk_days": classes[:, DAY_CLASSES.index(TK)],
        "unknown_days": classes[:, DAY_CLASSES.index(UNKNOWN)],
    }
    # Bands beyond the fourth (a policy with more bands) are counted in tl4/psw4; deduction uses them all.
    for prefix, band in (("tl", tl), ("psw", psw)):
        counts = table(np.clip(band, 0, 4), 5)
        for b in range(1, 5):
            out[f"{prefix}{b}"] = counts[:, b]
    out["late_minutes"] = np.bincount(g_inv, weights=daily["late_minutes"].to_numpy("float64"), minlength=size)
    out["early_minutes"] = np.bincount(g_inv, weights=daily["early_minutes"].to_numpy("float64"), minlength=size)
    band_pct = np.bincount(g_inv, weights=pct[np.clip(tl, 0, n_bands)] + pct[np.clip(psw, 0, n_bands)],
                           minlength=size)
    out["deduction_pct"] = np.minimum(100.0, band_pct + out["tk_days"] * att_pol.absent_day_pct)
    out["attendance_rate"] = safe_div(out["present_days"],
                                      out["workdays"] - out["excused_days"] - out["unknown_days"])
    frame = pd.DataFrame(out)
    if units is not None and len(units):
        u = units[["month", "nip", "unit_code"]].drop_duplicates(["month", "nip"])
        frame = frame.merge(u, on=["month", "nip"], how="left")
    else:
        frame["unit_code"] = None
    return finish(frame, "attendance_monthly", ["month", "nip"])


def disiplin_score(monthly: pd.DataFrame) -> pd.DataFrame:
    """100 − mean deduction_pct over the employee's months with an active working day; floored at 0.
    Columns nip, disiplin_score."""
    if monthly.empty:
        return pd.DataFrame({"nip": pd.Series([], dtype=object), "disiplin_score": pd.Series([], dtype="float64")})
    g = monthly[monthly["workdays"] > 0].groupby("nip", sort=True)["deduction_pct"].mean()
    return pd.DataFrame({"nip": g.index.astype(object), "disiplin_score": np.maximum(0.0, 100.0 - g.to_numpy())})
