"""Render a run's reports from the warehouse: HTML pages, PDF, XLSX, CSV and the index of all runs.

Layout under the output directory (docs/reports.md):
`<period>/<run_id>/index.html` (organisation report), `unit/<unit_code>.html`, `card/<nip>.html`,
`public.html`, `revisions.html`, `report.pdf`, `results.xlsx`, `csv/<table>.csv`; `index.html` at the top.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from sqlalchemy.engine import Engine

from kinerja.periods import Period
from reports import analysis, charts, export, fmt
from reports.data import EXTRA_EXPORTS, RunData, ReportError, digests, load_run, load_runs, published_run_id
from reports.text import text

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(value: Any) -> str:
    """A file-name-safe form of a unit code, NIP, run id or period."""
    return _SAFE.sub("_", str(value)) or "_"


@dataclass
class RenderedReport:
    """Every file render_run wrote; `index` is the run's index.html (the organisation report)."""

    run_id: str
    period: str
    directory: Path
    index: Path
    html: list[Path] = field(default_factory=list)
    pdf: list[Path] = field(default_factory=list)
    xlsx: Path | None = None
    csv: list[Path] = field(default_factory=list)
    cards: list[Path] = field(default_factory=list)
    units: list[Path] = field(default_factory=list)
    public: Path | None = None
    revisions: Path | None = None

    @property
    def paths(self) -> list[Path]:
        out = [self.index, *self.units, *self.html, *self.cards, *self.pdf, *self.csv]
        out += [p for p in (self.public, self.revisions, self.xlsx) if p is not None]
        return list(dict.fromkeys(out))


# --- Jinja environment ----------------------------------------------------------------------------

@lru_cache(maxsize=None)
def environment(lang: str = "id") -> Environment:
    """The templates' environment for one language: its filters and `t` format and translate for `lang`
    without asking the template context (a 15,000-employee year formats millions of values).

    Autoescape is forced on for every template (.html.j2 and .svg.j2 alike).
    """
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    num, integer = _memo(lambda x, d=2: fmt.num(x, lang, d)), _memo(lambda x: fmt.integer(x, lang))
    env.filters.update({
        "num": num,
        "pct": lambda x: fmt.pct(x, lang),
        "int_": integer,
        "day": lambda x: fmt.day(x, lang),
        "ts": lambda x: fmt.timestamp(x, lang),
        "label": lambda x: fmt.label(x, lang),
        "month": lambda x: fmt.month_label(x, lang),
        "check": lambda x: fmt.check_label(x, lang),
        "mask": fmt.mask_key,
    })
    env.globals["t"] = lru_cache(maxsize=None)(lambda key: escape(text(key, lang)))  # escaped once per key
    return env


def _memo(format_number: Callable) -> Callable:
    """`format_number` remembered per value, already escaped: scores, day counts and percentages repeat
    across cards, and a template does not escape again what is escaped (Markup)."""
    remembered: dict = {}

    def formatted(x, *args):
        if isinstance(x, (int, float)) and x == x and x != 0:  # NaN never equals a key; -0.0 equals 0.0
            key = (x, *args)
            if key not in remembered:
                if len(remembered) >= _MEMO_SIZE:
                    remembered.clear()
                remembered[key] = escape(format_number(x, *args))
            return remembered[key]
        return format_number(x, *args)

    return formatted


_MEMO_SIZE = 100_000  # distinct (value, decimals) pairs kept per filter before starting afresh


@lru_cache(maxsize=1)
def _css() -> Markup:
    return Markup((STATIC / "report.css").read_text(encoding="utf-8"))


