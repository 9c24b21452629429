"""Builders shared by the methodology tests: typed frames from plain rows (no tests here)."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from kinerja.methodology import ScoringInputs
from kinerja.methodology._common import DATE, INPUT_COLUMNS, NUM, TIME, empty_frame
from kinerja.policy import load_policy

POLICY = load_policy()
Q1_2026_HOLIDAYS = ["2026-01-01", "2026-01-16", "2026-02-17", "2026-03-18", "2026-03-19", "2026-03-20"]
NIP_A = "198001012006041001"
NIP_SUP = "197501012000031002"


def seconds(text: str | None) -> float:
    if text is None:
        return np.nan
    parts = [int(p) for p in text.split(":")] + [0]
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """A typed frame (architecture typed-frame convention) of `table` from dict rows."""
    if not rows:
        return empty_frame(table)
    spec = INPUT_COLUMNS[table]
    data = {}
    for col, kind in spec.items():
        values = [r.get(col) for r in rows]
        if kind == DATE:
            data[col] = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")
        elif kind == TIME:
            data[col] = pd.Series([seconds(v) if isinstance(v, str) or v is None else float(v) for v in values],
                                  dtype="float64")
        elif kind == NUM:
            data[col] = pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")
        else:
            data[col] = pd.Series(values, dtype=object)
    return pd.DataFrame(data)


def inputs(**tables: list[dict]) -> ScoringInputs:
    return ScoringInputs(**{name: frame(name, rows) for name, rows in tables.items()})


def holidays(dates=Q1_2026_HOLIDAYS) -> list[dict]:
    return [{"holiday_date": d, "name": "libur", "kind": "national"} for d in dates]


def employee(nip=NIP_A, active_from="2020-01-01", active_to=None) -> dict:
    return {"nip": nip, "name": "x", "employment_type": "PNS", "grade": "III/a", "active_from": active_from,
            "active_to": active_to}


def assignment(nip=NIP_A, unit="DISHUB", sup=NIP_SUP, valid_from="2020-01-01", valid_to=None) -> dict:
    return {"nip": nip, "unit_code": unit, "position": "staf", "supervisor_nip": sup, "valid_from": valid_from,
            "valid_to": valid_to}


def days(start: str, end: str) -> list[date]:
    d, e = date.fromisoformat(start), date.fromisoformat(end)
    out = []
    while d <= e:
        out.append(d)
        d += timedelta(days=1)
    return out


def workdays(start: str, end: str, hol=Q1_2026_HOLIDAYS) -> list[date]:
    hs = {date.fromisoformat(h) for h in hol}
    return [d for d in days(start, end) if d.isoweekday() <= 5 and d not in hs]


def present(nip, d, check_in="07:30", check_out="16:30", status="HD") -> dict:
    return {"nip": nip, "work_date": str(d), "check_in": check_in, "check_out": check_out, "status": status}


def feedback_rows(ratee, rater_type, rater_id, scores, year=2026, quarter=1, comment=None, aspects=None) -> list[dict]:
    from kinerja.policy import ASPECTS
    aspects = aspects or ASPECTS
    return [{"feedback_id": f"{ratee}-{rater_type}-{rater_id}-{year}-{quarter}-{i}", "ratee_nip": ratee,
             "rater_id": rater_id, "rater_type": rater_type, "year": year, "quarter": quarter,
             "aspect": aspects[i % len(aspects)], "score": s, "comment": comment, "submitted_at": "2026-03-30"}
            for i, s in enumerate(scores)]
