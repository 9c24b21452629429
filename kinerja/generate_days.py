"""The demo city's calendar (holidays, Ramadan schedule, working days) and its attendance feed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import holidays as holidays_lib
import numpy as np

from kinerja.generate_common import Manifest, Table, rng_for, scaled, time_text
from kinerja.generate_org import STAFF, Org

STATUSES = ("HD", "DL", "TK", "CT", "CS", "CB", "CM", "CP", "CLTN", "TB")
HD, DL, TK, CT, CS, CB, CM, CP, CLTN, TB = range(len(STATUSES))
PRESENT = (HD, DL)
# Keppres 68/1995 office hours (the policy default) and the usual shorter Ramadan hours.
NORMAL_HOURS = {1: ("07:30", "16:00"), 2: ("07:30", "16:00"), 3: ("07:30", "16:00"), 4: ("07:30", "16:00"),
                5: ("07:30", "16:30")}
RAMADAN_HOURS = {1: ("08:00", "15:00"), 2: ("08:00", "15:00"), 3: ("08:00", "15:00"), 4: ("08:00", "15:00"),
                 5: ("08:00", "15:30")}


def _seconds(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 3600 + int(m) * 60


@dataclass
class Calendar:
    year: int
    holidays: list[tuple[date, str, str]]  # (date, name, kind)
    ramadan: list[tuple[date, date]]
    workdays: list[date]
    day_text: np.ndarray  # 'YYYY-MM-DD' per working day (object)
    quarter: np.ndarray  # 0-3 per working day
    month: np.ndarray  # 1-12 per working day
    start_sec: np.ndarray  # scheduled start per working day (seconds since midnight)
    end_sec: np.ndarray

    @property
    def n(self) -> int:
        return len(self.workdays)

    def first_on_or_after(self, days: list[date]) -> np.ndarray:
        ords = np.array([d.toordinal() for d in self.workdays])
        return np.searchsorted(ords, [d.toordinal() for d in days], side="left")

    def last_on_or_before(self, days: list[date | None]) -> np.ndarray:
        ords = np.array([d.toordinal() for d in self.workdays])
        out = np.searchsorted(ords, [d.toordinal() if d else 10**9 for d in days], side="right") - 1
        return out


def _weekday_after(day: date, step: int, taken: set[date]) -> date:
    while day.weekday() >= 5 or day in taken:
        day += timedelta(days=step)
    return day


def build_calendar(year: int) -> Calendar:
    national = holidays_lib.country_holidays("ID", years=year, language="id")
    official = holidays_lib.country_holidays("ID", years=year, language="id", categories=("government",))
    rows: dict[date, tuple[str, str]] = {d: (name, "national") for d, name in sorted(national.items())}
    fitr = sorted(holidays_lib.country_holidays("ID", years=year).get_named("Fitr"))
    fitr_first = [d for d in fitr if d - timedelta(days=1) not in fitr]
    if official:
        for d, name in sorted(official.items()):
            rows.setdefault(d, (name, "cuti_bersama"))
    else:  # years the package has no SKB for: the usual pattern around Idul Fitri and Christmas
        taken = set(rows)
        for first in fitr_first:
            last = max(d for d in fitr if d >= first and (d - first).days < 3)
            before = _weekday_after(first - timedelta(days=1), -1, taken)
            after = _weekday_after(last + timedelta(days=1), 1, taken)
            after2 = _weekday_after(after + timedelta(days=1), 1, taken | {after})
            for d in (before, after, after2):
                if d.year == year:
                    rows.setdefault(d, ("Cuti Bersama Hari Raya Idul Fitri", "cuti_bersama"))
        xmas = date(year, 12, 24) if date(year, 12, 24).weekday() < 5 else date(year, 12, 26)
        if xmas.weekday() < 5:
            rows.setdefault(xmas, ("Cuti Bersama Hari Raya Natal", "cuti_bersama"))
    ramadan = []
    for first in fitr_first:
        lo, hi = max(first - timedelta(days=30), date(year, 1, 1)), first - timedelta(days=1)
        if hi >= lo and hi.year == year:
            ramadan.append((lo, hi))

    day, workdays = date(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5 and day not in rows:
            workdays.append(day)
        day += timedelta(days=1)
    weekday = np.array([d.isoweekday() for d in workdays])
    in_ramadan = np.array([any(lo <= d <= hi for lo, hi in ramadan) for d in workdays], dtype=bool)
    start = np.array([_seconds((RAMADAN_HOURS if r else NORMAL_HOURS)[w][0]) for w, r in zip(weekday, in_ramadan)])
    end = np.array([_seconds((RAMADAN_HOURS if r else NORMAL_HOURS)[w][1]) for w, r in zip(weekday, in_ramadan)])
    month = np.array([d.month for d in workdays])
    return Calendar(year, [(d, n, k) for d, (n, k) in sorted(rows.items())], ramadan, workdays,
                    np.array([d.isoformat() for d in workdays], dtype=object), (month - 1) // 3, month,
                    start, end)


def holidays_table(cal: Calendar) -> Table:
    return Table("holidays", ("holiday_date", "name", "kind"),
                 [[d.isoformat() for d, _, _ in cal.holidays], [n for _, n, _ in cal.holidays],
                  [k for _, _, k in cal.holidays]])


def work_schedules_table(cal: Calendar) -> Table:
    cols: list[list] = [[], [], [], [], []]
    for lo, hi in cal.ramadan:
        for weekday, (start, end) in RAMADAN_HOURS.items():
            for col, v in zip(cols, (lo.isoformat(), hi.isoformat(), weekday, f"{start}:00", f"{end}:00")):
                col.append(v)
    return Table("work_schedules", ("valid_from", "valid_to", "weekday", "start_time", "end_time"), cols)


@dataclass
class Attendance:
    table: Table
    status: np.ndarray  # employees x working days, int8 status code, -1 where not active
    discipline_cases: dict[str, list[int]]  # employees whose TK days reach PP 94/2021 levels


def _episodes(rng: np.random.Generator, emps: np.ndarray, lam: np.ndarray | float, lo: int, hi: int,
              n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Cells (employee, working day) of leave/duty episodes: Poisson many per employee, lo..hi days each."""
    counts = rng.poisson(lam, size=len(emps))
    who = np.repeat(emps, counts)
    start = rng.integers(0, n_days, len(who))
    length = rng.integers(lo, hi + 1, len(who))
    rep = np.repeat(np.arange(len(who)), length)
    offset = np.arange(len(rep)) - np.repeat(np.cumsum(length) - length, length)
    day = start[rep] + offset
    keep = day < n_days
    return who[rep][keep], day[keep]


