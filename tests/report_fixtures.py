"""A small, hand-built warehouse for the report tests (no pipeline needed).

Four units: Dinas Kependudukan (an outlier: 9 of 10 rated sangat_baik, and a lenient head who rates
everyone near 5), Dinas Perhubungan and a puskesmas (ordinary), and a 3-person kecamatan (suppressed in
public). Runs: monthly 2026-02 and 2026-03 (published; no 2025-03 run, so "same month last year" is not
available), a blocked monthly 2026-04, and two quarterly runs of 2026-Q1 where the second revises the
first. One comment is `<script>alert(1)</script>`, one starts with `=`; one employee is the worked example
of methodology.md (nilai akhir 96.71666…).

Award candidates, training needs and calibration flags are not hand-written: `_section8` calls
kinerja.methodology.awards on the fixture's own frames, exactly as the run does, so the tables agree with
the scores. `run_indicators` names the indicators of three units; Kecamatan Tengah's are left unnamed
so the score card falls back to the indicator id.
"""
from __future__ import annotations

import json
import random
from datetime import datetime

import pandas as pd

from kinerja import db
from kinerja.methodology.awards import award_candidates, calibration_flags, training_needs
from kinerja.policy import load_policy

MONTHLY_RUN = "run-2026-03-m1"
PREV_MONTH_RUN = "run-2026-02-m1"
BLOCKED_RUN = "run-2026-04-m1"
Q_OLD_RUN = "run-2026-Q1-q1"
Q_RUN = "run-2026-Q1-q2"
SCRIPT_COMMENT = "<script>alert(1)</script> sangat membantu warga"
FORMULA_COMMENT = "=HYPERLINK(\"http://evil.example\",\"klik\")"
POLICY_VERSION = "2026.1"

UNITS = [  # code, name, kind, number of staff, lenient head
    ("DISDUK", "Dinas Kependudukan dan Pencatatan Sipil", "dinas", 10),
    ("DISHUB", "Dinas Perhubungan", "dinas", 10),
    ("PKM-01", "UPTD Puskesmas Sukamaju", "puskesmas", 10),
    ("KEC-TGH", "Kecamatan Tengah", "kecamatan", 3),
]
FIRST = ["Siti", "Budi", "Agus", "Dewi", "Rina", "Eko", "Sri", "Hendra", "Wahyu", "Nur", "Yuni", "Andi", "Ratna",
         "Joko", "Fitri", "Bambang", "Lestari", "Dian", "Taufik", "Maya"]
LAST = ["Rahayu", "Santoso", "Wijaya", "Lestari", "Hidayat", "Saputra", "Kurniawan", "Permata", "Nugroho",
        "Handayani", "Siregar", "Simanjuntak", "Wibowo", "Susanti"]
ASPECTS = ["berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif"]
MONTHS = ["2026-01", "2026-02", "2026-03"]
# Predikat per unit, staff in order (the head first).
PREDIKAT = {
    "DISDUK": ["sangat_baik"] * 9 + ["baik"],
    "DISHUB": ["baik", "sangat_baik", "baik", "baik", "baik", "butuh_perbaikan", "baik", "baik", "baik", "belum_dinilai"],
    "PKM-01": ["baik", "baik", "sangat_baik", "baik", "baik", "kurang", "baik", "baik", "sangat_kurang", "baik"],
    "KEC-TGH": ["baik", "baik", "butuh_perbaikan"],
}
BASE_NILAI = {"sangat_baik": 104.0, "baik": 92.0, "butuh_perbaikan": 78.0, "kurang": 68.0, "sangat_kurang": 55.0}
SUPERVISOR_MEAN = {"DISDUK": 4.9, "DISHUB": 3.8, "PKM-01": 3.7, "KEC-TGH": 3.9}
# run_indicators: indicator_id -> (unit_code, name, uom, direction, aggregation); KEC-TGH's are not named.
INDICATORS = {
    "IND-DISDUK-1": ("DISDUK", "Dokumen kependudukan diterbitkan", "dokumen", "higher", "sum"),
    "IND-DISDUK-2": ("DISDUK", "Perekaman KTP-el", "orang", "higher", "sum"),
    "IND-DISHUB-1": ("DISHUB", "Uji KIR kendaraan", "kendaraan", "higher", "sum"),
    "IND-DISHUB-2": ("DISHUB", "Patroli lalu lintas", "kegiatan", "higher", "sum"),
    "IND-PKM-01-1": ("PKM-01", "Kunjungan rumah", "kunjungan", "higher", "sum"),
    "IND-PKM-01-2": ("PKM-01", "Waktu tunggu pasien", "menit", "lower", "mean"),
}


