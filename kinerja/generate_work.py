"""Work results of the demo city: indicators per unit kind, quarterly SKP targets, the daily activity log."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kinerja import generate_catalog as cat
from kinerja.generate_common import Manifest, Table, rng_for, scaled
from kinerja.generate_days import DL, HD, Calendar
from kinerja.generate_org import HEAD, Org

WEIGHT_PATTERNS = {2: ((60, 40), (70, 30), (50, 50)),
                   3: ((40, 30, 30), (50, 30, 20), (40, 40, 20)),
                   4: ((30, 30, 20, 20), (40, 20, 20, 20), (25, 25, 25, 25))}


@dataclass
class Quarters:
    """Per employee and quarter: the unit and supervisor of the assignment with most working days."""

    unit: np.ndarray  # E x 4, -1 = not active in the quarter
    supervisor: np.ndarray  # E x 4, -1 = none
    active_days: np.ndarray  # E x 4 active working days
    present_days: np.ndarray  # E x 4 HD/DL days
    workdays: np.ndarray  # 4 working days per quarter


def quarters_of(org: Org, cal: Calendar, status: np.ndarray) -> Quarters:
    E = org.size
    unit = np.full((E, 4), -1)
    sup = np.full((E, 4), -1)
    active = np.zeros((E, 4), dtype=int)
    present = np.zeros((E, 4), dtype=int)
    for q in range(4):
        in_q = cal.quarter == q
        active[:, q] = (status[:, in_q] >= 0).sum(axis=1)
        present[:, q] = np.isin(status[:, in_q], (HD, DL)).sum(axis=1)
    wd = np.array([d.toordinal() for d in cal.workdays])
    for e, segs in enumerate(org.segments):
        best = np.zeros(4, dtype=int) - 1
        for s in segs:
            lo, hi = s.start.toordinal(), s.end.toordinal() if s.end else 10**9
            covered = (wd >= lo) & (wd <= hi) & (status[e] >= 0)
            days = np.bincount(cal.quarter[covered], minlength=4)
            better = (days > 0) & (days >= best)
            unit[e, better], sup[e, better], best[better] = s.unit, s.supervisor, days[better]
    return Quarters(unit, sup, active, present, np.bincount(cal.quarter, minlength=4))


@dataclass
class Indicator:
    id: str
    unit: int  # -1 = shared
    template: cat.Template


def build_indicators(org: Org) -> tuple[list[Indicator], Table]:
    out = [Indicator(f"IKI-UMUM-{k + 1:02d}", -1, t) for k, t in enumerate(cat.SHARED_INDICATORS)]
    for u, unit in enumerate(org.units):
        out += [Indicator(f"IKI-{unit.code}-{k + 1:02d}", u, t)
                for k, t in enumerate(cat.UNIT_INDICATORS[unit.template_key])]
    table = Table("indicators", ("indicator_id", "unit_code", "name", "uom", "direction", "aggregation"),
                  [[i.id for i in out], [org.units[i.unit].code if i.unit >= 0 else None for i in out],
                   [i.template[0] for i in out], [i.template[1] for i in out], [i.template[2] for i in out],
                   [i.template[3] for i in out]])
    return out, table


def _target_value(rng: np.random.Generator, t: cat.Template) -> float:
    lo, hi = t[4], t[5]
    value = lo + (hi - lo) * rng.random()
    return float(round(value / 5) * 5) if hi >= 50 else float(round(value))


def build_targets(org: Org, quarters: Quarters, indicators: list[Indicator], seed: int,
                  manifest: Manifest) -> tuple[Table, dict[str, np.ndarray]]:
    """SKP targets (2-4 indicators per employee and quarter, weights adding to 100) and their groups."""
    rng = rng_for(seed, "targets")
    year = org.year
    shared = [k for k, i in enumerate(indicators) if i.unit < 0]
    by_unit: dict[int, list[int]] = {}
    for k, ind in enumerate(indicators):
        if ind.unit >= 0:
            by_unit.setdefault(ind.unit, []).append(k)
    plans: dict[tuple[int, int], list[tuple[int, float, float]]] = {}
    rows: list[tuple[int, int, int, float, float]] = []  # employee, quarter, indicator, target, weight
    for e in range(org.size):
        for q in range(4):
            u = quarters.unit[e, q]
            if u < 0 or quarters.active_days[e, q] == 0:
                continue
            plan = plans.get((e, u))
            if plan is None:
                own = by_unit.get(u, [])
                k_total = int(rng.integers(3, 5) if org.role[e] == HEAD else rng.integers(2, 5))
                n_own = min(len(own), 2 if org.role[e] == HEAD else int(rng.integers(1, 3)))
                chosen = list(rng.choice(own, size=n_own, replace=False)) if n_own else []
                others = [s for s in shared if s not in chosen]
                if org.role[e] == HEAD:
                    others = [shared[0]] + list(rng.permutation([s for s in others if s != shared[0]]))
                else:
                    others = list(rng.permutation(others))
                chosen += others[:k_total - n_own]
                patterns = WEIGHT_PATTERNS[len(chosen)]
                weights = patterns[int(rng.integers(len(patterns)))]
                plan = [(int(k), _target_value(rng, indicators[k].template), float(w))
                        for k, w in zip(chosen, weights)]
                plans[(e, u)] = plan
            rows += [(e, q, k, t, w) for k, t, w in plan]
    arr = np.array([(e, q, k) for e, q, k, _, _ in rows])
    target = np.array([r[3] for r in rows])
    weight = np.array([r[4] for r in rows])
    # Bad rows: an extra target with weight 0 (the employee's good weights still add up to 100).
    bad_groups = rng.choice(len(rows), size=scaled(len(rows), 0.0005), replace=False)
    bad = []
    for g in bad_groups:
        e, q = int(arr[g, 0]), int(arr[g, 1])
        used = set(arr[(arr[:, 0] == e) & (arr[:, 1] == q), 2].tolist())
        spare = next(k for k in shared + list(range(len(indicators))) if k not in used)
        bad.append((e, q, spare, _target_value(rng, indicators[spare].template), 0.0))
    all_rows = rows + bad
    nips = org.nip
    order = sorted(range(len(all_rows)), key=lambda r: (all_rows[r][1], nips[all_rows[r][0]], all_rows[r][2]))
    ind_ids = [i.id for i in indicators]
    key = lambda r: f"{nips[r[0]]}|{ind_ids[r[2]]}|{year}|{r[1] + 1}"  # noqa: E731
    manifest.add("targets", [key(r) for r in bad], "weight_invalid")
    table = Table("targets", ("nip", "indicator_id", "year", "quarter", "target", "weight"),
                  [[nips[all_rows[r][0]] for r in order], [ind_ids[all_rows[r][2]] for r in order],
                   [year] * len(order), [all_rows[r][1] + 1 for r in order], [all_rows[r][3] for r in order],
                   [all_rows[r][4] for r in order]])
    groups = {"employee": arr[:, 0], "quarter": arr[:, 1], "indicator": arr[:, 2], "target": target,
              "weight": weight}
    return table, groups


def build_activities(org: Org, cal: Calendar, quarters: Quarters, status: np.ndarray,
                     indicators: list[Indicator], groups: dict[str, np.ndarray], seed: int,
                     manifest: Manifest) -> Table:
    """The daily log: entries on present days whose quantities realise each target times a performance."""
    rng = rng_for(seed, "activities")
    E = org.size
    e_g, q_g, k_g, target = groups["employee"], groups["quarter"], groups["indicator"], groups["target"]
    G = len(e_g)
    is_mean = np.array([i.template[3] == "mean" for i in indicators])[k_g]
    lower = np.array([i.template[2] == "lower" for i in indicators])[k_g]
    persen = np.array([i.template[1] == "persen" for i in indicators])[k_g]
    per_entry = np.array([i.template[6] for i in indicators], dtype=float)[k_g]

    # Performance: most meet their targets, some overachieve, some fall short; one unit excels.
    base = rng.normal(1.08, 0.09, E)
    low = rng.random(E) < 0.06
    base[low] = rng.normal(0.75, 0.08, int(low.sum()))
    home = np.array([segs[0].unit if segs else -1 for segs in org.segments])
    base[home == org.outlier_unit] = 1.25
    perf = np.clip(base[e_g] * rng.normal(1.0, 0.06, G), 0.3, 1.6)

    present = quarters.present_days[e_g, q_g]
    share = quarters.active_days[e_g, q_g] / np.maximum(quarters.workdays[q_g], 1)
    planned = np.rint(target * share * perf).astype(np.int64)
    n_sum = np.where((planned > 0) & (present > 0),
                     np.minimum(present, np.maximum(1, np.rint(planned / per_entry))), 0)
    n_mean = np.where(present > 0, np.minimum(present, np.maximum(1, np.rint(present / 5))), 0)
    n = np.where(is_mean, n_mean, n_sum).astype(np.int64)
    planned = np.maximum(planned, n)
    level = np.where(lower, target * (2 - perf), target * perf)
    level = np.where(persen, np.minimum(level, 100.0), level)

    g_rep = np.repeat(np.arange(G), n)
    T = len(g_rep)
    first = np.cumsum(n) - n
    # A random present day (HD or DL) of the employee in the quarter, via a CSR index of present days.
    pe, pd = np.nonzero(np.isin(status, (HD, DL)))
    key = pe * 4 + cal.quarter[pd]
    counts = np.bincount(key, minlength=E * 4)
    starts = np.cumsum(counts) - counts
    gk = (e_g * 4 + q_g)[g_rep]
    day = pd[starts[gk] + (rng.random(T) * counts[gk]).astype(np.int64)]

    shares = rng.gamma(2.0, size=T)
    cum = np.cumsum(shares)
    before = (cum[first] - shares[first])[n > 0]
    total_g = np.zeros(G)
    total_g[n > 0] = cum[(first + n - 1)[n > 0]] - before
    before_g = np.zeros(G)
    before_g[n > 0] = before
    frac = (cum - before_g[g_rep]) / total_g[g_rep]
    alloc = np.rint((planned - n)[g_rep] * frac)
    prev = np.roll(alloc, 1)
    prev[first[n > 0]] = 0
    qty_sum = 1 + alloc - prev
    qty_mean = np.round(level[g_rep] * rng.lognormal(0, 0.12, T), 1)
    qty_mean = np.where(persen[g_rep], np.minimum(qty_mean, 100.0), qty_mean)
    quantity = np.where(is_mean[g_rep], qty_mean, qty_sum)

    u = rng.random(T)
    december = cal.month[day] == 12
    pending = u < np.where(december, 0.2, 0.04)
    rejected = ~pending & (u > 0.975)
    st = np.where(pending, 1, np.where(rejected, 2, 0))
    minutes = rng.integers(2, 17, T) * 15

    variants = [i.template[7] for i in indicators]
    n_var = np.array([len(v) for v in variants])
    offsets = np.cumsum(n_var) - n_var
    flat_desc = np.array([d for v in variants for d in v], dtype=object)
    k_rep = k_g[g_rep]
    desc = flat_desc[offsets[k_rep] + (rng.random(T) * n_var[k_rep]).astype(np.int64)]

    e_rep = e_g[g_rep]
    rank = np.argsort(np.argsort(org.nip))
    order = np.lexsort((k_rep, rank[e_rep], day))
    year = org.year
    ids = [f"KEG-{year}-{i:07d}" for i in range(1, T + 1)]
    quantity = quantity[order]
    # Bad rows: a few approved entries with a negative quantity.
    ok = np.flatnonzero((st[order] == 0) & ~is_mean[g_rep][order])
    neg = rng.choice(ok, size=scaled(T, 0.0001), replace=False)
    quantity[neg] = -quantity[neg]
    manifest.add("activities", [ids[i] for i in neg], "quantity_invalid")
    return Table("activities", ("activity_id", "nip", "activity_date", "indicator_id", "quantity", "minutes",
                                "status", "description"),
                 [ids, org.nip[e_rep[order]].tolist(), cal.day_text[day[order]].tolist(),
                  np.array([i.id for i in indicators], dtype=object)[k_rep[order]].tolist(),
                  quantity.tolist(), minutes[order].tolist(),
                  np.array(["approved", "pending", "rejected"], dtype=object)[st[order]].tolist(),
                  desc[order].tolist()])