def _write(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def _render(template: str, **ctx) -> str:
    ctx.setdefault("css", _css())
    ctx.setdefault("nav", [])
    ctx.setdefault("run", None)
    return environment(ctx.get("lang", "id")).get_template(template).render(**ctx)


def _pdf(html: str, path: Path) -> Path:
    from reports import pdf

    path.parent.mkdir(parents=True, exist_ok=True)
    return pdf.write_pdf(html, path)


def _exports(data: RunData, run_dir: Path) -> tuple[Path, list[Path]]:
    """`results.xlsx` and `csv/` of a run: one job, both are written from the same exported tables."""
    frames = export.export_frames(data)
    return export.write_xlsx(frames, run_dir / "results.xlsx"), export.write_csv(frames, run_dir / "csv")


def _export_data(data: RunData) -> RunData:
    """The part of a run's data the exports read (what is sent to a worker process)."""
    tables = {*export.export_tables(data), *EXTRA_EXPORTS}
    return RunData(run=data.run, frames={t: data[t] for t in tables})


class _Background:
    """Report files written in worker processes while this one writes the pages: the exports (XLSX,
    CSV), the PDFs and chunks of score cards, all CPU-bound. `submit` returns a future (`result()`).

    Workers are spawned, not forked: the caller may be a Prefect task thread beside other threads. A
    small run's jobs (fewer than BACKGROUND_FROM expected) run in this process when their result is
    asked for: starting a worker costs ~1 s.
    """

    def __init__(self, expected_jobs: int) -> None:
        self._pool = None
        workers = min(expected_jobs, os.cpu_count() or 1, BACKGROUND_WORKERS)
        if workers >= 2 and expected_jobs >= BACKGROUND_FROM:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))

    @property
    def pooled(self) -> bool:
        return self._pool is not None

    def submit(self, job: Callable, *args):
        if self._pool is None:
            return _Deferred(job, args)
        return self._pool.submit(job, *args)

    def close(self) -> None:
        """Stop the workers (pending jobs are cancelled): once every result is in, or when the caller failed."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class _Deferred:
    """A job of an in-process `_Background`: done when its result is first asked for."""

    def __init__(self, job: Callable, args: tuple) -> None:
        self._job, self._args, self._done, self._result = job, args, False, None

    def result(self):
        if not self._done:
            self._result, self._done = self._job(*self._args), True
        return self._result


BACKGROUND_WORKERS = 4  # at most this many worker processes (each holds one PDF's layout or the exports)
BACKGROUND_FROM = 8     # fewer jobs than this run in-process: starting workers costs ~1 s each


# --- shared context -------------------------------------------------------------------------------

def _f(x: Any) -> float | None:
    return None if fmt.is_missing(x) else float(x)


def _run_ctx(data: RunData) -> dict:
    run = dict(data.run)
    run["published"] = bool(_f(run.get("published")))
    run["status"] = run.get("status") or "running"
    for key in ("policy_version", "policy_hash", "reason", "data_as_of"):
        run[key] = None if fmt.is_missing(run.get(key)) else run.get(key)
    return run


def _report_date(data: RunData) -> date:
    for key in ("finished_at", "data_as_of", "started_at"):
        value = data.run.get(key)
        if not fmt.is_missing(value):
            try:
                return value.date() if isinstance(value, datetime) else datetime.fromisoformat(str(value)[:19]).date()
            except ValueError:
                continue
    return date.today()


def _signature(data: RunData, unit: str, unit_name: str, lang: str) -> dict:
    """Date, position, name and NIP of the unit's head (run_unit_heads); blank lines to fill in by
    hand when the run names no head (older runs, a unit whose supervision data has none)."""
    head = data.unit_head(unit)
    position = head["position"] if head and head["position"] else text("head_of", lang) % unit_name
    return {"date": fmt.day(_report_date(data), lang), "position": position,
            "name": head["name"] if head else None, "nip": head["nip"] if head else None}


def _nav(data: RunData, lang: str, depth: int, has_revisions: bool, pdf: str | None = None) -> list[dict]:
    """Links of a page `depth` folders below the run's; `pdf` is the page's own PDF (default the org's)."""
    up = "../" * depth
    nav = [{"href": f"{up}../../index.html", "text": text("nav_index", lang)},
           {"href": f"{up}index.html", "text": text("nav_org", lang)},
           {"href": f"{up}public.html", "text": text("nav_public", lang)}]
    if has_revisions:
        nav.append({"href": f"{up}revisions.html", "text": text("nav_revisions", lang)})
    if data.run.get("status") == "succeeded":
        nav += [{"href": pdf or f"{up}report.pdf", "text": text("nav_pdf", lang)},
                {"href": f"{up}results.xlsx", "text": text("nav_xlsx", lang)}]
    return nav


def _ikm(value: Any, grade: Any, responses: Any, policy) -> dict:
    n = int(_f(responses) or 0)
    v = _f(value)
    return {"value": v, "grade": None if fmt.is_missing(grade) else grade, "responses": n,
            "insufficient": v is not None and n < policy.ikm.min_responses}


def _org_ikm(us: pd.DataFrame, policy) -> dict:
    value, n = analysis.organisation_ikm(us)
    return _ikm(value, analysis.ikm_grade(value, [tuple(g) for g in policy.ikm.grades]), n, policy)


def _units(data: RunData, lang: str) -> list[tuple[str, str]]:
    """(unit_code, name) of the run's unit_scores rows, by name."""
    codes = [c for c in data["unit_scores"]["unit_code"].dropna().unique()]
    return sorted(((c, data.unit_name(c, lang)) for c in codes), key=lambda u: (u[1].lower(), u[0]))


def _unit_href(code: str, depth: int) -> str:
    return f"{'../' * depth}unit/{safe_name(code)}.html"


# --- monthly accountability report ------------------------------------------------------------------

def _month_figures(am: pd.DataFrame, us: pd.DataFrame, unit: str | None, policy) -> dict:
    if unit is not None:
        am = am[am["unit_code"] == unit]
        us = us[us["unit_code"] == unit]
    recap = analysis.attendance_recap(am)
    if unit is None:
        ikm = _org_ikm(us, policy)["value"]
    else:
        ikm = _f(us["ikm"].iloc[0]) if len(us) else None
    return {"rate": recap["rate"], "tk_days": recap["tk_days"], "deduction_mean": recap["deduction_mean"],
            "ikm": ikm, "has_rows": not am.empty}


def _comparison_runs(engine: Engine, data: RunData) -> list[tuple[str, Period, RunData | None]]:
    p = data.period
    out = []
    for key, other in (("previous_month", p.previous()), ("same_month_last_year", Period.month(p.year - 1, p.number))):
        run_id = published_run_id(engine, other)
        other_data = load_run(engine, run_id, tables=("unit_scores", "attendance_monthly")) if run_id else None
        out.append((key, other, other_data))
    return out


def _monthly_doc(data: RunData, policy, lang: str, unit: str | None, comparisons, dq: dict,
                 units_of: dict | None = None, unit_findings: list[dict] | None = None) -> dict:
    am, us, alerts = data["attendance_monthly"], data["unit_scores"], data["discipline_alerts"]
    is_org = unit is None
    am_s = am if is_org else am[am["unit_code"] == unit]
    recap = analysis.attendance_recap(am_s)
    if is_org:
        ikm = _org_ikm(us, policy)
        recap["employees"] = int(us["employees"].fillna(0).sum()) if len(us) else recap["employees"]
    else:
        row = us[us["unit_code"] == unit]
        ikm = _ikm(row["ikm"].iloc[0], row["ikm_grade"].iloc[0], row["ikm_responses"].iloc[0], policy) \
            if len(row) else _ikm(None, None, 0, policy)
        if len(row):
            recap["employees"] = int(_f(row["employees"].iloc[0]) or recap["employees"])
    unit_rows = []
    if is_org:
        for code, name in _units(data, lang):
            r = us[us["unit_code"] == code].iloc[0]
            rc = analysis.attendance_recap(am[am["unit_code"] == code])
            ik = _ikm(r["ikm"], r["ikm_grade"], r["ikm_responses"], policy)
            unit_rows.append({"name": name, "href": _unit_href(code, 0), "employees": r["employees"],
                              "rate": _f(r["attendance_rate"]), "recap": rc, "ikm": ik["value"],
                              "grade": ik["grade"], "responses": ik["responses"], "insufficient": ik["insufficient"]})
    employee_rows = []
    if not is_org:
        for r in am_s.sort_values("nip").itertuples(index=False):
            employee_rows.append({
                "nip": r.nip, "name": data.employee_name(r.nip), "workdays": r.workdays,
                "present_days": r.present_days, "excused_days": r.excused_days, "tk_days": r.tk_days,
                "tl": sum(_f(getattr(r, c)) or 0 for c in analysis.TL),
                "psw": sum(_f(getattr(r, c)) or 0 for c in analysis.PSW),
                "deduction_pct": r.deduction_pct, "attendance_rate": _f(r.attendance_rate)})
    units_of = units_of if units_of is not None else analysis.unit_of_nip(am)
    alert_rows = []
    for a in alerts.itertuples(index=False):
        u = units_of.get(a.nip)
        if not is_org and u != unit:
            continue
        alert_rows.append({"nip": a.nip, "name": data.employee_name(a.nip), "unit": data.unit_name(u, lang),
                           "tk_days_ytd": a.tk_days_ytd, "max_consecutive_tk": a.max_consecutive_tk,
                           "level": a.level, "is_new": bool(_f(a.is_new))})
    alert_rows.sort(key=lambda a: (not a["is_new"], -(_f(a["tk_days_ytd"]) or 0), a["nip"]))
    new_alerts = sum(1 for a in alert_rows if a["is_new"])

    current = _month_figures(am, us, unit, policy)
    comparison = [{"label": f"{text('this_month', lang)} ({data.period.label(lang)})", "available": True,
                   "current": True, "run_id": data.run_id, **current}]
    for key, other, other_data in comparisons:
        figures = _month_figures(other_data["attendance_monthly"], other_data["unit_scores"], unit, policy) \
            if other_data is not None else None
        available = figures is not None and figures["has_rows"]
        comparison.append({"label": f"{text(key, lang)} ({other.label(lang)})", "available": available,
                           "current": False, "run_id": other_data.run_id if other_data else None,
                           **(figures or {})})

    recs = []
    if new_alerts:
        recs.append(text("rec_new_alerts", lang) % new_alerts)
    if len(alert_rows) - new_alerts:
        recs.append(text("rec_old_alerts", lang) % (len(alert_rows) - new_alerts))
    ikm_units = [(name, us[us["unit_code"] == code].iloc[0]) for code, name in _units(data, lang)
                 if is_org or code == unit]
    for name, r in ikm_units:
        n = int(_f(r["ikm_responses"]) or 0)
        if n == 0:
            recs.append(text("rec_ikm_none", lang) % name)
        elif n < policy.ikm.min_responses:
            recs.append(text("rec_ikm_sample", lang) % (name, policy.ikm.min_responses))
    if recap["unknown_days"]:
        recs.append(text("rec_unknown", lang) % fmt.integer(recap["unknown_days"], lang))
    if is_org and dq["quarantined"]:
        recs.append(text("rec_dq", lang) % fmt.integer(dq["quarantined"], lang))
    if unit_findings:
        recs.append(text("rec_dq_unit", lang) % fmt.integer(sum(f["quarantined"] for f in unit_findings), lang))
    if not recs:
        recs.append(text("rec_none", lang))

    scope_name = text("organisation", lang) if is_org else data.unit_name(unit, lang)
    ikm_text = (text("ikm_summary", lang) % (fmt.num(ikm["value"], lang), ikm["grade"], fmt.integer(ikm["responses"], lang))
                if ikm["value"] is not None else text("ikm_summary_none", lang))
    summary = text("summary_monthly", lang) % (
        data.period.label(lang), fmt.integer(recap["employees"], lang), fmt.pct(recap["rate"], lang),
        fmt.integer(recap["tk_days"], lang), fmt.num(recap["deduction_mean"], lang), ikm_text)
    return {"is_org": is_org, "heading": scope_name, "summary_text": summary, "recap": recap, "ikm": ikm,
            "unit_rows": unit_rows, "employee_rows": employee_rows, "alerts": alert_rows, "new_alerts": new_alerts,
            "comparison": comparison, "recommendations": recs, "activity": _activity_volume(data, unit, lang),
            "unit_findings": None if is_org else unit_findings or [],
            "signature": None if is_org else _signature(data, unit, scope_name, lang)}


_ACTIVITY_TEXT = {
    "id": {"title": "Volume kegiatan terhadap target bulan ini", "target": "Target bulan ini",
           "note": "Realisasi: kegiatan yang disetujui pada bulan ini, dalam masa aktif pegawai (dijumlahkan, atau "
                   "rata-rata untuk indikator rata-rata). Target bulan ini: target triwulan × hari kerja aktif "
                   "pegawai di bulan ini / hari kerja triwulan, dijumlahkan per unit (rata-rata target untuk "
                   "indikator rata-rata). Capaian dihitung seperti penilaian triwulan (metodologi §3)."},
    "en": {"title": "Activity volume against this month's share of target", "target": "This month's target",
           "note": "Actual: the month's approved activities within the employees' active dates (summed, or their "
                   "mean for mean indicators). This month's target: quarterly target × the employee's active "
                   "working days this month / working days of the quarter, summed per unit (the mean target for "
                   "mean indicators). Achievement as in the quarterly appraisal (methodology §3)."},
}


def _activity_volume(data: RunData, unit: str | None, lang: str) -> dict:
    """The monthly activity volume table of a unit (or the organisation: unit_code NULL rows)."""
    labels = _ACTIVITY_TEXT.get(lang, _ACTIVITY_TEXT["id"])
    frame = data.frames.get("activity_monthly")
    rows = []
    if frame is not None and len(frame):
        pick = frame["unit_code"].isna() if unit is None else frame["unit_code"] == unit
        for r in frame[pick].sort_values("indicator_id").itertuples(index=False):
            info = data.indicator(r.indicator_id)
            rows.append({"indicator": info["name"], "uom": info["uom"], "employees": r.employees,
                         "realisasi": _f(r.realisasi), "target": _f(r.target_share), "capaian": _f(r.capaian)})
    return {**labels, "rows": rows}


# --- quarterly / annual appraisal report ------------------------------------------------------------

def _counts_of(frame: pd.DataFrame) -> dict[str, int]:
    vc = frame["predikat"].value_counts()
    return {p: int(vc.get(p, 0)) for p in analysis.PREDIKAT}


@dataclass
class _RunLookups:
    """Per-employee lookups of one run, built once: a report of 120 units must not scan the whole
    organisation's rows once per unit."""

    units_of: dict  # nip -> unit_code (employee_scores)
    ratee_units: dict  # supervisor nip -> the units of the employees they rated
    training: dict  # nip -> the training-need lines, in nip order
    by_unit: dict  # unit_code -> employee_scores rows of that unit


def _run_lookups(data: RunData, flags: dict, lang: str) -> _RunLookups:
    es = data["employee_scores"]
    ratee_units: dict[str, set] = {}
    for sup, u in zip(es["supervisor_nip"], es["unit_code"]):
        if not fmt.is_missing(sup):
            ratee_units.setdefault(sup, set()).add(u)
    training: dict[str, list[str]] = {}
    for nip, group in flags["training"].groupby("nip", sort=True):
        items = []
        for n in group.itertuples(index=False):
            if n.kind == "aspect":
                items.append(f"{fmt.label(n.item, lang)} {fmt.num(n.value, lang)}")
            else:
                ind = data.indicator(n.item)
                name = f"{ind['name']} ({ind['uom']})" if ind["uom"] else ind["name"]
                items.append(f"{text('indicator', lang)} {name}: {text('capaian', lang).lower()} "
                             f"{fmt.num(n.value, lang)}%")
        training[nip] = items
    by_unit = {code: rows for code, rows in es.groupby("unit_code", sort=False)}
    return _RunLookups(dict(zip(es["nip"], es["unit_code"])), ratee_units, training, by_unit)


def _appraisal_doc(data: RunData, policy, lang: str, unit: str | None, dq: dict, flags: dict,
                   lookups: _RunLookups | None = None, unit_findings: list[dict] | None = None) -> dict:
    env = environment(lang)
    lookups = lookups or _run_lookups(data, flags, lang)
    es, us, am = data["employee_scores"], data["unit_scores"], data["attendance_monthly"]
    is_org = unit is None
    es_s = es if is_org else lookups.by_unit.get(unit, es.iloc[:0])
    am_s = am if is_org else am[am["unit_code"] == unit]
    counts = _counts_of(es_s)
    rated = sum(v for k, v in counts.items() if k != "belum_dinilai")
    if is_org:
        ikm = _org_ikm(us, policy)
    else:
        row = us[us["unit_code"] == unit]
        ikm = _ikm(row["ikm"].iloc[0], row["ikm_grade"].iloc[0], row["ikm_responses"].iloc[0], policy) \
            if len(row) else _ikm(None, None, 0, policy)
    unit_rows, bars, ikm_rows = [], [], []
    for code, name in _units(data, lang):
        if not is_org and code != unit:
            continue
        r = us[us["unit_code"] == code].iloc[0]
        ik = _ikm(r["ikm"], r["ikm_grade"], r["ikm_responses"], policy)
        c = {p: int(_f(r[p]) or 0) for p in analysis.PREDIKAT}
        unit_rows.append({"name": name, "href": _unit_href(code, 0 if is_org else 1), "employees": r["employees"],
                          "rated": r["rated"], "counts": c, "mean": _f(r["mean_nilai_akhir"]),
                          "rate": _f(r["attendance_rate"]), "ikm": ik["value"], "grade": ik["grade"],
                          "responses": ik["responses"], "insufficient": ik["insufficient"]})
        bars.append((name, c, False))
        ikm_rows.append({"label": name, "ikm": ik["value"], "grade": ik["grade"], "responses": ik["responses"],
                         "insufficient": ik["insufficient"]})
    bars.insert(0, (text("organisation", lang), _counts_of(es), True))
    trend = analysis.attendance_trend(am_s)
    attendance = analysis.attendance_rate(am_s)
    mean_nilai = analysis.organisation_mean_nilai(es_s)

    def name_unit(nip: str, u: Any) -> dict:
        return {"name": data.employee_name(nip), "unit": data.unit_name(None if fmt.is_missing(u) else u, lang)}

    nips = set(es_s["nip"])
    awards = [{"nip": a.nip, "nilai_akhir": a.nilai_akhir, "rank": a.rank, "rated": a.rated,
               **name_unit(a.nip, a.unit_code)}
              for a in flags["awards"].itertuples(index=False) if a.nip in nips]
    units_of = lookups.units_of
    training = [{"nip": nip, "needs": items, **name_unit(nip, units_of.get(nip))}
                for nip, items in lookups.training.items() if nip in nips]
    cal_units = [{"name": data.unit_name(c.unit_code, lang), "rated": c.rated, "sangat_baik": c.sangat_baik,
                  "share": c.share, "org_share": c.org_share}
                 for c in flags["unit_share"].itertuples(index=False) if is_org or c.unit_code == unit]
    ratee_units = lookups.ratee_units
    cal_sup = []
    for s in flags["leniency"].itertuples(index=False):
        sup_unit = units_of.get(s.supervisor_nip)
        if sup_unit is None and ratee_units.get(s.supervisor_nip):
            sup_unit = sorted(u for u in ratee_units[s.supervisor_nip] if u is not None)[0] \
                if any(u is not None for u in ratee_units[s.supervisor_nip]) else None
        if not is_org and unit not in ratee_units.get(s.supervisor_nip, set()) and sup_unit != unit:
            continue
        cal_sup.append({"supervisor_nip": s.supervisor_nip, "name": data.employee_name(s.supervisor_nip) or "–",
                        "unit": data.unit_name(sup_unit, lang), "mean_score": s.mean_score, "z": s.z,
                        "direction": s.direction})
    cal_self = [{"nip": s.nip, "self_score": s.self_score, "perilaku_score": s.perilaku_score, "gap": s.gap,
                 **name_unit(s.nip, s.unit_code)}
                for s in flags["self_gap"].itertuples(index=False) if s.nip in nips]
    employee_rows = []
    if not is_org:
        people = es_s.assign(display_name=es_s["nip"].map(data.employee_name)).sort_values(["display_name", "nip"])
        for e in people.itertuples(index=False):
            employee_rows.append({"nip": e.nip, "name": e.display_name, "hasil_kerja_score": e.hasil_kerja_score,
                                  "perilaku_score": e.perilaku_score, "disiplin_score": e.disiplin_score,
                                  "nilai_akhir": e.nilai_akhir, "predikat": e.predikat,
                                  "not_rated_reason": e.not_rated_reason,
                                  "href": f"../card/{safe_name(e.nip)}.html"})
    scope_name = text("organisation", lang) if is_org else data.unit_name(unit, lang)
    summary = text("summary_appraisal", lang) % (
        data.period.label(lang), fmt.integer(rated, lang), fmt.integer(len(es_s), lang),
        fmt.integer(counts["sangat_baik"] + counts["baik"], lang), fmt.num(mean_nilai, lang),
        fmt.pct(attendance, lang))
    title_bar = f"{text('predikat_distribution', lang)} – {scope_name}"
    return {
        "is_org": is_org, "heading": scope_name, "summary_text": summary, "employees": len(es_s), "rated": rated,
        "counts": counts, "mean_nilai": mean_nilai, "attendance": attendance, "ikm": ikm,
        "unit_rows": unit_rows, "no_unit": int(es["unit_code"].isna().sum()) if is_org else 0,
        "chart_predikat": charts.predikat_bars(env, bars, lang, title_bar),
        "trend": trend,
        "chart_trend": charts.attendance_line(env, trend, lang, text("attendance_trend", lang)) if len(trend) > 1 else None,
        "chart_ikm": charts.ikm_bars(env, ikm_rows, lang, text("ikm_by_unit", lang)) if is_org and ikm_rows else None,
        "employee_rows": employee_rows, "awards": awards, "training": training, "cal_units": cal_units,
        "cal_supervisors": cal_sup, "cal_self": cal_self,
        "unit_findings": None if is_org else unit_findings or [],
        "signature": None if is_org else _signature(data, unit, scope_name, lang),
    }


def appraisal_flags(data: RunData) -> dict[str, pd.DataFrame]:
    """Award candidates, training needs and calibration flags of a quarterly or annual run, as the run wrote
    them to the warehouse (kinerja.methodology.awards, methodology §8); reports only arrange them for display.

    awards: unit_code, nip, nilai_akhir, rank, rated (the unit's rated employees from unit_scores; None for
    employees without a unit); training: nip, kind, item, value, threshold; unit_share: unit_code, rated,
    sangat_baik, share, org_share; leniency: supervisor_nip, mean_score, z, direction; self_gap: nip,
    unit_code, self_score, perilaku_score, gap."""
    us = data["unit_scores"]
    rated = dict(zip(us["unit_code"], us["rated"]))
    sangat_baik = dict(zip(us["unit_code"], us["sangat_baik"]))
    aw = data["award_candidates"].sort_values(["unit_code", "rank", "nip"], na_position="last", ignore_index=True)
    awards = pd.DataFrame({"unit_code": aw["unit_code"], "nip": aw["nip"], "nilai_akhir": aw["nilai_akhir"],
                           "rank": aw["rank"].map(lambda r: None if fmt.is_missing(r) else int(r)),
                           "rated": aw["unit_code"].map(lambda u: _f(rated.get(u)))},
                          columns=["unit_code", "nip", "nilai_akhir", "rank", "rated"])
    training = data["training_needs"].sort_values(["nip", "kind", "item"], ignore_index=True)
    cf = data["calibration_flags"]
    share = cf[cf["flag"] == "unit_share_gap"].sort_values("unit_code", ignore_index=True)
    unit_share = pd.DataFrame({"unit_code": share["unit_code"],
                               "rated": share["unit_code"].map(lambda u: _f(rated.get(u))),
                               "sangat_baik": share["unit_code"].map(lambda u: _f(sangat_baik.get(u))),
                               "share": share["value"], "org_share": share["reference"]},
                              columns=["unit_code", "rated", "sangat_baik", "share", "org_share"])
    sup = cf[cf["flag"] == "rater_leniency"].sort_values("nip", ignore_index=True)
    leniency = pd.DataFrame({"supervisor_nip": sup["nip"], "mean_score": sup["reference"], "z": sup["value"],
                             "direction": sup["value"].map(lambda z: "lenient" if z > 0 else "strict")},
                            columns=["supervisor_nip", "mean_score", "z", "direction"])
    gap = cf[cf["flag"] == "self_gap"].sort_values(["unit_code", "nip"], na_position="last", ignore_index=True)
    self_gap = pd.DataFrame({"nip": gap["nip"], "unit_code": gap["unit_code"], "self_score": gap["value"],
                             "perilaku_score": gap["reference"], "gap": gap["value"] - gap["reference"]},
                            columns=["nip", "unit_code", "self_score", "perilaku_score", "gap"])
    return {"awards": awards, "training": training, "unit_share": unit_share, "leniency": leniency,
            "self_gap": self_gap}


def _policy_ctx(policy, lang: str) -> dict:
    pub = policy.publishing
    return {
        "predikat_codes": list(fmt.PREDIKAT_CODES), "min_responses": policy.ikm.min_responses,
        "award_share": fmt.num(pub.award_top_share * 100, lang, 0) + "%",
        "aspect_below": fmt.num(pub.training_aspect_below, lang), "capaian_below": fmt.num(pub.training_capaian_below, lang),
        "unit_share_gap": fmt.num(pub.calibration.unit_share_gap * 100, lang, 0),
        "rater_leniency_z": fmt.num(pub.calibration.rater_leniency_z, lang),
        "self_gap": fmt.num(pub.calibration.self_gap, lang),
    }


# --- score card ------------------------------------------------------------------------------------

def _formula(es: dict, policy, lang: str) -> tuple[str, str]:
    w = policy.nilai_akhir.weights
    scale = policy.nilai_akhir.perilaku_scale
    n = lambda x, d=2: fmt.num(x, lang, d)  # noqa: E731
    names = {k: text(k, lang) for k in ("hasil_kerja", "perilaku", "disiplin", "nilai_akhir")}
    formula = (f"{names['nilai_akhir']} = {n(w.get('hasil_kerja', 0), 1)} × {names['hasil_kerja']} + "
               f"{n(w.get('perilaku', 0), 1)} × ({names['perilaku']} × {n(scale, 0)}) + "
               f"{n(w.get('disiplin', 0), 1)} × {names['disiplin']}")
    parts, wsum = [], 0.0
    for key, value in (("hasil_kerja", es["hasil_kerja_score"]), ("perilaku", es["perilaku_score"]),
                       ("disiplin", es["disiplin_score"])):
        if value is None or not w.get(key, 0):
            continue
        wsum += w[key]
        shown = f"({n(value)} × {n(scale, 0)})" if key == "perilaku" else n(value)
        parts.append(f"{n(w[key], 1)} × {shown}")
    if es["nilai_akhir"] is None or not parts:
        return formula, ""
    body = " + ".join(parts)
    if abs(wsum - 1) > 1e-9:
        body = f"({body}) / {n(wsum, 1)}"
    return formula, f"= {body} = {n(es['nilai_akhir'])}"


class ByNip:
    """A run's per-employee rows, grouped once as plain row tuples: a card for each of 15,000
    employees must neither scan every result table nor touch pandas per row."""

    def __init__(self, data: RunData) -> None:
        self.data = data
        self._groups: dict[str, dict[str, list]] = {}

    def rows(self, table: str, nip: str) -> list:
        if table not in self._groups:
            groups: dict[str, list] = {}
            for row in self.data[table].itertuples(index=False):
                groups.setdefault(row.nip, []).append(row)
            self._groups[table] = groups
        return self._groups[table].get(nip, [])


def _card_ctx(data: RunData, nip: str, policy, lang: str, by_nip: ByNip | None = None) -> dict:
    by_nip = by_nip or ByNip(data)
    hit = by_nip.rows("employee_scores", nip)
    if not hit:
        raise ReportError(f"employee {nip} is not in run {data.run_id} ({data.run['period']})")
    es = {k: (None if fmt.is_missing(v) else v) for k, v in hit[0]._asdict().items()}
    person = by_nip.rows("run_employees", nip)
    position = person[0].position if person else None
    indicators = [{**data.indicator(r.indicator_id), "target_effective": r.target_effective,
                   "realisasi": r.realisasi, "capaian": r.capaian, "weight": r.weight}
                  for r in sorted(by_nip.rows("indicator_scores", nip), key=lambda r: r.indicator_id)]
    order = {t: i for i, t in enumerate(("supervisor", "peer", "subordinate", "public", "self"))}
    raters = sorted(({"rater_type": r.rater_type, "raters": r.raters, "ratings": r.ratings, "score": r.score,
                      "kept": bool(_f(r.kept)), "weight": r.weight}
                     for r in by_nip.rows("rater_type_scores", nip)),
                    key=lambda r: order.get(r["rater_type"], 99))
    aspect_order = {a: i for i, a in enumerate(("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis",
                                                "loyal", "adaptif", "kolaboratif"))}
    aspects = sorted(({"aspect": r.aspect, "score": r.score} for r in by_nip.rows("aspect_scores", nip)),
                     key=lambda a: aspect_order.get(a["aspect"], 99))
    months = [{"month": r.month, "workdays": r.workdays, "present_days": r.present_days,
               "excused_days": r.excused_days, "tk_days": r.tk_days,
               "tl": sum(_f(getattr(r, c)) or 0 for c in analysis.TL),
               "psw": sum(_f(getattr(r, c)) or 0 for c in analysis.PSW),
               "deduction_pct": r.deduction_pct, "attendance_rate": _f(r.attendance_rate)}
              for r in sorted(by_nip.rows("attendance_monthly", nip), key=lambda r: r.month)]
    comments = [{"rater_type": r.rater_type, "aspect": r.aspect, "comment": r.comment}
                for r in by_nip.rows("feedback_comments", nip)]
    comments.sort(key=lambda c: (order.get(c["rater_type"], 99), aspect_order.get(c["aspect"], 99)))
    formula, values = _formula(es, policy, lang)
    gap = (es["self_score"] - es["perilaku_score"]) \
        if es["self_score"] is not None and es["perilaku_score"] is not None else None
    run_version = data.run.get("policy_version")
    return {"nip": nip, "name": data.employee_name(nip), "position": None if fmt.is_missing(position) else position,
            "unit": data.unit_name(es["unit_code"], lang), "es": es, "indicators": indicators, "raters": raters,
            "aspects": aspects, "months": months, "comments": comments, "formula": formula,
            "formula_values": values, "self_gap": gap,
            "policy_mismatch": bool(run_version) and run_version != policy.version,
            "policy_version_shown": policy.version}


def _card_html(data: RunData, nip: str, policy, lang: str, depth: int, has_revisions: bool,
               by_nip: ByNip | None = None) -> str:
    c = _card_ctx(data, nip, policy, lang, by_nip)
    title = text("card_title", lang)
    return _render("card.html.j2", lang=lang, c=_attributes(c), title=title, run=_run_ctx(data),
                   period_label=data.period.label(lang),
                   subtitle=f"{c['name'] or nip} · {c['unit']} · {data.period.label(lang)}",
                   nav=_nav(data, lang, depth, has_revisions))


CARDS_PER_JOB = 500  # score cards per background job: small enough for this process and the workers to
                     # finish together, large enough that sending a job's rows costs little


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _score_cards(background: _Background, chunks: list[list[str]], data: RunData, policy, lang: str,
                 run_dir: Path, has_revisions: bool) -> list[Path]:
    """Every employee's score card (`card/<nip>.html`), in NIP order.

    Each chunk is submitted to the workers (behind the PDFs) with only its employees' rows
    (`_card_rows`); this process then writes chunks itself from the end of the queue until it reaches
    one a worker has started. Whoever claims a chunk first writes it (`_claim`, an exclusive file
    creation), so no chunk is written twice and no job has to be cancelled.
    """
    if not background.pooled or len(chunks) < 2:
        return _write_cards(data, [nip for chunk in chunks for nip in chunk], policy, lang, run_dir, has_revisions)
    import shutil
    import tempfile

    claims = tempfile.mkdtemp(prefix="kinerja-cards-")
    try:
        futures = [background.submit(_write_claimed_cards, claims, i, rows, chunk, policy, lang, run_dir,
                                     has_revisions)
                   for i, (rows, chunk) in enumerate(zip(_card_rows(data, chunks), chunks))]
        written: dict[int, list[Path]] = {}
        by_nip = ByNip(data)
        for i in reversed(range(len(chunks))):
            if not _claim(claims, i):
                break  # a worker has this chunk, and every one before it
            written[i] = _write_cards(data, chunks[i], policy, lang, run_dir, has_revisions, by_nip)
        by_workers = {i: future.result() for i, future in enumerate(futures) if i not in written}
    finally:
        shutil.rmtree(claims, ignore_errors=True)
    return [path for i in range(len(chunks)) for path in (written[i] if i in written else by_workers[i])]


def _claim(claims: str, index: int) -> bool:
    """True for the first process to claim chunk `index` (O_EXCL creation is atomic)."""
    try:
        os.close(os.open(os.path.join(claims, str(index)), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _write_claimed_cards(claims: str, index: int, data: RunData, nips: list[str], *args) -> list[Path] | None:
    """A worker's job: the chunk's score cards, unless this process claimed the chunk first (None)."""
    return _write_cards(data, nips, *args) if _claim(claims, index) else None


#: The run tables a score card reads: per employee (sent per chunk) and whole (names of units, indicators).
CARD_TABLES = ("employee_scores", "run_employees", "indicator_scores", "rater_type_scores", "aspect_scores",
               "attendance_monthly", "feedback_comments")
CARD_LOOKUPS = ("run_units", "run_indicators")


def _card_rows(data: RunData, chunks: list[list[str]]) -> list[RunData]:
    """For each chunk of NIPs, the run's data a score card reads, with only those employees' rows."""
    chunk_of = {nip: i for i, chunk in enumerate(chunks) for nip in chunk}
    parts: list[dict[str, pd.DataFrame]] = [{t: data[t] for t in CARD_LOOKUPS if t in data.frames} for _ in chunks]
    for table in CARD_TABLES:
        if table not in data.frames:
            continue
        frame = data[table]
        groups = dict(tuple(frame.groupby(frame["nip"].map(chunk_of), sort=False))) if len(frame) else {}
        for i, part in enumerate(parts):
            part[table] = groups.get(i, frame.iloc[0:0])
    return [RunData(run=data.run, frames=part) for part in parts]


def _write_cards(data: RunData, nips: list[str], policy, lang: str, run_dir: Path, has_revisions: bool,
                 by_nip: ByNip | None = None) -> list[Path]:
    """Write the score cards of `nips` (a worker's job, or this process's share)."""
    by_nip = by_nip or ByNip(data)
    return [_write(run_dir / "card" / f"{safe_name(nip)}.html",
                   _card_html(data, nip, policy, lang, 1, has_revisions, by_nip)) for nip in nips]


def _attributes(value: Any) -> Any:
    """Dicts (nested, and in lists) as attribute objects: a template's `c.es.nilai_akhir` then finds an
    attribute at once instead of failing over to a key lookup, hundreds of times per score card."""
    if isinstance(value, dict):
        return SimpleNamespace(**{k: _attributes(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_attributes(v) for v in value]
    return value


# --- public report ---------------------------------------------------------------------------------

def _public_html(data: RunData, policy, lang: str, dq: dict, has_revisions: bool) -> str:
    env = environment(lang)
    us = data["unit_scores"]
    k = policy.publishing.min_group_size
    appraisal = data.flow != "monthly"
    rows = []
    for code, name in _units(data, lang):
        r = us[us["unit_code"] == code].iloc[0]
        ik = _ikm(r["ikm"], r["ikm_grade"], r["ikm_responses"], policy)
        employees = _f(r["employees"])
        rows.append({"code": code, "name": name, "employees": employees, "rated": _f(r["rated"]),
                     "counts": {p: _f(r[p]) for p in analysis.PREDIKAT}, "mean": _f(r["mean_nilai_akhir"]),
                     "rate": _f(r["attendance_rate"]), "ikm": ik["value"], "grade": ik["grade"],
                     "responses": ik["responses"], "insufficient": ik["insufficient"],
                     "hidden": analysis.suppressed(employees, k),
                     "mean_hidden": analysis.suppressed(_f(r["rated"]), k)})
    # Secondary suppression: with exactly one hidden unit the totals would reveal it, so hide the next smallest.
    hidden = [r for r in rows if r["hidden"] and (r["employees"] or 0) > 0]
    secondary = False
    if len(hidden) == 1:
        visible = sorted((r for r in rows if not r["hidden"]), key=lambda r: (r["employees"] or 0, r["code"]))
        if visible:
            visible[0]["hidden"] = True
            secondary = True
    org_employees = float(us["employees"].fillna(0).sum()) if len(us) else 0.0
    org_rated = float(us["rated"].fillna(0).sum()) if len(us) else 0.0
    am = data["attendance_monthly"]
    am_units = am[am["unit_code"].isin([r["code"] for r in rows])]
    org_ikm = _org_ikm(us, policy)
    mean = None
    if appraisal and org_rated:
        means = us.dropna(subset=["mean_nilai_akhir"])
        mean = float((means["mean_nilai_akhir"] * means["rated"]).sum() / means["rated"].sum()) if len(means) else None
    total = {"employees": org_employees, "rated": org_rated,
             "counts": {p: float(us[p].fillna(0).sum()) for p in analysis.PREDIKAT},
             "mean": mean, "rate": analysis.attendance_rate(am_units), "ikm": org_ikm["value"],
             "grade": org_ikm["grade"], "responses": org_ikm["responses"], "insufficient": org_ikm["insufficient"],
             "hidden": analysis.suppressed(org_employees, k), "mean_hidden": analysis.suppressed(org_rated, k)}
    bars = [(r["name"], None if r["hidden"] else {p: int(r["counts"][p] or 0) for p in analysis.PREDIKAT}, False)
            for r in rows]
    if appraisal:
        bars.insert(0, (text("organisation", lang), None if total["hidden"] else
                        {p: int(total["counts"][p]) for p in analysis.PREDIKAT}, True))
    ikm_rows = [{"label": r["name"], "ikm": r["ikm"], "grade": r["grade"], "responses": r["responses"],
                 "insufficient": r["insufficient"]} for r in rows]
    ikm_text = fmt.num(org_ikm["value"], lang) + (f" ({org_ikm['grade']})" if org_ikm["grade"] else "") \
        if org_ikm["value"] is not None else text("not_available", lang)
    return _render(
        "public.html.j2", lang=lang, title=text("public_title", lang), period_label=data.period.label(lang),
        subtitle=data.period.label(lang), run=_run_ctx(data), nav=[], rows=rows, total=total,
        appraisal=appraisal, min_group=k, secondary=secondary, dq=dq,
        summary_text=text("summary_public", lang) % (data.period.label(lang), ikm_text),
        chart_predikat=charts.predikat_bars(env, bars, lang, text("predikat_distribution", lang))
        if appraisal and rows else None,
        chart_ikm=charts.ikm_bars(env, ikm_rows, lang, text("ikm_by_unit", lang)) if ikm_rows else None,
        **_policy_ctx(policy, lang))


# --- revision report -------------------------------------------------------------------------------

def _inputs_text(changes: list[dict], lang: str) -> str:
    parts = []
    for c in changes:
        table = fmt.label(c["table"], lang)
        if c["same_count"]:
            parts.append(text("content_changed", lang) % (fmt.integer(c["new_rows"], lang), table))
        else:
            sign = "+" if c["new_rows"] > c["old_rows"] else "−"
            parts.append(f"{sign}{fmt.integer(c['rows'], lang)} {text('rows', lang)} {table}")
    return ", ".join(parts)


def _revisions_html(engine: Engine, data: RunData, lang: str, depth: int) -> str:
    rev = data["revisions"]
    previous = rev["previous_run_id"].dropna().iloc[0] if rev["previous_run_id"].notna().any() \
        else data.run.get("previous_run_id")
    dg = digests(engine, [r for r in (data.run_id, previous) if r])
    changes = analysis.input_changes(dg[dg["run_id"] == data.run_id], dg[dg["run_id"] == previous])
    es = data["employee_scores"]
    units_of = dict(zip(es["nip"], es["unit_code"]))
    rows = []
    for r in analysis.revision_summary(rev):
        rows.append({**r, "name": data.employee_name(r["nip"]),
                     "unit": data.unit_name(units_of.get(r["nip"]), lang),
                     "other": [fmt.label(f, lang) if f in fmt.LABELS["id"] else f for f in r["other"]],
                     "nilai_akhir": tuple(_f(v) if not fmt.is_missing(v) else None for v in r["nilai_akhir"])
                     if r["nilai_akhir"] else None,
                     "inputs": _inputs_text(changes.get(r["nip"], []), lang)})
    return _render("revisions.html.j2", lang=lang, title=text("revision_title", lang),
                   period_label=data.period.label(lang), subtitle=data.period.label(lang), run=_run_ctx(data),
                   nav=_nav(data, lang, depth, True), rows=rows,
                   summary_text=text("summary_revisions", lang) % (data.run_id, previous or "–", len(rows)))


# --- entry points ----------------------------------------------------------------------------------

def _run_dir(output_dir: Path, data: RunData) -> Path:
    return Path(output_dir) / safe_name(data.run["period"]) / safe_name(data.run_id)


def render_run(engine: Engine, run_id: str, output_dir: Path, policy, lang: str = "id",
               place: str | None = None) -> RenderedReport:
    """Write every report of one run under `output_dir/<period>/<run_id>/` and return the paths. `place`
    is where the unit reports are signed (settings.signature_place); None leaves a line to fill in."""
    data = load_run(engine, run_id)
    run_dir = _run_dir(output_dir, data)
    run_dir.mkdir(parents=True, exist_ok=True)
    out = RenderedReport(run_id=data.run_id, period=str(data.run["period"]), directory=run_dir,
                         index=run_dir / "index.html")
    dq = analysis.data_quality_summary(data["data_quality"], data["quarantine"])
    has_revisions = not data["revisions"].empty
    monthly = data.flow == "monthly"
    units = _units(data, lang)
    title = text(data.flow, lang)
    common = dict(lang=lang, run=_run_ctx(data), period_label=data.period.label(lang), dq=dq,
                  signature_place=place.strip() if place and place.strip() else text("place", lang),
                  **_policy_ctx(policy, lang))
    if monthly:
        comparisons = _comparison_runs(engine, data)
        units_of = analysis.unit_of_nip(data["attendance_monthly"])
        findings = analysis.unit_findings(data["quarantine"], units_of)  # each unit's own quarantined rows
        build = lambda unit: _monthly_doc(data, policy, lang, unit, comparisons, dq, units_of,  # noqa: E731
                                          findings.get(unit))
        template = "monthly.html.j2"
    else:
        flags = appraisal_flags(data)
        lookups = _run_lookups(data, flags, lang)
        findings = analysis.unit_findings(data["quarantine"], lookups.units_of)
        build = lambda unit: _appraisal_doc(data, policy, lang, unit, dq, flags, lookups,  # noqa: E731
                                            findings.get(unit))
        template = "appraisal.html.j2"
    # The exports, then (for a succeeded run) one PDF for the organisation and one per unit (what a unit
    # head signs), each printed alone from its page (a single PDF of every unit's employee tables grows
    # without bound in a large city). They are written in worker processes while this one builds the
    # documents and writes pages and cards: the exports go first, so the workers start on them while the
    # documents are built, and each page's PDF is queued as soon as its document is.
    succeeded = data.run.get("status") == "succeeded"
    card_chunks = [] if monthly else _chunks(sorted(data["employee_scores"]["nip"]), CARDS_PER_JOB)
    background = _Background(1 + (1 + len(units) if succeeded else 0) + len(card_chunks))
    try:
        exports = background.submit(_exports, _export_data(data), run_dir)
        pdfs = []
        page = _render(template, docs=[build(None)], title=title, nav=_nav(data, lang, 0, has_revisions),
                       subtitle=f"{text('organisation', lang)} · {data.period.label(lang)}", **common)
        _write(out.index, page)
        if succeeded:
            pdfs.append(background.submit(_pdf, page, run_dir / "report.pdf"))
        for code, name in units:
            page = _render(template, docs=[build(code)], title=title,
                           nav=_nav(data, lang, 1, has_revisions, pdf=f"{safe_name(code)}.pdf"),
                           subtitle=f"{name} · {data.period.label(lang)}", **common)
            out.units.append(_write(run_dir / "unit" / f"{safe_name(code)}.html", page))
            if succeeded:  # the printer leaves the page's navigation out
                pdfs.append(background.submit(_pdf, page, run_dir / "unit" / f"{safe_name(code)}.pdf"))
        out.public = _write(run_dir / "public.html", _public_html(data, policy, lang, dq, has_revisions))
        if has_revisions:
            out.revisions = _write(run_dir / "revisions.html", _revisions_html(engine, data, lang, 0))
        out.cards = _score_cards(background, card_chunks, data, policy, lang, run_dir, has_revisions)
        out.xlsx, out.csv = exports.result()
        out.pdf.extend(future.result() for future in pdfs)
    finally:
        background.close()
    return out


def render_card(engine: Engine, nip: str, period: str, output_dir: Path, policy, pdf: bool = False,
                lang: str = "id") -> Path:
    """One employee's score card from the published run of `period`; the PDF's path when `pdf`."""
    p = Period.parse(str(period))
    if p.kind == "month":
        raise ReportError(f"score cards are for a quarter or a year, not the month {p.code}")
    run_id = published_run_id(engine, p)
    if run_id is None:
        raise ReportError(f"no published {p.flow} run for {p.code}; run `kinerja run {p.flow}` first")
    data = load_run(engine, run_id)
    run_dir = _run_dir(output_dir, data)
    html = _card_html(data, nip, policy, lang, 1, not data["revisions"].empty)
    path = _write(run_dir / "card" / f"{safe_name(nip)}.html", html)
    if pdf:
        return _pdf(html, path.with_suffix(".pdf"))
    return path


def _period_sort_key(code: str) -> tuple:
    try:
        p = Period.parse(code)
    except ValueError:
        return (date.min, 9, code)
    return (p.end, {"year": 2, "quarter": 1, "month": 0}[p.kind], code)


def render_index(engine: Engine, output_dir: Path, lang: str = "id") -> Path:
    """`output_dir/index.html`: every run grouped by period (newest first), published runs marked."""
    output_dir = Path(output_dir)
    runs = load_runs(engine)
    groups = []
    for period in sorted(runs["period"].dropna().unique(), key=_period_sort_key, reverse=True):
        rows = runs[runs["period"] == period].copy()
        rows["_order"] = rows["started_at"].astype(str)
        entries = []
        for r in rows.sort_values(["_order", "run_id"], ascending=False).itertuples(index=False):
            base = f"{safe_name(period)}/{safe_name(r.run_id)}/"
            docs = []
            for name, key in (("index.html", "nav_org"), ("public.html", "nav_public"),
                              ("revisions.html", "nav_revisions"), ("report.pdf", "nav_pdf"),
                              ("results.xlsx", "nav_xlsx")):
                if (output_dir / base / name).exists():
                    docs.append({"href": base + name, "text": text(key, lang)})
            entries.append({"run_id": r.run_id, "status": r.status or "running",
                            "published": bool(_f(r.published)), "title": text(r.flow, lang),
                            "data_as_of": None if fmt.is_missing(r.data_as_of) else r.data_as_of,
                            "finished_at": None if fmt.is_missing(r.finished_at) else r.finished_at,
                            "href": docs[0]["href"] if docs and docs[0]["href"].endswith("index.html") else None,
                            "docs": docs})
        try:
            label = Period.parse(period).label(lang)
        except ValueError:
            label = period
        groups.append({"period": period, "label": label, "runs": entries})
    html = _render("index.html.j2", lang=lang, title=text("index_title", lang),
                   period_label=text("index_title", lang),
                   subtitle=fmt.day(date.today(), lang), groups=groups)
    return _write(output_dir / "index.html", html)


__all__ = ["RenderedReport", "render_run", "render_card", "render_index", "appraisal_flags", "environment",
           "ReportError"]