def nip_of(unit_index: int, k: int) -> str:
    """A valid-looking 18-digit NIP: birth date, TMT year-month, sex digit, serial."""
    birth = f"19{70 + unit_index * 4 + k % 4:02d}{(k % 12) + 1:02d}{(k * 3) % 27 + 1:02d}"
    return f"{birth}20{10 + k:02d}0{k % 9 + 1}{1 + k % 2}{unit_index * 100 + k + 1:03d}"


def build_people() -> list[dict]:
    rng = random.Random(7)
    people = []
    for u, (code, _name, _kind, size) in enumerate(UNITS):
        head = nip_of(u, 0)
        for k in range(size):
            nip = nip_of(u, k)
            name = f"{FIRST[(u * 5 + k) % len(FIRST)]} {LAST[(u * 3 + k) % len(LAST)]}"
            if code == "DISHUB" and k == 4:
                name = "<b>Budi</b> & Rekan"
            people.append({"nip": nip, "name": name, "unit": code, "k": k, "head": k == 0,
                           "supervisor": None if k == 0 else head, "predikat": PREDIKAT[code][k],
                           "position": "Kepala" if k == 0 else rng.choice(["Analis Kebijakan", "Pengadministrasi Umum",
                                                                           "Pranata Komputer", "Perawat"])})
    # A second supervisor in DISHUB and in PKM-01 (kepala bidang), so there are six supervisors.
    for code, kabid_k, first_ratee in (("DISHUB", 1, 5), ("PKM-01", 1, 5)):
        kabid = next(p for p in people if p["unit"] == code and p["k"] == kabid_k)
        for p in people:
            if p["unit"] == code and p["k"] >= first_ratee:
                p["supervisor"] = kabid["nip"]
    return people


WORKED_EXAMPLE = None  # set below: the nip of the methodology worked-example employee


def _scores(people: list[dict]) -> dict[str, dict]:
    """Per nip: every warehouse number of the quarterly run."""
    rng = random.Random(11)
    out = {}
    sup_means = {"DISDUK": 4.9, "DISHUB": 3.8, "PKM-01": 3.7, "KEC-TGH": 3.9}
    kabid_means = {"DISHUB": 3.6, "PKM-01": 3.85}
    heads = {p["unit"]: p["nip"] for p in people if p["head"]}
    for p in people:
        pred = p["predikat"]
        kabid = p["supervisor"] is not None and p["supervisor"] != heads[p["unit"]]
        # Heads are rated by a supervisor outside the run (e.g. the sekda): supervisor_nip stays NULL.
        sup = 4.0 if p["head"] else (kabid_means[p["unit"]] if kabid else sup_means[p["unit"]])
        sup = round(sup + rng.uniform(-0.05, 0.05), 4)
        peer = round(3.6 + rng.uniform(0, 0.6), 4)
        public = round(3.8 + rng.uniform(0, 0.8), 4) if p["unit"] in ("DISDUK", "PKM-01") else None
        months_ded = [round(rng.choice([0.0, 0.0, 0.5, 1.0, 2.0]), 2) for _ in MONTHS]
        if pred == "sangat_kurang":
            months_ded = [15.0, 20.0, 10.0]
        hk = BASE_NILAI.get(pred, 0) + rng.uniform(-3, 3)
        indicators = [(f"IND-{p['unit']}-1", 30.0, 30.0 * hk / 100, 60.0), (f"IND-{p['unit']}-2", 20.0, 20.0 * hk / 100, 40.0)]
        out[p["nip"]] = {"sup": sup, "peer": peer, "public": public, "ded": months_ded, "hk_target": hk,
                         "indicators": indicators, "self": round(min(5.0, (sup or 4.0) + rng.uniform(-0.2, 0.4)), 4)}
    return out


