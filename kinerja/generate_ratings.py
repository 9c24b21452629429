"""Behaviour feedback (BerAKHLAK, 360 degrees) and the public satisfaction survey of the demo city."""
from __future__ import annotations

import calendar as calendar_lib
from datetime import date, timedelta

import numpy as np

from kinerja import generate_catalog as cat
from kinerja.generate_common import Manifest, Table, pick, rng_for, scaled
from kinerja.generate_days import Calendar
from kinerja.generate_org import HEAD, MIDDLE, STAFF, Org
from kinerja.generate_work import Quarters

SELF, SUPERVISOR, PEER, SUBORDINATE, PUBLIC = range(5)


def _quarter_end(year: int, q: int) -> date:
    month = 3 * q + 3
    return date(year, month, calendar_lib.monthrange(year, month)[1])


def build_feedback(org: Org, quarters: Quarters, seed: int, manifest: Manifest) -> Table:
    rng = rng_for(seed, "feedback")
    E, year = org.size, org.year
    latent = rng.normal(3.85, 0.3, E)
    low = rng.random(E) < 0.05
    latent[low] = rng.normal(3.0, 0.2, int(low.sum()))
    home = np.array([segs[0].unit if segs else -1 for segs in org.segments])
    latent[home == org.outlier_unit] = 4.75
    aspect_offset = rng.normal(0, 0.15, (E, len(cat.ASPECTS)))
    supervisor_bias = rng.normal(0, 0.2, E)
    self_bias = 0.3 + rng.normal(0, 0.2, E)
    staff = np.flatnonzero((org.role == STAFF) & (home != org.outlier_unit))
    overraters = rng.choice(staff, size=max(1, E // 400), replace=False)
    self_bias[overraters] = 1.6
    latent[overraters] = 3.2

    ratee, rater, rtype, quarter, bias = [], [], [], [], []
    token = 0
    for q in range(4):
        unit_q, sup_q = quarters.unit[:, q], quarters.supervisor[:, q]
        ok = (unit_q >= 0) & (quarters.active_days[:, q] >= 5)
        members: dict[int, list[int]] = {}
        reports: dict[int, list[int]] = {}
        heads_by_sup: dict[int, list[int]] = {}
        for e in np.flatnonzero(ok):
            members.setdefault(int(unit_q[e]), []).append(int(e))
            if sup_q[e] >= 0:
                reports.setdefault(int(sup_q[e]), []).append(int(e))
                if org.role[e] == HEAD:
                    heads_by_sup.setdefault(int(sup_q[e]), []).append(int(e))
        for e in np.flatnonzero(ok):
            e = int(e)
            u, role = int(unit_q[e]), org.role[e]
            pairs: list[tuple[str, int, float]] = [(org.nip[e], SELF, self_bias[e])]
            if sup_q[e] >= 0:
                s = int(sup_q[e])
                pairs.append((org.nip[s], SUPERVISOR, supervisor_bias[s]))
            if role == HEAD:
                pool = [p for p in heads_by_sup.get(int(sup_q[e]), []) if p != e]
            else:
                pool = [p for p in members[u] if p != e and (org.role[p] == role or role == STAFF
                                                            and org.role[p] == MIDDLE)]
            if pool:
                for p in rng.choice(pool, size=min(len(pool), int(rng.integers(2, 5))), replace=False):
                    pairs.append((org.nip[p], PEER, rng.normal(0.1, 0.25)))
            subs = reports.get(e, [])
            if subs:
                for p in rng.choice(subs, size=min(len(subs), int(rng.integers(2, 6))), replace=False):
                    pairs.append((org.nip[p], SUBORDINATE, rng.normal(0.15, 0.25)))
            if org.units[u].is_service and role == STAFF and rng.random() < 0.7:
                n_pub = int(rng.integers(3, 5) if rng.random() < 0.1 else rng.integers(5, 9))
                for _ in range(n_pub):
                    token += 1
                    pairs.append((f"PUB-{year}-{token:06d}", PUBLIC, rng.normal(-0.05, 0.35)))
            for r_id, t, b in pairs:
                ratee.append(e)
                rater.append(r_id)
                rtype.append(t)
                quarter.append(q)
                bias.append(b)

    ratee_a, rtype_a, quarter_a, bias_a = (np.array(ratee), np.array(rtype), np.array(quarter), np.array(bias))
    P = len(ratee_a)
    # Which aspects each rater rated: usually all seven; the public rates a few, always service.
    mask = np.ones((P, 7), dtype=bool)
    partial = (rng.random(P) < 0.15) | (rtype_a == PUBLIC)
    mask[partial] = rng.random((int(partial.sum()), 7)) < 0.55
    mask[rtype_a == PUBLIC, 0] = True
    mask[~mask.any(axis=1), 0] = True
    pair_idx, aspect = np.nonzero(mask)
    n = len(pair_idx)
    e_row = ratee_a[pair_idx]
    raw = latent[e_row] + aspect_offset[e_row, aspect] + bias_a[pair_idx] + rng.normal(0, 0.45, n)
    score = np.clip(np.rint(raw), 1, 5).astype(np.int64)
    lenient_nip = org.nip[org.lenient_supervisor]
    rater_a = np.array(rater, dtype=object)
    lenient = (rtype_a == SUPERVISOR) & (rater_a == lenient_nip)
    score[lenient[pair_idx]] = 5

    # Comments: one per rater form now and then, worded after the score.
    comment = np.full(n, None, dtype=object)
    first_row = np.flatnonzero(np.r_[True, pair_idx[1:] != pair_idx[:-1]])
    with_comment = first_row[(rng.random(len(first_row)) < 0.12) & (rtype_a[pair_idx[first_row]] != SELF)]
    for r in with_comment:
        if rtype_a[pair_idx[r]] == PUBLIC:
            comment[r] = pick(rng, cat.COMMENTS_PUBLIC)
        else:
            comment[r] = pick(rng, cat.COMMENTS_GOOD if score[r] >= 4 else cat.COMMENTS_BAD)
    sup_forms = first_row[rtype_a[pair_idx[first_row]] == SUPERVISOR]
    peer_forms = first_row[rtype_a[pair_idx[first_row]] == PEER]
    comment[sup_forms[0]] = cat.COMMENT_MARKUP
    if len(peer_forms):
        comment[peer_forms[len(peer_forms) // 2]] = cat.COMMENT_SQL

    # Submission time per form: internal raters in the last two weeks of the quarter, the public any day.
    ends = [_quarter_end(year, q) for q in range(4)]
    starts = [date(year, 3 * q + 1, 1) for q in range(4)]
    span = np.array([(ends[q] - starts[q]).days for q in range(4)])
    back = np.where(rtype_a == PUBLIC, rng.integers(0, span[quarter_a] + 1), rng.integers(0, 14, P))
    seconds = rng.integers(8 * 3600, 21 * 3600, P)
    stamp = [f"{(ends[q] - timedelta(days=int(b))).isoformat()} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
             for q, b, s in zip(quarter_a.tolist(), back.tolist(), seconds.tolist())]
    stamp_a = np.array(stamp, dtype=object)

    rank = np.argsort(np.argsort(org.nip))
    order = np.lexsort((aspect, pair_idx, rank[e_row], quarter_a[pair_idx]))
    ids = [f"FB-{year}-{i:07d}" for i in range(1, n + 1)]
    score = score[order]
    ok_rows = np.flatnonzero(~np.isin(e_row[order], overraters) & (rtype_a[pair_idx][order] == PEER))
    bad = rng.choice(ok_rows, size=scaled(n, 0.00005), replace=False)
    score[bad] = 7
    manifest.add("feedback", [ids[i] for i in bad], "score_invalid")
    p_sorted = pair_idx[order]
    return Table("feedback", ("feedback_id", "ratee_nip", "rater_id", "rater_type", "year", "quarter", "aspect",
                              "score", "comment", "submitted_at"),
                 [ids, org.nip[e_row[order]].tolist(), rater_a[p_sorted].tolist(),
                  np.array(cat.RATER_TYPES, dtype=object)[rtype_a[p_sorted]].tolist(), [year] * n,
                  (quarter_a[p_sorted] + 1).tolist(), np.array(cat.ASPECTS, dtype=object)[aspect[order]].tolist(),
                  score.tolist(), comment[order].tolist(), stamp_a[p_sorted].tolist()])


def build_survey(org: Org, cal: Calendar, seed: int, manifest: Manifest) -> Table:
    """Survei Kepuasan Masyarakat: u1..u9 (1-4); some units reach 30 responses a quarter, some do not."""
    rng = rng_for(seed, "survey")
    units = [u for u, unit in enumerate(org.units)
             if unit.kind in cat.SURVEY_KINDS or unit.code in cat.SERVICE_CODES]
    unit_col, day_col, service_col, answers = [], [], [], []
    for k, u in enumerate(units):
        unit = org.units[u]
        big = unit.code in ("DISDUKCAPIL", "DPMPTSP") or (k % 2 == 0)
        quality = rng.uniform(2.9, 3.6)
        offsets = rng.normal(0, 0.15, 9)
        services = cat.SURVEY_SERVICES.get(unit.code) or cat.SURVEY_SERVICES[unit.kind]
        for q in range(4):
            days = np.flatnonzero(cal.quarter == q)
            n = int(rng.integers(30, 121) if big else rng.integers(8, 30))
            day_col += rng.choice(days, size=n).tolist()
            unit_col += [u] * n
            service_col += [services[i] for i in rng.integers(0, len(services), n)]
            answers.append(np.clip(np.rint(rng.normal(quality + offsets, 0.55, (n, 9))), 1, 4).astype(np.int64))
    ans = np.vstack(answers)
    day = np.array(day_col)
    unit_a = np.array(unit_col)
    order = np.lexsort((unit_a, day))
    ans, day, unit_a = ans[order], day[order], unit_a[order]
    service = np.array(service_col, dtype=object)[order]
    n = len(day)
    ids = [f"SKM-{org.year}-{i:06d}" for i in range(1, n + 1)]
    bad = rng.choice(n, size=scaled(n, 0.0005), replace=False)
    ans[bad, rng.integers(0, 9, len(bad))] = 5
    manifest.add("survey_responses", [ids[i] for i in bad], "answer_invalid")
    codes = np.array([unit.code for unit in org.units], dtype=object)
    return Table("survey_responses", ("response_id", "unit_code", "service", "response_date") +
                 tuple(f"u{i}" for i in range(1, 10)),
                 [ids, codes[unit_a].tolist(), service.tolist(), cal.day_text[day].tolist()] +
                 [ans[:, i].tolist() for i in range(9)])
