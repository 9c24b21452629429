"""Shared helpers of the methodology: day numbers, threshold rounding, safe division, frame columns.

Dates are handled internally as int64 day numbers (days since 1970-01-01) so that calendars,
intervals and joins are plain numpy operations; frames handed back use `datetime64[ns]`.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

DECIMALS = 9  # methodology: values are rounded to 9 decimals before any threshold comparison
OPEN_END = np.int64(10**7)  # day number standing in for a NULL end date (year ~29000)
OPEN_START = np.int64(-(10**7))
EPOCH = date(1970, 1, 1)


def r9(x):
    """round(x, 9) elementwise, as the methodology asks before every threshold comparison."""
    return np.round(np.asarray(x, dtype="float64"), DECIMALS)


def at_least(x, bound) -> np.ndarray:
    """x >= bound after rounding both to 9 decimals; False where x is NaN."""
    return r9(x) >= r9(bound)


def safe_div(num, den) -> np.ndarray:
    """num / den with NaN where den is 0 (or NaN): a division by 0 is NULL."""
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    num, den = np.broadcast_arrays(num, den)
    out = np.full(num.shape, np.nan)
    ok = (den != 0) & ~np.isnan(den)
    np.divide(num, den, out=out, where=ok)
    return out


def day_number(d: date) -> int:
    return (d - EPOCH).days


def day_numbers(values, fill: int | None = None) -> np.ndarray:
    """DATE column (any datetime64 unit, or date objects) -> int64 day numbers; NULL -> fill."""
    arr = pd.to_datetime(pd.Series(values, dtype=object) if not isinstance(values, pd.Series)
                         else values).to_numpy().astype("datetime64[D]")
    nat = np.isnat(arr)
    out = arr.astype("int64")
    if fill is not None:
        out[nat] = fill
    return out


def days_to_datetime(days) -> np.ndarray:
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[ns]")


def iso_weekday(days: np.ndarray) -> np.ndarray:
    """ISO weekday (Monday = 1) of day numbers; 1970-01-01 was a Thursday."""
    return (np.asarray(days, dtype="int64") + 3) % 7 + 1


def month_index(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(year, month) of day numbers."""
    m = np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype("int64")
    return m // 12 + 1970, m % 12 + 1


def rating(score, above_min: float, meets_min: float) -> np.ndarray:
    """di_atas / sesuai / di_bawah for a score (None where the score is NULL)."""
    s = np.asarray(score, dtype="float64")
    out = np.where(at_least(s, above_min), "di_atas",
                   np.where(at_least(s, meets_min), "sesuai", "di_bawah")).astype(object)
    out[np.isnan(s)] = None
    return out


def text(series: pd.Series) -> pd.Series:
    """A text column as object dtype with None for NULL (typed frame convention)."""
    out = series.astype(object)
    return out.where(series.notna(), None)