def _rows(people: list[dict]):
    """All rows of the quarterly run Q_RUN, as dicts per table."""
    global WORKED_EXAMPLE
    rng = random.Random(3)
    sc = _scores(people)
    es, ind, asp, rts, am, fc = [], [], [], [], [], []
    for p in people:
        s = sc[p["nip"]]
        nip = p["nip"]
        is_example = p["unit"] == "PKM-01" and p["k"] == 3
        indicators = s["indicators"]
        if is_example:
            WORKED_EXAMPLE = nip
            indicators = [("IND-PKM-01-1", 30.0, 33.0, 60.0), ("IND-PKM-01-2", 20.0, 26.0, 40.0)]
            s.update(sup=4.2, peer=3.9, public=4.6, ded=[2.0, 0.5, 0.0], self=4.4)
        capaians = []
        for iid, target, real, weight in indicators:
            if p["predikat"] == "belum_dinilai":  # no approved activities: realisasi and capaian stay NULL
                ind.append((Q_RUN, "2026-Q1", nip, iid, target, None, None, weight))
                continue
            if iid == "IND-PKM-01-2" and is_example:
                cap = 100 * (2 - real / target)
            else:
                cap = min(120.0, 100 * real / target)
            capaians.append((cap, weight))
            ind.append((Q_RUN, "2026-Q1", nip, iid, target, real, cap, weight))
        if p["predikat"] == "kurang":  # a training need on an indicator
            ind[-1] = (Q_RUN, "2026-Q1", nip, indicators[-1][0], 20.0, 11.0, 55.0, 40.0)
            capaians[-1] = (55.0, 40.0)
        hk = sum(c * w for c, w in capaians) / sum(w for _, w in capaians) if capaians else None
        kept = {"supervisor": s["sup"], "peer": s["peer"], "public": s["public"]}
        weights = {"supervisor": 0.5, "peer": 0.2, "subordinate": 0.1, "public": 0.2}
        used = {t: v for t, v in kept.items() if v is not None}
        perilaku = sum(weights[t] * v for t, v in used.items()) / sum(weights[t] for t in used) if "supervisor" in used else None
        disiplin = 100 - sum(s["ded"]) / 3
        pred = p["predikat"]
        rated = pred != "belum_dinilai" and perilaku is not None and hk is not None
        if not rated:
            pred = "belum_dinilai"
        nilai = (0.6 * hk + 0.3 * perilaku * 24 + 0.1 * disiplin) if rated else None
        self_score = s["self"]
        if p["unit"] == "DISHUB" and p["k"] == 2:
            self_score = 5.0  # a big self gap: the others rate about 3.8
        es.append({"nip": nip, "unit_code": p["unit"], "active_workdays": 58, "prorate_factor": 1.0,
                   "hasil_kerja_score": hk, "hasil_kerja_rating": None if hk is None else "di_atas" if hk >= 110 else "sesuai" if hk >= 90 else "di_bawah",
                   "perilaku_score": perilaku,
                   "perilaku_rating": None if perilaku is None else "di_atas" if perilaku >= 4 else "sesuai" if perilaku >= 3 else "di_bawah",
                   "self_score": self_score, "disiplin_score": disiplin, "nilai_akhir": nilai, "predikat": pred,
                   "not_rated_reason": None if rated else ("no_supervisor_feedback" if p["head"] else "no_realisation"),
                   "supervisor_nip": p["supervisor"]})
        for t, v in (("supervisor", s["sup"]), ("peer", s["peer"]), ("public", s["public"]), ("self", self_score)):
            if v is None:
                continue
            raters = {"supervisor": 1, "peer": 3, "public": 6, "self": 1}[t]
            rts.append((Q_RUN, "2026-Q1", nip, t, raters, raters * 7, v, 1, {"self": 0.0}.get(t, weights.get(t))))
        rts.append((Q_RUN, "2026-Q1", nip, "subordinate", 1, 7, 4.0, 0, 0.1))
        if perilaku is not None:
            for i, a in enumerate(ASPECTS):
                score = perilaku + (0.1 if i % 2 else -0.1)
                if pred in ("kurang", "sangat_kurang") and a == "kompeten":
                    score = 2.6
                asp.append((Q_RUN, "2026-Q1", nip, a, score))
        for m, ded in zip(MONTHS, s["ded"]):
            wd = {"2026-01": 20, "2026-02": 18, "2026-03": 20}[m]
            tk = 2 if pred == "sangat_kurang" else 0
            excused = 1 if rng.random() < 0.3 else 0
            present = wd - tk - excused
            am.append(_am_row(Q_RUN, m, nip, p["unit"], wd, present, excused, tk, 0, ded))
        if is_example:
            fc.append((Q_RUN, "2026-Q1", nip, "public", None, "Pelayanan pasien cepat dan petugasnya ramah."))
            fc.append((Q_RUN, "2026-Q1", nip, "peer", "kolaboratif", "Mau berbagi jadwal jaga saat rekan berhalangan."))
        if p["unit"] == "DISDUK" and p["k"] == 2:
            fc.append((Q_RUN, "2026-Q1", nip, "peer", "berorientasi_pelayanan", SCRIPT_COMMENT))
            fc.append((Q_RUN, "2026-Q1", nip, "public", None, FORMULA_COMMENT))
            fc.append((Q_RUN, "2026-Q1", nip, "peer", "kolaboratif", "Selalu siap membantu rekan & warga."))
    return es, ind, asp, rts, am, fc