def _band_minutes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Minutes late (or early) spread over the TL/PSW bands 1-30, 31-60, 61-90, >90."""
    band = rng.choice(4, size=n, p=[0.72, 0.17, 0.07, 0.04])
    lo = np.array([1, 31, 61, 91])[band]
    hi = np.array([30, 60, 90, 180])[band]
    return rng.integers(lo, hi + 1)


def build_attendance(org: Org, cal: Calendar, seed: int, manifest: Manifest, dialect: str) -> Attendance:
    rng = rng_for(seed, "attendance")
    E, D = org.size, cal.n
    first = cal.first_on_or_after(org.active_from)
    last = cal.last_on_or_before(org.active_to)
    days = np.arange(D)
    active = (days[None, :] >= first[:, None]) & (days[None, :] <= last[:, None])
    status = np.zeros((E, D), dtype=np.int8)
    everyone = np.arange(E)

    lam_dl = np.where(org.role == STAFF, 2.5, 6.0)
    for code, lam, lo, hi in ((DL, lam_dl, 1, 3), (CT, 2.2, 1, 5), (CS, 0.8, 1, 4), (CP, 0.1, 1, 3)):
        who, day = _episodes(rng, everyone, lam, lo, hi, D)
        status[who, day] = code

    full_year = (first == 0) & (last == D - 1)
    unit0 = np.array([segs[0].unit if segs else -1 for segs in org.segments])
    ordinary = (org.role == STAFF) & full_year & ~org.transferred & (unit0 != org.tiny_unit) \
        & (unit0 != org.outlier_unit)
    ordinary[org.invalid] = False
    age = np.array([org.year - b.year for b in org.birth])
    long_leave = np.zeros(E, dtype=bool)
    # Long leaves: cuti melahirkan (3 months), cuti besar, tugas belajar, CLTN.
    mothers = np.flatnonzero(ordinary & (org.sex == 2) & (age < 42))
    n_cm = max(1, int(round(len(mothers) * 0.02)))
    for code, pool, count, lo, hi in (
        (CM, mothers, n_cm, 63, 66),
        (CB, np.flatnonzero(ordinary), scaled(E, 0.002, 0), 22, 66),
        (TB, np.flatnonzero(ordinary), scaled(E, 0.002, 0), 110, 130),
        (CLTN, np.flatnonzero(ordinary), scaled(E, 0.0007, 0), 60, 120),
    ):
        pool = pool[~long_leave[pool]]
        chosen = rng.choice(pool, size=min(count, len(pool)), replace=False) if len(pool) else pool
        for e in chosen:
            length = int(rng.integers(lo, hi + 1))
            start = int(rng.integers(0, max(1, D - length)))
            status[e, start:start + length] = code
            long_leave[e] = True

    tk = rng.random((E, D)) < 0.0012
    status[tk & (status == HD)] = TK

    # PP 94/2021 cases: a few employees reach the discipline ladder (>= 3, >= 7 cumulative TK days,
    # and >= 10 consecutive working days).
    pool = np.flatnonzero(ordinary & ~long_leave)
    pool = pool[pool != org.lenient_supervisor]
    n_a, n_b, n_c = max(1, round(E / 600)), max(1, round(E / 2500)), max(1, round(E / 7500))
    if len(pool) < n_a + n_b + n_c:  # very small cities: any full-year staff member will do
        spare = np.flatnonzero((org.role == STAFF) & full_year & ~long_leave & ~np.isin(everyone, pool))
        pool = np.concatenate([pool, spare[spare != org.invalid]])
    chosen = rng.choice(pool, size=n_a + n_b + n_c, replace=False)
    cases = {"tk_3_to_6": chosen[:n_a].tolist(), "tk_7_or_more": chosen[n_a:n_a + n_b].tolist(),
             "tk_10_consecutive": chosen[n_a + n_b:].tolist()}
    for e in chosen:
        row = status[e]
        row[row == TK] = HD
    for e in cases["tk_3_to_6"]:
        status[e, rng.choice(D, size=int(rng.integers(3, 7)), replace=False)] = TK
    for e in cases["tk_7_or_more"]:
        for start in rng.choice(np.arange(0, D - 4, 5), size=3, replace=False):
            status[e, start:start + int(rng.integers(2, 4))] = TK
        while (status[e] == TK).sum() < 7 + int(e % 5):
            status[e, int(rng.integers(0, D))] = TK
    for e in cases["tk_10_consecutive"]:
        length = int(rng.integers(10, 15))
        start = int(rng.integers(20, D - length - 1))
        status[e, start:start + length] = TK
    special = np.zeros(E, dtype=bool)
    special[chosen] = True
    special[org.invalid] = True

    # Clock times of HD days.
    late_p = np.clip(0.07 * rng.lognormal(0, 0.5, E), 0, 0.3)
    early_p = np.clip(0.035 * rng.lognormal(0, 0.5, E), 0, 0.2)
    habitual = rng.random(E) < 0.05
    late_p[habitual], early_p[habitual] = 0.3, 0.15
    status[~active] = -1
    hd_e, hd_d = np.nonzero(status == HD)
    n = len(hd_e)
    check_in = cal.start_sec[hd_d] - rng.integers(0, 50 * 60, n)
    late = rng.random(n) < late_p[hd_e]
    check_in[late] = cal.start_sec[hd_d[late]] + (_band_minutes(rng, int(late.sum())) - 1) * 60 \
        + rng.integers(1, 61, int(late.sum()))
    check_out = cal.end_sec[hd_d] + rng.integers(0, 75 * 60, n)
    early = rng.random(n) < early_p[hd_e]
    check_out[early] = cal.end_sec[hd_d[early]] - (_band_minutes(rng, int(early.sum())) - 1) * 60 \
        - rng.integers(1, 61, int(early.sum()))
    u = rng.random(n)
    check_out[u < 0.008] = -1
    check_in[(u >= 0.008) & (u < 0.0115)] = -1
    check_out[(u >= 0.011) & (u < 0.0115)] = -1
    ci = np.full((E, D), -1, dtype=np.int32)
    co = np.full((E, D), -1, dtype=np.int32)
    ci[hd_e, hd_d], co[hd_e, hd_d] = check_in, check_out

    # Flat rows: every active day, then the injected bad rows.
    e_all, d_all = np.nonzero(status >= 0)
    st_all, ci_all, co_all = status[e_all, d_all], ci[e_all, d_all], co[e_all, d_all]
    person_nip = list(org.nip)
    cells = np.flatnonzero((st_all == HD) & (ci_all >= 0) & (co_all >= 0) & ~special[e_all])
    total = len(e_all)
    n_dup, n_conf = scaled(total, 0.003, 2), scaled(total, 0.0004, 1)
    n_unparse, n_swap = scaled(total, 0.0002, 1), scaled(total, 0.0002, 1)
    picked = rng.choice(cells, size=n_dup + n_conf + n_unparse + n_swap, replace=False)
    dup, conf = picked[:n_dup], picked[n_dup:n_dup + n_conf]
    unparse, swap = picked[n_dup + n_conf:n_dup + n_conf + n_unparse], picked[n_dup + n_conf + n_unparse:]
    # PostgreSQL's TIME column cannot hold '25:61:00': there the same rows get swapped times instead,
    # so both engines quarantine the same keys.
    can_store_bad_time = dialect != "postgresql"
    if not can_store_bad_time:
        swap, unparse = np.concatenate([swap, unparse]), unparse[:0]
    ci_all[swap], co_all[swap] = co_all[swap], ci_all[swap].copy()

    extra_e = [e_all[dup], e_all[conf]]
    extra_d = [d_all[dup], d_all[conf]]
    extra_st = [st_all[dup], np.where(np.arange(n_conf) % 2 == 0, DL, CT).astype(np.int8)]
    extra_ci = [ci_all[dup], np.full(n_conf, -1, dtype=np.int32)]
    extra_co = [co_all[dup], np.full(n_conf, -1, dtype=np.int32)]
    # Attendance of people who are not employees (a former employee still enrolled on the machine).
    known = set(person_nip)
    unknown_rows = []
    for _ in range(max(1, round(E / 3000))):
        while True:
            nip = f"19{int(rng.integers(70, 99))}0{int(rng.integers(1, 10))}1{int(rng.integers(0, 10))}" \
                  f"20{int(rng.integers(10, 20))}0{int(rng.integers(1, 10))}{int(rng.integers(1, 3))}" \
                  f"{int(rng.integers(1, 1000)):03d}"
            if nip not in known:
                break
        known.add(nip)
        person_nip.append(nip)
        length = int(rng.integers(5, 21) if E >= 1000 else rng.integers(2, 6))  # small cities: keep < 5 %
        start = int(rng.integers(0, D - length))
        span = np.arange(start, start + length)
        extra_e.append(np.full(length, len(person_nip) - 1))
        extra_d.append(span)
        extra_st.append(np.full(length, HD, dtype=np.int8))
        extra_ci.append(cal.start_sec[span] - rng.integers(0, 40 * 60, length))
        extra_co.append(cal.end_sec[span] + rng.integers(0, 60 * 60, length))
        unknown_rows.append(len(person_nip) - 1)

    e_all = np.concatenate([e_all] + extra_e)
    d_all = np.concatenate([d_all] + extra_d)
    st_all = np.concatenate([st_all] + extra_st)
    ci_all = np.concatenate([ci_all] + [np.asarray(x, dtype=np.int32) for x in extra_ci])
    co_all = np.concatenate([co_all] + [np.asarray(x, dtype=np.int32) for x in extra_co])
    bad_time = np.zeros(len(e_all), dtype=bool)
    bad_time[unparse] = True

    nips = np.array(person_nip, dtype=object)
    rank = np.argsort(np.argsort(nips))
    order = np.lexsort((rank[e_all], d_all))
    e_s, d_s = e_all[order], d_all[order]
    nip_col, date_col = nips[e_s], cal.day_text[d_s]
    ci_col = time_text(ci_all[order])
    ci_col[bad_time[order]] = "25:61:00"

    def keys(idx: np.ndarray) -> list[str]:
        return [f"{nips[e]}|{cal.day_text[d]}" for e, d in zip(e_all[idx], d_all[idx])]

    base = total
    manifest.add("attendance", keys(np.arange(base, base + n_dup)), "duplicate_identical")
    conf_keys = keys(conf)
    manifest.add("attendance", conf_keys + conf_keys, "duplicate_conflicting")
    manifest.add("attendance", keys(unparse), "time_invalid")
    manifest.add("attendance", keys(swap), "check_out_before_check_in")
    unknown_idx = np.flatnonzero(np.isin(e_all, unknown_rows) | (e_all == org.invalid))
    manifest.add("attendance", keys(unknown_idx), "unknown_nip")

    table = Table("attendance", ("nip", "work_date", "check_in", "check_out", "status"),
                  [nip_col.tolist(), date_col.tolist(), ci_col.tolist(), time_text(co_all[order]).tolist(),
                   np.array(STATUSES, dtype=object)[st_all[order]].tolist()])
    return Attendance(table, status, cases)