def obj(values) -> pd.Series:
    """An object-dtype Series (pandas 3 would otherwise infer the arrow-backed `str` dtype, slowly)."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


DATE, TIME, NUM, TEXT = "date", "time", "num", "text"

INPUT_COLUMNS: dict[str, dict[str, str]] = {
    "units": {"unit_code": TEXT, "name": TEXT, "parent_code": TEXT, "kind": TEXT},
    "employees": {"nip": TEXT, "name": TEXT, "employment_type": TEXT, "grade": TEXT,
                  "active_from": DATE, "active_to": DATE},
    "assignments": {"nip": TEXT, "unit_code": TEXT, "position": TEXT, "supervisor_nip": TEXT,
                    "valid_from": DATE, "valid_to": DATE},
    "holidays": {"holiday_date": DATE, "name": TEXT, "kind": TEXT},
    "work_schedules": {"valid_from": DATE, "valid_to": DATE, "weekday": NUM, "start_time": TIME,
                       "end_time": TIME},
    "attendance": {"nip": TEXT, "work_date": DATE, "check_in": TIME, "check_out": TIME, "status": TEXT},
    "indicators": {"indicator_id": TEXT, "unit_code": TEXT, "name": TEXT, "uom": TEXT, "direction": TEXT,
                   "aggregation": TEXT},
    "targets": {"nip": TEXT, "indicator_id": TEXT, "year": NUM, "quarter": NUM, "target": NUM, "weight": NUM},
    "activities": {"activity_id": TEXT, "nip": TEXT, "activity_date": DATE, "indicator_id": TEXT,
                   "quantity": NUM, "minutes": NUM, "status": TEXT, "description": TEXT},
    "feedback": {"feedback_id": TEXT, "ratee_nip": TEXT, "rater_id": TEXT, "rater_type": TEXT, "year": NUM,
                 "quarter": NUM, "aspect": TEXT, "score": NUM, "comment": TEXT, "submitted_at": DATE},
    "survey_responses": {"response_id": TEXT, "unit_code": TEXT, "service": TEXT, "response_date": DATE,
                         **{f"u{i}": NUM for i in range(1, 10)}},
    "unknown_days": {"nip": TEXT, "work_date": DATE},
}

_COUNTS = ["tl1", "tl2", "tl3", "tl4", "psw1", "psw2", "psw3", "psw4"]
_PREDIKAT = ["sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang", "belum_dinilai"]

OUTPUT_COLUMNS: dict[str, dict[str, str]] = {
    "employee_scores": {"period": TEXT, "nip": TEXT, "unit_code": TEXT, "active_workdays": NUM,
                        "prorate_factor": NUM, "hasil_kerja_score": NUM, "hasil_kerja_rating": TEXT,
                        "perilaku_score": NUM, "perilaku_rating": TEXT, "self_score": NUM,
                        "disiplin_score": NUM, "nilai_akhir": NUM, "predikat": TEXT,
                        "not_rated_reason": TEXT, "supervisor_nip": TEXT},
    "indicator_scores": {"period": TEXT, "nip": TEXT, "indicator_id": TEXT, "target_effective": NUM,
                         "realisasi": NUM, "capaian": NUM, "weight": NUM},
    "aspect_scores": {"period": TEXT, "nip": TEXT, "aspect": TEXT, "score": NUM},
    "rater_type_scores": {"period": TEXT, "nip": TEXT, "rater_type": TEXT, "raters": NUM, "ratings": NUM,
                          "score": NUM, "kept": NUM, "weight": NUM},
    "attendance_monthly": {"month": TEXT, "nip": TEXT, "unit_code": TEXT, "workdays": NUM,
                           "present_days": NUM, "excused_days": NUM, "tk_days": NUM, "unknown_days": NUM,
                           **{c: NUM for c in _COUNTS}, "late_minutes": NUM, "early_minutes": NUM,
                           "deduction_pct": NUM, "attendance_rate": NUM},
    "discipline_alerts": {"nip": TEXT, "year": NUM, "month": NUM, "tk_days_ytd": NUM,
                          "max_consecutive_tk": NUM, "level": TEXT, "is_new": NUM},
    "unit_scores": {"period": TEXT, "unit_code": TEXT, "employees": NUM, "rated": NUM,
                    **{p: NUM for p in _PREDIKAT}, "mean_nilai_akhir": NUM, "attendance_rate": NUM,
                    "ikm": NUM, "ikm_grade": TEXT, "ikm_responses": NUM},
    "feedback_comments": {"period": TEXT, "nip": TEXT, "rater_type": TEXT, "aspect": TEXT, "comment": TEXT},
    "award_candidates": {"period": TEXT, "unit_code": TEXT, "nip": TEXT, "nilai_akhir": NUM, "rank": NUM},
    "training_needs": {"period": TEXT, "nip": TEXT, "kind": TEXT, "item": TEXT, "value": NUM,
                       "threshold": NUM},
    "calibration_flags": {"period": TEXT, "flag": TEXT, "unit_code": TEXT, "nip": TEXT, "value": NUM,
                          "reference": NUM, "threshold": NUM},
}

INTEGER_COLUMNS = {"active_workdays", "raters", "ratings", "kept", "workdays", "present_days", "excused_days",
                   "tk_days", "unknown_days", *_COUNTS, "late_minutes", "early_minutes", "year",
                   "tk_days_ytd", "max_consecutive_tk", "is_new", "employees", "rated", *_PREDIKAT,
                   "ikm_responses", "rank"}


def empty_frame(table: str) -> pd.DataFrame:
    """An empty frame with the contract columns and typed-frame dtypes of an input or result table."""
    spec = INPUT_COLUMNS.get(table) or OUTPUT_COLUMNS[table]
    dtypes = {DATE: "datetime64[ns]", TIME: "float64", NUM: "float64", TEXT: object}
    return pd.DataFrame({c: pd.Series([], dtype=dtypes[k]) for c, k in spec.items()})


def finish(frame: pd.DataFrame, table: str, sort: list[str]) -> pd.DataFrame:
    """Select and order the columns of a result table, fix dtypes, sort rows deterministically."""
    spec = OUTPUT_COLUMNS[table]
    if frame.empty:
        return empty_frame(table)
    out = pd.DataFrame(index=frame.index)
    for col, kind in spec.items():
        s = frame[col]
        if kind == TEXT:
            out[col] = text(s)
        elif col in INTEGER_COLUMNS or (table == "discipline_alerts" and col == "month"):
            num = pd.to_numeric(s).astype("float64")
            out[col] = num.astype("int64") if not num.isna().any() else num
        else:
            out[col] = pd.to_numeric(s).astype("float64")
    return out.sort_values(sort, kind="mergesort").reset_index(drop=True)