def _am_row(run, month, nip, unit, workdays, present, excused, tk, unknown, ded, tl=(1, 0, 0, 0), psw=(0, 1, 0, 0)):
    denom = workdays - excused - unknown
    return (run, month, nip, unit, workdays, present, excused, tk, unknown, *tl, *psw, 25, 40, ded,
            present / denom if denom else None)


def _unit_scores(run: str, period: str, es: list[dict], am: list[tuple], ikm: dict, monthly: bool) -> list[tuple]:
    out = []
    for code, *_ in UNITS:
        rows = [e for e in es if e["unit_code"] == code]
        months = [r for r in am if r[3] == code]
        present = sum(r[5] for r in months)
        denom = sum(r[4] - r[6] - r[8] for r in months)
        counts = {p: sum(1 for e in rows if e["predikat"] == p) for p in
                  ("sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang", "belum_dinilai")}
        rated = len(rows) - counts["belum_dinilai"]
        vals = [e["nilai_akhir"] for e in rows if e["nilai_akhir"] is not None]
        value, grade, n = ikm[code]
        employees = len({r[2] for r in months}) if monthly else len(rows)
        if monthly:
            counts = dict.fromkeys(counts, 0)
            rated, vals = 0, []
        out.append((run, period, code, employees, rated, *counts.values(),
                    sum(vals) / len(vals) if vals else None, present / denom if denom else None, value, grade, n))
    return out


IKM_Q = {"DISDUK": (91.2, "A", 64), "DISHUB": (80.5, "B", 45), "PKM-01": (84.25, "B", 12), "KEC-TGH": (None, None, 0)}
IKM_M = {"DISDUK": (90.1, "A", 22), "DISHUB": (79.0, "B", 31), "PKM-01": (86.0, "B", 40), "KEC-TGH": (None, None, 0)}
IKM_PREV = {"DISDUK": (88.0, "B", 20), "DISHUB": (78.0, "B", 30), "PKM-01": (85.0, "B", 35), "KEC-TGH": (None, None, 0)}


