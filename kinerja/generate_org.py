"""The organisation of the demo city: units, employees (with structurally valid NIPs) and assignments."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from faker import Faker

from kinerja import generate_catalog as cat
from kinerja.generate_common import Manifest, Table, pick, rng_for

MIN_EMPLOYEES = 30
HEAD, MIDDLE, STAFF = 2, 1, 0


@dataclass
class Unit:
    code: str
    name: str
    parent: str | None
    kind: str
    head_title: str
    weight: float
    members: list[int] = field(default_factory=list)  # initial members; members[0] is the head

    @property
    def is_service(self) -> bool:
        return self.kind in cat.SERVICE_KINDS or self.code in cat.SERVICE_CODES

    @property
    def template_key(self) -> str:
        for key in (self.code, self.kind):
            if key in cat.UNIT_INDICATORS:
                return key
        return "default"


@dataclass
class Segment:
    """One assignments row: unit and supervisor (employee indices) over [start, end]."""

    unit: int
    supervisor: int  # -1 = none
    position: str
    start: date
    end: date | None


@dataclass
class Org:
    year: int
    units: list[Unit]
    nip: np.ndarray  # object, per employee
    names: list[str]
    sex: np.ndarray  # 1 male, 2 female
    emp_type: list[str]
    grade: list[str]
    birth: list[date]
    active_from: list[date]
    active_to: list[date | None]
    role: np.ndarray  # HEAD / MIDDLE / STAFF; -1 for the invalid-NIP record
    segments: list[list[Segment]]
    invalid: int  # index of the employee whose NIP is deliberately invalid (no assignment)
    tiny_unit: int
    outlier_unit: int
    lenient_supervisor: int
    transferred: np.ndarray  # bool
    reports: list[list[int]] = field(default_factory=list)  # direct reports (initial structure)

    @property
    def size(self) -> int:
        return len(self.nip)


def _unit_plan(employees: int) -> tuple[int, int, int, int]:
    """(kecamatan, kelurahan, puskesmas, extra OPDs): about 20 units at 300 employees, 120 at 15,000."""
    total = max(20, int(round(18 + 0.0068 * employees)))
    rest = total - len(cat.CORE_UNITS)
    kec = max(2, round(rest * 0.12))
    pkm = max(2, round(rest * 0.16))
    extra = min(len(cat.EXTRA_UNITS), round(rest * 0.22))
    kel = rest - kec - pkm - extra
    if kel < 2:
        extra = max(0, extra - (2 - kel))
        kel = max(2, rest - kec - pkm - extra)
    return kec, kel, pkm, extra


def build_units(employees: int, rng: np.random.Generator) -> list[Unit]:
    n_kec, n_kel, n_pkm, n_extra = _unit_plan(employees)
    units = [Unit(code, name, None, kind, head, w) for code, name, kind, head, w in cat.CORE_UNITS]
    units += [Unit(code, name, None, kind, f"Kepala {name}", cat.WEIGHT_EXTRA)
              for code, name, kind in cat.EXTRA_UNITS[:n_extra]]
    combos = [(a, b) for a in cat.WORDS_A for b in cat.WORDS_B]
    order = rng.permutation(len(combos))
    place_names = [f"{a}{b.lower()}" if a in ("Suka", "Sido") else f"{a} {b}" for a, b in
                   (combos[i] for i in order)]
    kecamatan: list[tuple[str, str]] = list(cat.KECAMATAN[:n_kec])
    used = {name for _, name in kecamatan}
    extra_names = iter(n for n in place_names if n not in used)
    while len(kecamatan) < n_kec:
        kecamatan.append((f"K{len(kecamatan) + 1:02d}", next(extra_names)))
    kec_units = []
    for abbr, name in kecamatan:
        kec_units.append(Unit(f"KEC-{abbr}", f"Kecamatan {name}", None, "kecamatan", f"Camat {name}",
                              cat.WEIGHT_KECAMATAN))
    units += kec_units
    used |= {name for _, name in kecamatan}
    kel_names = [n for n in place_names if n not in used]
    per_kec: dict[int, int] = {}
    for j in range(n_kel):
        k = j % n_kec
        per_kec[k] = per_kec.get(k, 0) + 1
        name = kel_names[j]
        units.append(Unit(f"KEL-{kecamatan[k][0]}-{per_kec[k]:02d}", f"Kelurahan {name}",
                          kec_units[k].code, "kelurahan", f"Lurah {name}", cat.WEIGHT_KELURAHAN))
    per_kec = {}
    for j in range(n_pkm):
        k = j % n_kec
        per_kec[k] = per_kec.get(k, 0) + 1
        n = per_kec[k]
        name = f"Puskesmas {kecamatan[k][1]}" + ("" if n == 1 else f" {('I', 'II', 'III', 'IV')[min(n, 4) - 1]}")
        units.append(Unit(f"PKM-{kecamatan[k][0]}-{n:02d}", name, "DINKES", "puskesmas",
                          f"Kepala {name}", cat.WEIGHT_PUSKESMAS))
    return units


def _staff_title(unit: Unit, rng: np.random.Generator) -> str:
    titles = cat.STAFF_TITLES.get(unit.code) or cat.STAFF_TITLES.get(unit.kind) or cat.STAFF_TITLES["default"]
    return pick(rng, titles)


def _random_date(rng: np.random.Generator, lo: date, hi: date) -> date:
    return lo + timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))


def build_org(employees: int, year: int, seed: int, workdays: list[date]) -> Org:
    """Units, people and reporting lines; `workdays` are the year's working dates (joiners start on one)."""
    if employees < MIN_EMPLOYEES:
        raise ValueError(f"a demo city needs at least {MIN_EMPLOYEES} employees, not {employees}")
    rng = rng_for(seed, "org")
    units = build_units(employees, rng)
    tiny = max(i for i, u in enumerate(units) if u.kind == "kelurahan")
    n_people = employees - 1  # the last record is the invalid-NIP employee, outside every unit
    per_unit = 2 if n_people >= 2 * len(units) + 1 else 1  # very small cities: some units are just a head
    base = np.array([3 if i == tiny else per_unit for i in range(len(units))])
    if base.sum() > n_people:
        raise ValueError(f"{employees} employees are too few for {len(units)} units")
    weights = np.array([0.0 if i == tiny else u.weight for i, u in enumerate(units)])
    sizes = base + rng.multinomial(n_people - base.sum(), weights / weights.sum())

    role: list[int] = []
    unit_of: list[int] = []
    supervisor: list[int] = []
    position: list[str] = []
    heads: dict[str, int] = {}
    idx = 0
    for u, (unit, size) in enumerate(zip(units, sizes)):
        head = idx
        heads[unit.code] = head
        n_mid = min(8, max(2, round((size - 1) / 12))) if size >= 12 else 0
        titles = cat.MIDDLE_TITLES.get(unit.kind, cat.MIDDLE_TITLES["default"])
        middles = list(range(head + 1, head + 1 + n_mid))
        for j in range(size):
            if j == 0:
                person = (HEAD, -1, unit.head_title)
            elif j <= n_mid:
                person = (MIDDLE, head, titles[(j - 1) % len(titles)] + ("" if j <= len(titles) else f" {j}"))
            else:
                person = (STAFF, middles[(j - n_mid - 1) % n_mid] if n_mid else head, _staff_title(unit, rng))
            role.append(person[0])
            supervisor.append(person[1])
            position.append(person[2])
            unit.members.append(idx)
            unit_of.append(u)
            idx += 1
    setda = heads["SETDA"]
    for u, unit in enumerate(units):
        if unit.code == "SETDA":
            continue
        parent = {"puskesmas": "DINKES", "kelurahan": unit.parent}.get(unit.kind, "SETDA")
        supervisor[heads[unit.code]] = heads.get(parent, setda)

    # People: type, sex, ages, TMT, NIP, grade, activity dates.
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    n = employees
    role.append(-1)  # the invalid-NIP record: no unit, no supervisor
    unit_of.append(-1)
    supervisor.append(-1)
    position.append("")
    role_arr = np.array(role)
    invalid = n - 1
    staff_mask = role_arr == STAFF
    pppk = staff_mask & (rng.random(n) < 0.22)
    pppk[invalid] = False
    sex = rng.integers(1, 3, n)
    jan1 = date(year, 1, 1)
    lo_day, hi_day = date(year, 2, 1), date(year, 11, 30)
    mid_days = [d for d in workdays if lo_day <= d <= hi_day] or list(workdays)
    eligible = staff_mask & np.array([u != tiny for u in unit_of])
    r = rng.random(n)
    joiner = eligible & (r < 0.04)
    leaver = eligible & (r >= 0.04) & (r < 0.07)

    nips: list[str] = []
    seen: set[str] = set()
    names, emp_type, grade, birth, active_from, active_to = [], [], [], [], [], []
    for i in range(n):
        rl = role_arr[i]
        age = int(rng.integers(46, 58) if rl == HEAD else rng.integers(38, 56) if rl == MIDDLE
                  else rng.integers(25, 51) if pppk[i] else rng.integers(23, 58))
        born = _random_date(rng, date(year - age - 1, 1, 2), date(year - age, 1, 1))
        start = active_to_i = None
        if joiner[i]:
            start = pick(rng, mid_days)
        if leaver[i]:
            active_to_i = _random_date(rng, lo_day, hi_day)
        if pppk[i]:
            appointed = start.year if start else int(rng.integers(min(2019, year - 1), year))
            tail = "21" if rng.random() < 0.5 else f"{int(rng.integers(0, 100)):02d}"
            middle = f"{appointed:04d}{tail}"
            first = start or date(appointed, int(rng.integers(1, 13)), 1)
            g = pick(rng, ("V", "VII", "VII", "IX", "IX", "IX", "X", "XI"))
        else:
            if start and rng.random() < 0.6:
                tmt_y, tmt_m = start.year, start.month  # a new CPNS
            else:
                earliest = born.year + 19
                latest = min(year - 1, born.year + 32)
                if rl == HEAD:
                    latest = min(latest, year - 16)
                elif rl == MIDDLE:
                    latest = min(latest, year - 8)
                tmt_y = int(rng.integers(earliest, max(earliest, latest) + 1))
                tmt_m = int(rng.integers(1, 13))
            if i == invalid:
                tmt_m = 13  # deliberately invalid: digits 13-14 are not a month
            middle = f"{tmt_y:04d}{tmt_m:02d}"
            tmt = date(tmt_y, min(tmt_m, 12), 1)
            if start:
                first = start
            elif rng.random() < 0.75:
                first = tmt
            else:
                moved = _random_date(rng, tmt, jan1 - timedelta(days=1))  # moved in from another region
                first = moved.replace(day=1)
            service = year - tmt_y
            if rl == HEAD:
                g = pick(rng, ("IV/e",) if i == setda else ("IV/b", "IV/c", "IV/c", "IV/d"))
            elif rl == MIDDLE:
                g = pick(rng, ("III/d", "IV/a", "IV/a", "IV/b"))
            else:
                g = cat.PNS_GRADES[int(np.clip(5 + service // 4 + rng.integers(-1, 2), 4, 12))]
        serial = int(rng.integers(1, 1000))
        while True:
            nip = f"{born:%Y%m%d}{middle}{sex[i]}{serial:03d}"
            if nip not in seen:
                break
            serial = serial % 999 + 1
        seen.add(nip)
        nips.append(nip)
        names.append(fake.name_male() if sex[i] == 1 else fake.name_female())
        emp_type.append("PPPK" if pppk[i] else "PNS")
        grade.append(g)
        birth.append(born)
        active_from.append(first)
        active_to.append(active_to_i)

    # Transfers: ~3 % of staff move once, mid-year, to another unit (two contiguous assignment rows).
    segments: list[list[Segment]] = []
    movable = eligible & ~joiner & ~leaver
    transferred = movable & (rng.random(n) < 0.03)
    targets = [u for u in range(len(units)) if u != tiny]
    move_days = [d for d in workdays if date(year, 3, 1) <= d <= date(year, 10, 31)] or mid_days
    for i in range(n):
        if i == invalid:
            segments.append([])
            continue
        u = unit_of[i]
        first = Segment(u, supervisor[i], position[i], active_from[i], active_to[i])
        if not transferred[i]:
            segments.append([first])
            continue
        new_u = pick(rng, [t for t in targets if t != u])
        members = units[new_u].members
        bosses = [m for m in members if role_arr[m] != STAFF]
        day = pick(rng, move_days)
        first.end = day - timedelta(days=1)
        segments.append([first, Segment(new_u, pick(rng, bosses), _staff_title(units[new_u], rng), day, None)])

    reports: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        if supervisor[i] >= 0:
            reports[supervisor[i]].append(i)
    sizes_list = [len(u.members) for u in units]
    candidates = [i for i, u in enumerate(units) if i != tiny and 6 <= sizes_list[i] <= 60]
    candidates = candidates or [max((i for i in range(len(units)) if i != tiny), key=lambda i: sizes_list[i])]
    pkm = [i for i in candidates if units[i].kind == "puskesmas"]
    outlier = (pkm or candidates)[0]
    bosses = [i for i in range(n) if role_arr[i] != STAFF and i != invalid and len(reports[i]) >= 4
              and unit_of[i] != outlier]
    bosses = bosses or [i for i in range(n) if len(reports[i]) >= 2 and unit_of[i] != outlier]
    lenient = int(rng.choice(bosses))
    return Org(year, units, np.array(nips, dtype=object), names, sex, emp_type, grade, birth, active_from,
               active_to, role_arr, segments, invalid, tiny, outlier, lenient, transferred, reports)


def units_table(org: Org) -> Table:
    us = org.units
    return Table("units", ("unit_code", "name", "parent_code", "kind"),
                 [[u.code for u in us], [u.name for u in us], [u.parent for u in us], [u.kind for u in us]])


def employees_table(org: Org, manifest: Manifest) -> Table:
    manifest.add("employees", [org.nip[org.invalid]], "nip_tmt")
    return Table("employees", ("nip", "name", "employment_type", "grade", "active_from", "active_to"),
                 [org.nip.tolist(), list(org.names), list(org.emp_type), list(org.grade),
                  [d.isoformat() for d in org.active_from],
                  [d.isoformat() if d else None for d in org.active_to]])


def assignments_table(org: Org) -> Table:
    cols: list[list] = [[], [], [], [], [], []]
    for i, segs in enumerate(org.segments):
        for s in segs:
            for col, value in zip(cols, (org.nip[i], org.units[s.unit].code, s.position,
                                         org.nip[s.supervisor] if s.supervisor >= 0 else None,
                                         s.start.isoformat(), s.end.isoformat() if s.end else None)):
                col.append(value)
    return Table("assignments", ("nip", "unit_code", "position", "supervisor_nip", "valid_from", "valid_to"),
                 cols)
