"""§2 Discipline alerts (PP 94/2021): TK days of the year so far, consecutive TK runs, the ladder level."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import day_number, day_numbers, finish
from .attendance import DAY_CLASSES, TK, class_codes

from kinerja.periods import Period


def ladder_level(tk_days_ytd, max_consecutive_tk, policy) -> np.ndarray:
    """Index into `discipline.ladder` (−1 = no level): the last row whose threshold ≤ tk_days_ytd; a run
    of `consecutive_tk_dismissal` consecutive TK days gives the top of the ladder (pemberhentian)."""
    ladder = policy.discipline.ladder
    thresholds = np.array([t for t, _ in ladder], dtype="float64")
    idx = np.searchsorted(thresholds, np.asarray(tk_days_ytd, dtype="float64"), side="right") - 1
    top = np.asarray(max_consecutive_tk, dtype="float64") >= policy.discipline.consecutive_tk_dismissal
    return np.where(top, len(ladder) - 1, idx).astype("int64")


def tk_counts(daily: pd.DataFrame, upto_day: int) -> pd.DataFrame:
    """Per employee over the `attendance_daily` rows dated ≤ upto_day: tk_days_ytd and the longest run of
    TK days over consecutive active working days (rows are working days only, so weekends and holidays
    neither break nor extend a run; any non-TK day breaks it). Columns nip, tk_days_ytd, max_consecutive_tk."""
    days = day_numbers(daily["work_date"])
    sel = days <= upto_day
    nip = daily["nip"].astype(object).to_numpy()[sel]
    days = days[sel]
    is_tk = class_codes(daily)[sel] == DAY_CLASSES.index(TK)
    if len(nip) == 0:
        return pd.DataFrame({"nip": pd.Series([], dtype=object), "tk_days_ytd": pd.Series([], dtype="int64"),
                             "max_consecutive_tk": pd.Series([], dtype="int64")})
    codes, uniq = pd.factorize(nip)
    order = np.lexsort((days, codes))
    codes, is_tk = codes[order], is_tk[order]
    idx = np.arange(len(codes))
    new_emp = np.r_[True, codes[1:] != codes[:-1]]
    marker = np.where(~is_tk, idx, -1)
    marker = np.where(new_emp & is_tk, idx - 1, marker)
    last_break = np.maximum.accumulate(marker)
    run = np.where(is_tk, idx - last_break, 0)
    starts = np.flatnonzero(new_emp)
    return pd.DataFrame({"nip": np.asarray(uniq, dtype=object)[codes[starts]],
                         "tk_days_ytd": np.add.reduceat(is_tk.astype("int64"), starts),
                         "max_consecutive_tk": np.maximum.reduceat(run, starts)})


def discipline_alerts(daily_ytd: pd.DataFrame, month: Period, policy) -> pd.DataFrame:
    """Alerts of a monthly run from `attendance_daily` rows of 1 January .. the month's end (cut-off).

    One row per employee active in the month whose level applies; is_new = 1 when the level is higher than
    the one the same data gives at the end of the previous month (no level before January)."""
    ladder = policy.discipline.ladder
    active = set(daily_ytd.loc[daily_ytd["month"] == month.code, "nip"].astype(object))
    if not active:
        return finish(pd.DataFrame(), "discipline_alerts", ["nip"])
    now = tk_counts(daily_ytd, day_number(month.end))
    now = now[now["nip"].isin(active)]
    now = now.assign(level_idx=ladder_level(now["tk_days_ytd"], now["max_consecutive_tk"], policy))
    if month.number > 1:
        before = tk_counts(daily_ytd, day_number(month.start) - 1)
        before = before.assign(prev_idx=ladder_level(before["tk_days_ytd"], before["max_consecutive_tk"], policy))
        now = now.merge(before[["nip", "prev_idx"]], on="nip", how="left")
        now["prev_idx"] = now["prev_idx"].fillna(-1)
    else:
        now = now.assign(prev_idx=-1)
    now = now[now["level_idx"] >= 0]
    names = np.array([name for _, name in ladder], dtype=object)
    out = now.assign(year=month.year, month=month.number, level=names[now["level_idx"].to_numpy()],
                     is_new=(now["level_idx"] > now["prev_idx"]).astype("int64"))
    return finish(out, "discipline_alerts", ["nip"])