def _run(run_id, flow, period, status="succeeded", published=1, previous=None, reason=None, day=1):
    return (run_id, flow, period, POLICY_VERSION, "ab" * 32, "fp-" + run_id, datetime(2026, 4, day, 23, 59),
            datetime(2026, 4, day, 1, 0), None if status == "running" else datetime(2026, 4, day, 1, 5), status,
            published, previous, reason)


def _section8(run: str, es: list[dict], ind: list[tuple], asp: list[tuple], rts: list[tuple],
               policy) -> dict[str, list[tuple]]:
    """Rows of award_candidates, training_needs and calibration_flags for one quarterly run, computed by
    the methodology from the fixture's frames. Supervisor feedback: each ratee's supervisor (supervisor_nip)
    gave the supervisor-type score of rater_type_scores on every aspect."""
    label = "2026-Q1"
    e = pd.DataFrame(es)
    e["period"] = label
    i = pd.DataFrame(ind, columns=["run_id", "period", "nip", "indicator_id", "target_effective", "realisasi",
                                   "capaian", "weight"])
    a = pd.DataFrame(asp, columns=["run_id", "period", "nip", "aspect", "score"])
    r = pd.DataFrame(rts, columns=["run_id", "period", "nip", "rater_type", "raters", "ratings", "score", "kept",
                                   "weight"])
    sup = r[r["rater_type"] == "supervisor"][["nip", "score"]].merge(
        e[e["supervisor_nip"].notna()][["nip", "supervisor_nip"]], on="nip")
    feedback = pd.DataFrame({"rater_id": [s for s in sup["supervisor_nip"] for _ in ASPECTS],
                             "score": [v for v in sup["score"] for _ in ASPECTS]})
    frames = {"award_candidates": award_candidates(e, policy),
              "training_needs": training_needs(a, i, policy, label),
              "calibration_flags": calibration_flags(e, feedback, policy, label)}
    return {table: [(run, *row) for row in frame.astype(object).where(frame.notna(), None)
                    .itertuples(index=False, name=None)]
            for table, frame in frames.items()}


SECTION8_COLS = {
    "award_candidates": ["run_id", "period", "unit_code", "nip", "nilai_akhir", "rank"],
    "training_needs": ["run_id", "period", "nip", "kind", "item", "value", "threshold"],
    "calibration_flags": ["run_id", "period", "flag", "unit_code", "nip", "value", "reference", "threshold"],
}

RUN_COLS = ["run_id", "flow", "period", "policy_version", "policy_hash", "source_fingerprint", "data_as_of",
            "started_at", "finished_at", "status", "published", "previous_run_id", "reason"]


def _attendance_json(nip: str, day: str, check_in: str | None, status: str) -> str:
    """A quarantined attendance row as validation records it: the source row's columns as extracted."""
    return json.dumps({"nip": nip, "work_date": day, "check_in": check_in, "check_out": "16:05:00",
                       "status": status})


def build_warehouse(engine) -> dict:
    """Create the warehouse schema in `engine` and insert the fixture; returns facts the tests check."""
    db.create_schema(engine, "warehouse")
    people = build_people()
    es, ind, asp, rts, am, fc = _rows(people)
    by_nip = {p["nip"]: p for p in people}
    es_cols = ["run_id", "period", "nip", "unit_code", "active_workdays", "prorate_factor", "hasil_kerja_score",
               "hasil_kerja_rating", "perilaku_score", "perilaku_rating", "self_score", "disiplin_score",
               "nilai_akhir", "predikat", "not_rated_reason", "supervisor_nip"]
    am_cols = ["run_id", "month", "nip", "unit_code", "workdays", "present_days", "excused_days", "tk_days",
               "unknown_days", "tl1", "tl2", "tl3", "tl4", "psw1", "psw2", "psw3", "psw4", "late_minutes",
               "early_minutes", "deduction_pct", "attendance_rate"]
    us_cols = ["run_id", "period", "unit_code", "employees", "rated", "sangat_baik", "baik", "butuh_perbaikan",
               "kurang", "sangat_kurang", "belum_dinilai", "mean_nilai_akhir", "attendance_rate", "ikm", "ikm_grade",
               "ikm_responses"]

    # The superseded quarterly run: two employees had other results.
    changed = [es[1]["nip"], es[12]["nip"]]
    old_es = []
    for e in es:
        o = dict(e)
        if e["nip"] == changed[0]:
            o["nilai_akhir"] = (e["nilai_akhir"] or 0) - 6.5
            o["predikat"] = "baik"
        if e["nip"] == changed[1]:
            o["nilai_akhir"] = (e["nilai_akhir"] or 0) - 1.25
        old_es.append(o)
    revisions = []
    for old, new in zip(old_es, es):
        for f in ("nilai_akhir", "predikat"):
            if old[f] != new[f]:
                fmtv = (lambda v: None if v is None else (f"{v:.9f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)))
                revisions.append((Q_RUN, Q_OLD_RUN, "2026-Q1", new["nip"], f, fmtv(old[f]), fmtv(new[f])))
    digests = []
    for run in (Q_OLD_RUN, Q_RUN):
        for p in people:
            att_rows = 60
            act_digest = "act-" + p["nip"]
            if run == Q_RUN and p["nip"] == changed[0]:
                att_rows, act_digest = 62, "act-changed-" + p["nip"]
            if run == Q_RUN and p["nip"] == changed[1]:
                act_digest = "act-changed-" + p["nip"]
            digests.append((run, "attendance", p["nip"], att_rows, f"att-{p['nip']}-{att_rows}"))
            digests.append((run, "activities", p["nip"], 12, act_digest))

    # Monthly 2026-03 (published) and 2026-02 (published, for the comparison).
    m_am, prev_am = [], []
    rng = random.Random(5)
    for p in people:
        tk = 0
        if p["predikat"] == "sangat_kurang":
            tk = 4
        if p["predikat"] == "kurang":
            tk = 3
        excused = 1 if rng.random() < 0.3 else 0
        unknown = 1 if p["k"] == 5 else 0
        m_am.append(_am_row(MONTHLY_RUN, "2026-03", p["nip"], p["unit"], 20, 20 - tk - excused - unknown, excused, tk,
                            unknown, min(100.0, 0.5 + tk * 5.0)))
        prev_am.append(_am_row(PREV_MONTH_RUN, "2026-02", p["nip"], p["unit"], 18, 18 - excused, excused, 0, 0, 0.5))
    sk = next(p["nip"] for p in people if p["predikat"] == "sangat_kurang")
    ku = next(p["nip"] for p in people if p["predikat"] == "kurang")
    alerts = [(MONTHLY_RUN, sk, 2026, 3, 4, 2, "teguran_tertulis", 1),
              (MONTHLY_RUN, ku, 2026, 3, 3, 3, "teguran_lisan", 0)]
    m_es = [{"unit_code": p["unit"], "predikat": "belum_dinilai", "nilai_akhir": None} for p in people]

    quarantine_nip = people[3]["nip"]
    quarantine = [
        (MONTHLY_RUN, "attendance", f"{quarantine_nip}|2026-03-05", "duplicate_conflicting",
         "baris ganda dengan isi berbeda", _attendance_json(quarantine_nip, "2026-03-05", "07:20:00", "HD")),
        (MONTHLY_RUN, "attendance", f"{quarantine_nip}|2026-03-05", "duplicate_conflicting",
         "baris ganda dengan isi berbeda", _attendance_json(quarantine_nip, "2026-03-05", "07:45:00", "HD")),
        (MONTHLY_RUN, "attendance", f"{people[7]['nip']}|2026-03-09", "unknown_status",
         "status 'XX' bukan kode yang dikenal", _attendance_json(people[7]["nip"], "2026-03-09", None, "XX")),
        (Q_RUN, "feedback", "FB-000917", "unknown_nip", "ratee_nip tidak dikenal",
         '{"feedback_id": "FB-000917", "ratee_nip": "199901012020121099", "rater_type": "peer"}'),
        (BLOCKED_RUN, "employees", "", "missing_table", "tabel employees tidak ada", None),
    ]
    dq = [
        (MONTHLY_RUN, "attendance", 1400, 1397, 3, None, None, None),
        (MONTHLY_RUN, "attendance", 1400, 1397, 3, "duplicate_conflicting", 2, "error"),
        (MONTHLY_RUN, "attendance", 1400, 1397, 3, "unknown_status", 1, "error"),
        (MONTHLY_RUN, "attendance", 1400, 1397, 3, "no_attendance_rows", 1, "warning"),
        (MONTHLY_RUN, "employees", 33, 33, 0, None, None, None),
        (Q_RUN, "feedback", 2100, 2099, 1, None, None, None),
        (Q_RUN, "feedback", 2100, 2099, 1, "unknown_nip", 1, "error"),
        (Q_RUN, "targets", 66, 66, 0, "weight_sum", 1, "warning"),
        (BLOCKED_RUN, "employees", 0, 0, 0, "missing_table", 1, "critical"),
    ]
    runs = [
        _run(PREV_MONTH_RUN, "monthly", "2026-02", day=1),
        _run(MONTHLY_RUN, "monthly", "2026-03", day=2),
        _run(BLOCKED_RUN, "monthly", "2026-04", status="blocked", published=0,
             reason="employees: missing_table (critical), 1"),
        _run(Q_OLD_RUN, "quarterly", "2026-Q1", published=0, day=3),
        _run(Q_RUN, "quarterly", "2026-Q1", published=1, previous=Q_OLD_RUN, reason="koreksi data kehadiran", day=4),
    ]
    run_units, run_emps = [], []
    for run in (PREV_MONTH_RUN, MONTHLY_RUN, Q_OLD_RUN, Q_RUN):
        run_units += [(run, code, name, None, kind) for code, name, kind, _ in UNITS]
        run_emps += [(run, p["nip"], p["name"], "PNS", "III/a", p["position"]) for p in people]
    # Unit heads sign their unit's report; Kecamatan Tengah has none (blank lines to fill in by hand).
    unit_names = {code: name for code, name, _, _ in UNITS}
    run_heads = [(run, p["unit"], p["nip"], p["name"], f"Kepala {unit_names[p['unit']]}")
                 for run in (PREV_MONTH_RUN, MONTHLY_RUN, Q_OLD_RUN, Q_RUN)
                 for p in people if p["head"] and p["unit"] != "KEC-TGH"]
    run_inds = [(run, iid, *spec) for run in (Q_OLD_RUN, Q_RUN, MONTHLY_RUN) for iid, spec in INDICATORS.items()]
    # Activity volume of the March run: DISHUB's two indicators, and the organisation (unit_code NULL).
    activity = [(MONTHLY_RUN, "2026-03", "DISHUB", "IND-DISHUB-1", 9, 120.0, 150.0, 80.0),
                (MONTHLY_RUN, "2026-03", "DISHUB", "IND-DISHUB-2", 9, 30.0, 25.0, 120.0),
                (MONTHLY_RUN, "2026-03", None, "IND-DISHUB-1", 9, 120.0, 150.0, 80.0),
                (MONTHLY_RUN, "2026-03", None, "IND-DISHUB-2", 9, 30.0, 25.0, 120.0)]
    policy = load_policy()
    section8 = _section8(Q_RUN, es, ind, asp, rts, policy)
    old8 = _section8(Q_OLD_RUN, old_es, ind, asp, rts, policy)

    with engine.begin() as conn:
        db.bulk_insert(conn, "runs", RUN_COLS, runs)
        db.bulk_insert(conn, "employee_scores", es_cols,
                       [(Q_RUN, "2026-Q1", e["nip"], *[e[c] for c in es_cols[3:]]) for e in es])
        db.bulk_insert(conn, "employee_scores", es_cols,
                       [(Q_OLD_RUN, "2026-Q1", e["nip"], *[e[c] for c in es_cols[3:]]) for e in old_es])
        db.bulk_insert(conn, "indicator_scores", ["run_id", "period", "nip", "indicator_id", "target_effective",
                                                  "realisasi", "capaian", "weight"], ind)
        db.bulk_insert(conn, "aspect_scores", ["run_id", "period", "nip", "aspect", "score"], asp)
        db.bulk_insert(conn, "rater_type_scores", ["run_id", "period", "nip", "rater_type", "raters", "ratings",
                                                   "score", "kept", "weight"], rts)
        db.bulk_insert(conn, "attendance_monthly", am_cols, am + m_am + prev_am)
        db.bulk_insert(conn, "feedback_comments", ["run_id", "period", "nip", "rater_type", "aspect", "comment"], fc)
        db.bulk_insert(conn, "unit_scores", us_cols,
                       _unit_scores(Q_RUN, "2026-Q1", es, am, IKM_Q, False)
                       + _unit_scores(Q_OLD_RUN, "2026-Q1", old_es, am, IKM_Q, False)
                       + _unit_scores(MONTHLY_RUN, "2026-03", m_es, m_am, IKM_M, True)
                       + _unit_scores(PREV_MONTH_RUN, "2026-02", m_es, prev_am, IKM_PREV, True))
        db.bulk_insert(conn, "discipline_alerts", ["run_id", "nip", "year", "month", "tk_days_ytd",
                                                   "max_consecutive_tk", "level", "is_new"], alerts)
        db.bulk_insert(conn, "revisions", ["run_id", "previous_run_id", "period", "nip", "field", "old_value",
                                           "new_value"], revisions)
        db.bulk_insert(conn, "input_row_digests", ["run_id", "source_table", "nip", "row_count", "digest"], digests)
        db.bulk_insert(conn, "quarantine", ["run_id", "source_table", "row_key", "check_name", "detail", "row_json"],
                       quarantine)
        db.bulk_insert(conn, "data_quality", ["run_id", "source_table", "extracted", "used", "quarantined",
                                              "check_name", "failed", "severity"], dq)
        db.bulk_insert(conn, "run_units", ["run_id", "unit_code", "name", "parent_code", "kind"], run_units)
        db.bulk_insert(conn, "run_employees", ["run_id", "nip", "name", "employment_type", "grade", "position"],
                       run_emps)
        db.bulk_insert(conn, "run_unit_heads", ["run_id", "unit_code", "nip", "name", "position"], run_heads)
        db.bulk_insert(conn, "run_indicators", ["run_id", "indicator_id", "unit_code", "name", "uom", "direction",
                                                "aggregation"], run_inds)
        db.bulk_insert(conn, "activity_monthly", ["run_id", "month", "unit_code", "indicator_id", "employees",
                                                  "realisasi", "target_share", "capaian"], activity)
        for table, cols in SECTION8_COLS.items():
            db.bulk_insert(conn, table, cols, section8[table] + old8[table])
    lenient = next(p["nip"] for p in people if p["unit"] == "DISDUK" and p["head"])
    small = [p["nip"] for p in people if p["unit"] == "KEC-TGH"]
    self_gap = next(p["nip"] for p in people if p["unit"] == "DISHUB" and p["k"] == 2)
    return {"people": people, "by_nip": by_nip, "lenient_supervisor": lenient, "outlier_unit": "DISDUK",
            "small_unit": "KEC-TGH", "small_unit_nips": small, "comment_nip": next(
                p["nip"] for p in people if p["unit"] == "DISDUK" and p["k"] == 2),
            "worked_example": WORKED_EXAMPLE, "revised": changed, "self_gap_nip": self_gap,
            "quarantine_nip": quarantine_nip, "alert_new": sk, "alert_old": ku,
            "section8": {t: [row[1:] for row in rows] for t, rows in section8.items()},
            "unnamed_indicator_nip": small[1]}
