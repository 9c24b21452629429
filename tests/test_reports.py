"""Reports (issue 7): rendered from a hand-built warehouse (tests/report_fixtures.py).

Rendering runs on SQLite and PostgreSQL; the content checks share one SQLite rendering.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import reports
from kinerja import db
from kinerja.policy import load_policy
from reports import analysis, charts, fmt
from reports.render import environment
from tests.report_fixtures import (BLOCKED_RUN, FORMULA_COMMENT, MONTHLY_RUN, PREV_MONTH_RUN, Q_RUN,
                                   SCRIPT_COMMENT, build_warehouse)

POLICY = load_policy()
PREDIKAT_LABELS = ["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang", "Belum Dinilai"]


def _apt_install(binary: str, package: str) -> str:
    """The path of `binary`, installing the Debian package when it is missing (never a silent skip)."""
    found = shutil.which(binary) or (f"/usr/bin/{binary}" if Path(f"/usr/bin/{binary}").exists() else None)
    if not found:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env)
        found = shutil.which(binary)
    assert found, f"{binary} is not available after installing {package}"
    return found


@pytest.fixture(scope="session")
def chromium() -> str:
    return _apt_install("chromium", "chromium")


@pytest.fixture(scope="session")
def pdftotext() -> str:
    return _apt_install("pdftotext", "poppler-utils")


@pytest.fixture(scope="module", autouse=True)
def pdf_fonts():
    """The PDFs' font, DejaVu Sans, installed when missing: without it they fall back to the PDF core
    fonts, which lack signs the reports print (−, ≥)."""
    from reports import pdf

    if pdf.fonts().regular == "Helvetica":
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "fonts-dejavu-core"], check=True, env=env)
        pdf.fonts.cache_clear()
        pdf._styles.cache_clear()
    assert pdf.fonts().regular != "Helvetica", "DejaVu Sans is not available after installing it"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One SQLite warehouse rendered in full: the monthly, quarterly and blocked runs, the index, a PDF card."""
    root = tmp_path_factory.mktemp("reports")
    engine = db.get_engine(f"sqlite:///{root}/warehouse.db")
    facts = build_warehouse(engine)
    out = root / "out"
    # The quarterly run is rendered for a deployment that names its place (settings.signature_place).
    rendered = {run: reports.render_run(engine, run, out, POLICY, place="Semarang" if run == Q_RUN else None)
                for run in (MONTHLY_RUN, Q_RUN, BLOCKED_RUN)}
    index = reports.render_index(engine, out)
    return {"engine": engine, "facts": facts, "out": out, "rendered": rendered, "index": index}


def _all_html(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.values: dict[str, str] = {}
        self._key: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        key = dict(attrs).get("data-k")
        if key:
            self._key, self._text = key, []

    def handle_data(self, data):
        if self._key:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._key and tag in ("td", "span", "div"):
            self.values[self._key] = "".join(self._text).strip()
            self._key = None


def _parse(path: Path) -> _Tags:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _id_number(text: str) -> float | None:
    """`1.234,56` → 1234.56; `–` → None."""
    return None if text == fmt.DASH else float(text.replace(".", "").replace(",", "."))


# --- rendering on both engines ---------------------------------------------------------------------

def test_render_run_writes_the_documented_layout(db_url, tmp_path):
    engine = db.get_engine(db_url)
    facts = build_warehouse(engine)
    quarterly = reports.render_run(engine, Q_RUN, tmp_path, POLICY)
    run_dir = tmp_path / "2026-Q1" / Q_RUN
    assert quarterly.index == run_dir / "index.html"
    expected = [run_dir / "public.html", run_dir / "report.pdf", run_dir / "results.xlsx",
                run_dir / "revisions.html", run_dir / "unit" / "DISDUK.html", run_dir / "csv" / "employee_scores.csv"]
    expected += [run_dir / "card" / f"{p['nip']}.html" for p in facts["people"]]
    for path in expected:
        assert path.exists() and path in quarterly.paths, path
    monthly = reports.render_run(engine, MONTHLY_RUN, tmp_path, POLICY)
    month_dir = tmp_path / "2026-03" / MONTHLY_RUN
    assert monthly.pdf[0] == month_dir / "report.pdf"
    assert month_dir / "unit" / "KEC-TGH.pdf" in monthly.pdf  # one PDF per unit, rendered alone
    assert all(p.read_bytes().startswith(b"%PDF") for p in monthly.pdf)
    assert 'href="KEC-TGH.pdf"' in (month_dir / "unit" / "KEC-TGH.html").read_text(encoding="utf-8")
    assert not monthly.cards and monthly.revisions is None
    index = reports.render_index(engine, tmp_path)
    html = index.read_text(encoding="utf-8")
    assert f"2026-Q1/{Q_RUN}/index.html" in html and f"2026-03/{MONTHLY_RUN}/index.html" in html
    card = reports.render_card(engine, facts["worked_example"], "2026-Q1", tmp_path, POLICY)
    assert "96,72" in card.read_text(encoding="utf-8")


def test_worker_processes_write_the_same_exports_pdfs_and_cards(site, tmp_path, monkeypatch, pdftotext):
    """A large city's exports, PDFs and score cards are written by worker processes (render._Background)
    and this one; forced on for this small one, they write what the in-process path wrote."""
    from reports import render

    monkeypatch.setattr(render, "BACKGROUND_FROM", 1)
    monkeypatch.setattr(render, "CARDS_PER_JOB", 2)  # many chunks: some for the workers, some taken back
    taken_here = []
    card_html = render._card_html

    def spy_card(data, nip, *args):
        taken_here.append(nip)
        return card_html(data, nip, *args)

    monkeypatch.setattr(render, "_card_html", spy_card)  # cards of this process (workers import their own)
    pools = []
    start = render._Background.__init__

    def spy(self, expected_jobs):
        start(self, expected_jobs)
        pools.append(self._pool is not None)

    monkeypatch.setattr(render._Background, "__init__", spy)
    pooled = reports.render_run(site["engine"], Q_RUN, tmp_path, POLICY, place="Semarang")
    assert pools == [True]
    inline = site["rendered"][Q_RUN]
    assert [p.name for p in pooled.pdf] == [p.name for p in inline.pdf] and len(pooled.pdf) >= 5
    for mine, theirs in zip(pooled.pdf, inline.pdf):
        assert _pdf_words(pdftotext, mine) == _pdf_words(pdftotext, theirs)
    assert [p.name for p in pooled.csv] == [p.name for p in inline.csv]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(pooled.csv, inline.csv))
    from openpyxl import load_workbook

    def cells(path):
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in load_workbook(path)}

    assert cells(pooled.xlsx) == cells(inline.xlsx)
    assert [p.name for p in pooled.cards] == [p.name for p in inline.cards] and len(pooled.cards) > 10
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(pooled.cards, inline.cards))

    # Workers that claim every chunk before this process can take one back still write the same cards.
    taken_here.clear()
    monkeypatch.setattr(render, "_claim", lambda claims, index: False)  # this process never wins a claim
    by_workers = reports.render_run(site["engine"], Q_RUN, tmp_path / "workers", POLICY)
    assert taken_here == [] and [p.name for p in by_workers.cards] == [p.name for p in inline.cards]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(by_workers.cards, inline.cards))


# --- safety ----------------------------------------------------------------------------------------

def test_comment_markup_is_escaped_in_every_page(site):
    pages = _all_html(site["out"])
    assert len(pages) > 40
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html, page
        assert "<b>Budi</b>" not in html, page
        assert "script" not in _parse(page).tags and "b" not in _parse(page).tags, page
    card = site["out"] / "2026-Q1" / Q_RUN / "card" / f"{site['facts']['comment_nip']}.html"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in card.read_text(encoding="utf-8")


def test_autoescape_is_forced_for_html_and_svg_templates():
    env = environment()
    assert env.autoescape is True
    svg = charts.predikat_bars(env, [("<script>x</script>", {"baik": 2}, False)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_public_report_has_no_nip_and_hides_small_groups(site):
    for run in (Q_RUN, MONTHLY_RUN):
        html = (site["out"] / ("2026-Q1" if run == Q_RUN else "2026-03") / run / "public.html").read_text("utf-8")
        assert not re.search(r"\d{18}", html)
        for person in site["facts"]["people"]:
            assert person["name"] not in html
        row = re.search(r"<tr>(?:(?!</tr>).)*Kecamatan Tengah(?:(?!</tr>).)*</tr>", html, re.S).group(0)
        cells = re.findall(r'<td class="n">(.*?)</td>', row, re.S)
        assert cells and all("&lt; 5" in c for c in cells), cells
        assert "Tanda tangan" not in html and "NIP. ...." not in html
    html = (site["out"] / "2026-03" / MONTHLY_RUN / "public.html").read_text("utf-8")
    assert "…" in html and "2026-03-05" in html  # quarantine keys shown masked


def test_masked_keys_keep_only_the_last_four_digits():
    assert fmt.mask_key("199105252023211031|2026-01-05") == "…1031|2026-01-05"


# --- content ---------------------------------------------------------------------------------------

def test_outlier_unit_and_lenient_supervisor_are_flagged_for_review(site):
    data = reports.data.load_run(site["engine"], Q_RUN)
    flags = reports.render.appraisal_flags(data)
    assert list(flags["unit_share"]["unit_code"]).count("DISDUK") == 1
    lenient = flags["leniency"]
    assert list(lenient["supervisor_nip"]) == [site["facts"]["lenient_supervisor"]]
    assert lenient["direction"].iloc[0] == "lenient"
    assert site["facts"]["self_gap_nip"] in set(flags["self_gap"]["nip"])
    html = site["rendered"][Q_RUN].index.read_text("utf-8")
    section = html.split("Kalibrasi (untuk ditinjau)")[1]
    assert "Dinas Kependudukan dan Pencatatan Sipil" in section
    assert site["facts"]["lenient_supervisor"] in section
    assert "untuk ditinjau" in section and "kuota" in section  # "bukan kuota"


def test_section8_tables_are_the_methodology_results(site):
    """The fixture's §8 rows come from kinerja.methodology.awards; the report shows those rows."""
    rows = site["facts"]["section8"]
    lenient = [r for r in rows["calibration_flags"] if r[1] == "rater_leniency"]
    # Leave-one-out: the lenient head against the five other supervisors (means 3.6 … 3.9).
    assert [r[3] for r in lenient] == [site["facts"]["lenient_supervisor"]] and lenient[0][4] > 2.0
    assert {r[2] for r in rows["calibration_flags"] if r[1] == "unit_share_gap"} == {"DISDUK", "KEC-TGH"}
    assert [r[3] for r in rows["calibration_flags"] if r[1] == "self_gap"] == [site["facts"]["self_gap_nip"]]
    data = reports.data.load_run(site["engine"], Q_RUN)
    flags = reports.render.appraisal_flags(data)
    assert list(flags["awards"]["nip"]) == [r[2] for r in rows["award_candidates"]]
    assert sorted(zip(flags["training"]["nip"], flags["training"]["item"])) == \
        sorted((r[1], r[3]) for r in rows["training_needs"])


def test_reports_read_section8_from_the_warehouse_and_never_recompute(tmp_path):
    engine = db.get_engine(f"sqlite:///{tmp_path}/w.db")
    facts = build_warehouse(engine)
    someone = facts["worked_example"]  # baik, no training need, no flag in the methodology's results
    with engine.begin() as conn:
        for table in ("award_candidates", "training_needs", "calibration_flags"):
            conn.execute(sa.text(f"delete from {table} where run_id = :run"), {"run": Q_RUN})
        conn.execute(sa.text("insert into award_candidates values (:run, '2026-Q1', 'PKM-01', :nip, 96.7, 1)"),
                     {"run": Q_RUN, "nip": someone})
        conn.execute(sa.text("insert into training_needs values (:run, '2026-Q1', :nip, 'indicator', "
                             "'IND-PKM-01-2', 61.5, 70)"), {"run": Q_RUN, "nip": someone})
    out = reports.render_run(engine, Q_RUN, tmp_path / "out", POLICY)
    html = out.index.read_text("utf-8")
    awards = html.split("Kandidat penghargaan dan")[1].split("<h3>Kebutuhan pelatihan")[0]
    assert someone in awards and facts["people"][0]["nip"] not in awards
    training = html.split("<h3>Kebutuhan pelatihan")[1].split("Kalibrasi (untuk ditinjau)")[0]
    assert "Indikator Waktu tunggu pasien (menit): capaian 61,50%" in training
    assert facts["by_nip"][someone]["name"] in training and "Kompeten" not in training
    calibration = html.split("Kalibrasi (untuk ditinjau)")[1].split("Kendala")[0]
    assert facts["lenient_supervisor"] not in calibration and calibration.count("Tidak ada yang perlu ditinjau") == 3


def test_score_cards_and_training_needs_name_the_indicators(site):
    card = (site["out"] / "2026-Q1" / Q_RUN / "card" / f"{site['facts']['worked_example']}.html").read_text("utf-8")
    assert "Kunjungan rumah" in card and "Waktu tunggu pasien" in card and ">menit<" in card
    assert "IND-PKM-01-2" in card  # the id stays visible under the name
    unnamed = site["facts"]["unnamed_indicator_nip"]
    card = (site["out"] / "2026-Q1" / Q_RUN / "card" / f"{unnamed}.html").read_text("utf-8")
    assert "<td>IND-KEC-TGH-1</td>" in card  # not in run_indicators: the id is the name
    html = site["rendered"][Q_RUN].index.read_text("utf-8")
    training = html.split("<h3>Kebutuhan pelatihan")[1].split("Kalibrasi (untuk ditinjau)")[0]
    assert "Indikator Waktu tunggu pasien (menit): capaian" in training


def test_monthly_report_reads_like_an_lkjip_chapter(site):
    run_dir = site["out"] / "2026-03" / MONTHLY_RUN
    html = (run_dir / "index.html").read_text("utf-8")
    for heading in ("1. Ringkasan", "2. Capaian", "3. Kendala", "4. Rekomendasi", "Peringatan disiplin (PP 94/2021)"):
        assert heading in html
    assert "Maret 2026" in html and "sampel belum memadai" in html
    assert PREV_MONTH_RUN in html  # previous month compared
    assert re.search(r"Maret 2025\)</td>\s*<td colspan=\"5\" class=\"muted\">tidak tersedia", html)
    assert '<span class="badge new">Baru</span>' in html
    unit = (run_dir / "unit" / "DISHUB.html").read_text("utf-8")
    assert "Kepala Dinas Perhubungan" in unit and "Kota .........." in unit
    assert "2 April 2026" in unit  # the run's date, the Indonesian way
    # Activity volume against the month's share of the targets (warehouse table activity_monthly).
    for page in (html, unit):
        assert "Volume kegiatan terhadap target bulan ini" in page and "Target bulan ini" in page
        assert re.search(r"<td>Uji KIR kendaraan</td><td>kendaraan</td><td class=\"n\">9</td>"
                         r"<td class=\"n\">120,00</td><td class=\"n\">150,00</td><td class=\"n\">80,00%</td>", page)
    other = (run_dir / "unit" / "DISDUK.html").read_text("utf-8")
    assert re.search(r"Volume kegiatan terhadap target bulan ini</h3>\s*<p class=\"muted\">tidak tersedia", other)


def test_each_unit_report_lists_its_own_quarantined_rows(site):
    """A unit head sees the rows of their own employees that were rejected (by the NIP in the quarantined
    row), not another unit's; rows of an unknown NIP stay in the organisation's summary only."""
    by_nip, nip = site["facts"]["by_nip"], site["facts"]["quarantine_nip"]
    run_dir = site["out"] / "2026-03" / MONTHLY_RUN
    own = by_nip[nip]["unit"]
    seventh = site["facts"]["people"][7]
    pages = {code: (run_dir / "unit" / f"{code}.html").read_text("utf-8")
             for code in ("DISDUK", "DISHUB", "PKM-01", "KEC-TGH")}
    for code, page in pages.items():
        section = page[page.index("Data pegawai unit ini"):page.index("Seluruh organisasi")]
        expected = {k: v for k, v in {f"{nip}|2026-03-05": own, f"{seventh['nip']}|2026-03-09": seventh["unit"]}.items()
                    if v == code}
        for key in (f"{nip}|2026-03-05", f"{seventh['nip']}|2026-03-09"):
            assert (key in section) == (key in expected), (code, key)
        if expected:
            rows = 2 * (own == code) + (seventh["unit"] == code)
            assert f"{rows} baris data pegawai atau unit ini ditolak" in section
            assert f"Perbaiki {rows} baris data unit ini" in page  # and it is a recommendation
        else:
            assert "Tidak ada baris data pegawai atau unit ini yang ditolak." in section
    q_unit = (site["out"] / "2026-Q1" / Q_RUN / "unit" / "PKM-01.html").read_text("utf-8")
    assert "FB-000917" not in q_unit[q_unit.index("Data pegawai unit ini"):q_unit.index("Seluruh organisasi")]
    assert "FB-000917" in q_unit[q_unit.index("Seluruh organisasi"):]  # the organisation's findings follow


def test_a_quarantined_row_belongs_to_its_own_unit_or_its_employees():
    rows = [("survey_responses", {"response_id": "R1", "unit_code": "DISHUB"}),
            ("assignments", {"nip": "A", "unit_code": "PKM-01"}),  # the assignment's unit, not the person's
            ("feedback", {"ratee_nip": "A", "rater_id": "B"}),
            ("attendance", {"nip": "B", "work_date": "2026-03-02"}),
            ("attendance", {"nip": "UNKNOWN"}),
            ("employees", {"nip": None}),
            ("activities", "not json"),
            ("units", {"unit_code": ""})]
    quarantine = pd.DataFrame({"source_table": [t for t, _ in rows],
                               "row_json": [r if isinstance(r, str) else json.dumps(r) for _, r in rows],
                               "row_key": [f"k{i}" for i in range(len(rows))], "check_name": "c", "detail": None})
    units = analysis.quarantine_units(quarantine, {"A": "DISDUK", "B": "DISHUB"})
    assert units.tolist() == ["DISHUB", "PKM-01", "DISDUK", "DISHUB", None, None, None, None]
    found = analysis.unit_findings(quarantine, {"A": "DISDUK", "B": "DISHUB"})
    assert {u: [(f["table"], f["quarantined"], f["examples"]) for f in fs] for u, fs in found.items()} == {
        "DISDUK": [("feedback", 1, ["k2"])], "DISHUB": [("attendance", 1, ["k3"]), ("survey_responses", 1, ["k0"])],
        "PKM-01": [("assignments", 1, ["k1"])]}


def test_a_unit_report_is_signed_by_the_runs_unit_head(site, pdftotext):
    """The signature block names the head of run_unit_heads with their NIP, after the place the deployment
    names (a line to fill in when it names none); without a head the name and NIP lines stay blank to fill
    in by hand. The public report has no signature at all."""
    head = next(p for p in site["facts"]["people"] if p["unit"] == "DISHUB" and p["head"])
    run_dir = site["out"] / "2026-03" / MONTHLY_RUN
    signed = (run_dir / "unit" / "DISHUB.html").read_text("utf-8")
    block = signed[signed.index('<div class="signature">'):]
    assert f"<strong>{head['name']}</strong>" in block and f"NIP. {head['nip']}" in block
    assert "Kepala Dinas Perhubungan" in block and "NIP. ....." not in block
    unsigned = (run_dir / "unit" / "KEC-TGH.html").read_text("utf-8")
    block = unsigned[unsigned.index('<div class="signature">'):]
    assert "Kepala Kecamatan Tengah" in block and "NIP. ....." in block and "(....." in block
    assert head["nip"] not in (run_dir / "public.html").read_text("utf-8")
    assert "<p>Kota .........., 2 April 2026</p>" in block  # no place configured: a line to fill in
    q_unit = (site["out"] / "2026-Q1" / Q_RUN / "unit" / "DISHUB.html").read_text("utf-8")
    block = q_unit[q_unit.index('<div class="signature">'):]
    assert f"NIP. {head['nip']}" in block and re.search(r"<p>Semarang, \d+ April 2026</p>", block)
    pdf = subprocess.run([pdftotext, "-layout", str(run_dir / "unit" / "DISHUB.pdf"), "-"], check=True,
                         capture_output=True, text=True).stdout
    assert head["name"] in pdf and f"NIP. {head['nip']}" in pdf


def test_appraisal_report_has_units_chart_awards_and_training(site):
    html = site["rendered"][Q_RUN].index.read_text("utf-8")
    assert "Triwulan I 2026" in html and "<svg" in html and "<script" not in html
    assert '<th class="c">No.</th>' in html
    assert "Kandidat penghargaan" in html and "Kebutuhan pelatihan" in html
    unit = (site["out"] / "2026-Q1" / Q_RUN / "unit" / "PKM-01.html").read_text("utf-8")
    assert "Kepala UPTD Puskesmas Sukamaju" in unit
    assert f"../card/{site['facts']['worked_example']}.html" in unit


def test_pdf_text_contains_the_predikat_labels(site, pdftotext):
    def pdf_text(path):
        return subprocess.run([pdftotext, "-layout", str(path), "-"], check=True, capture_output=True,
                              text=True).stdout

    org = pdf_text(site["rendered"][Q_RUN].pdf[0])  # the organisation's PDF
    for label in PREDIKAT_LABELS:
        assert label in org
    monthly = site["rendered"][MONTHLY_RUN].pdf
    assert "Rekomendasi" in pdf_text(monthly[0])
    unit = next(p for p in monthly if p.name == "KEC-TGH.pdf")  # a unit's PDF ends with its head's signature
    assert "Kepala Kecamatan Tengah" in pdf_text(unit)


class _Words(HTMLParser):
    """The words a reader sees on a page: no navigation links, head or SVG tooltips."""

    SKIP = {"head", "nav", "title", "style", "script"}

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in self.SKIP

    def handle_endtag(self, tag):
        self._skip -= tag in self.SKIP

    def handle_data(self, data):
        if not self._skip:
            self.words.extend(data.split())


def _pdf_words(pdftotext: str, path: Path) -> set[str]:
    text = subprocess.run([pdftotext, str(path), "-"], check=True, capture_output=True, text=True).stdout
    return set(text.lower().split())


def test_each_pdf_prints_every_word_and_number_of_its_page(site, pdftotext):
    """The PDF is a print of the page: every word and figure of the HTML (names, NIPs, scores, predikat,
    chart labels, the data-quality section, the signature) is in its PDF's text."""
    checked = 0
    for run in (Q_RUN, MONTHLY_RUN):
        for pdf in site["rendered"][run].pdf:
            page = pdf.with_suffix(".html") if pdf.parent.name == "unit" else pdf.parent / "index.html"
            words = _Words()
            words.feed(page.read_text(encoding="utf-8"))
            missing = {w.lower() for w in words.words} - _pdf_words(pdftotext, pdf)  # the band is in capitals
            assert not missing, f"{pdf.name} of {run} lacks {sorted(missing)[:20]}"
            checked += 1
    assert checked >= 4


def test_pdf_pages_are_numbered_and_a_tall_chart_splits_between_rows(tmp_path, pdftotext):
    from reports import pdf

    rows = [(f"Unit {i:03d}", {"baik": i + 1, "kurang": 1}, False) for i in range(150)]
    chart = charts.predikat_bars(environment(), rows, "id", "Sebaran")
    html = f"<html><body><main><h2>Sebaran</h2>{chart}<p>Selesai.</p></main></body></html>"
    path = pdf.write_pdf(html, tmp_path / "chart.pdf")
    text = subprocess.run([pdftotext, "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 3  # 150 bars do not fit one A4 page
    total = len([p for p in pages if p.strip()])
    assert all(re.search(rf"\b{n}\s*/\s*{total}\s*$", pages[n - 1].rstrip()) for n in range(1, total + 1))
    for i in range(150):  # every bar's label printed once, none cut between pages
        assert text.count(f"Unit {i:03d}") == 1
    assert "Selesai." in pages[total - 1]


def test_pdf_table_columns_share_the_width_like_a_browser():
    from reports.pdf import _Cell, _widths

    def cell(text, numeric=False):
        return _Cell(text, None, False, numeric, False, 1)

    narrow = [[cell("1"), cell("Dinas A"), cell("9,50", True)]]
    widths = _widths(narrow, 3, 500.0, 7.0)
    assert abs(sum(widths) - 500.0) < 1e-6 and widths[1] > widths[0]  # width 100 %, text columns widest
    long = " ".join(["Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"] * 6)
    tight = [[cell("1"), cell(long), cell("1.234.567,89", True)]]
    widths = _widths(tight, 3, 300.0, 7.0)
    assert abs(sum(widths) - 300.0) < 1e-6
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reports.pdf import fonts
    assert widths[2] >= stringWidth("1.234.567,89", fonts().regular, 7.0)  # a number is never broken


def test_xlsx_and_csv_neutralise_formulas(site):
    from openpyxl import load_workbook

    rendered = site["rendered"][Q_RUN]
    wb = load_workbook(rendered.xlsx)
    assert {"employee_scores", "indicator_scores", "unit_scores", "feedback_comments", "revisions"} <= set(wb.sheetnames)
    ws = wb["employee_scores"]
    assert [c.value for c in ws[1]][:4] == ["run_id", "period", "nip", "unit_code"]
    assert all(isinstance(row[2], str) and len(row[2]) == 18 for row in ws.iter_rows(min_row=2, values_only=True))
    comments = [c for row in wb["feedback_comments"].iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    hit = [c for c in comments if "HYPERLINK" in c.value]
    assert hit and hit[0].value == "'" + FORMULA_COMMENT and hit[0].data_type != "f"
    assert all(not c.value.startswith(("=", "+", "-", "@")) for c in comments)
    csv = (rendered.directory / "csv" / "feedback_comments.csv").read_text("utf-8")
    assert "'=HYPERLINK" in csv and SCRIPT_COMMENT in csv


def test_score_card_numbers_equal_the_warehouse(site):
    engine = site["engine"]
    cards = [site["facts"]["worked_example"], site["facts"]["comment_nip"], site["facts"]["self_gap_nip"]]
    cards.append(next(p["nip"] for p in site["facts"]["people"] if p["predikat"] == "belum_dinilai"))
    for nip in cards:
        values = _parse(site["out"] / "2026-Q1" / Q_RUN / "card" / f"{nip}.html").values
        assert len(values) > 20
        for key, shown in values.items():
            table, _, rest = key.partition(".")
            column, _, item = rest.partition(":")
            where = "run_id = :run and nip = :nip"
            params = {"run": Q_RUN, "nip": nip}
            if item:
                item_col = {"indicator_scores": "indicator_id", "rater_type_scores": "rater_type",
                            "aspect_scores": "aspect", "attendance_monthly": "month"}[table]
                where += f" and {item_col} = :item"
                params["item"] = item
            with engine.connect() as conn:
                value = conn.execute(sa.text(f"select {column} from {table} where {where}"), params).scalar_one()
            got = _id_number(shown)
            if value is None:
                assert got is None, key
            else:
                assert got == round(float(value), 2), (key, shown, value)
    html = (site["out"] / "2026-Q1" / Q_RUN / "card" / f"{cards[0]}.html").read_text("utf-8")
    assert "= 0,6 × 94,00 + 0,3 × (4,22 × 24) + 0,1 × 99,17 = 96,72" in html
    assert "Kebijakan 2026.1" in html


def test_render_card_uses_the_published_run_and_writes_pdf(site, pdftotext):
    nip = site["facts"]["comment_nip"]
    pdf = reports.render_card(site["engine"], nip, "2026-Q1", site["out"], POLICY, pdf=True)
    assert pdf.suffix == ".pdf" and Q_RUN in str(pdf)
    text = subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "Sangat Baik" in text and "alert(1)" in text
    with pytest.raises(reports.ReportError):
        reports.render_card(site["engine"], "000000000000000000", "2026-Q1", site["out"], POLICY)
    with pytest.raises(reports.ReportError):
        reports.render_card(site["engine"], nip, "2025-Q4", site["out"], POLICY)


def test_english_labels(site, tmp_path):
    path = reports.render_card(site["engine"], site["facts"]["worked_example"], "2026-Q1", tmp_path, POLICY,
                               lang="en")
    html = path.read_text("utf-8")
    assert "Final score" in html and "Baik" in html and "96.72" in html and "Quarter 1 2026" in html


def test_revision_report_names_changed_results_and_inputs(site):
    html = site["rendered"][Q_RUN].revisions.read_text("utf-8")
    first, second = site["facts"]["revised"]
    assert first in html and second in html
    assert re.search(r"Baik</span> → <span class=\"p-sangat_baik\">Sangat Baik", html)
    assert "+2 baris kehadiran" in html and "isi 12 baris kegiatan berubah" in html


def test_blocked_run_still_explains_its_data_problems(site):
    rendered = site["rendered"][BLOCKED_RUN]
    html = rendered.index.read_text("utf-8")
    assert "Diblokir" in html and "tabel sumber tidak ada" in html and "kritis" in html
    assert not rendered.pdf


def test_index_lists_runs_newest_period_first_and_marks_published(site):
    html = site["index"].read_text("utf-8")
    order = [html.index(f"({p})") for p in ("2026-04", "2026-Q1", "2026-03", "2026-02")]
    assert order == sorted(order)
    assert html.count("Dipublikasikan") == 3


def test_numbers_and_dates_are_written_the_indonesian_way():
    assert fmt.num(1234.56) == "1.234,56" and fmt.num(1234.56, "en") == "1,234.56"
    assert fmt.day(date(2026, 1, 5)) == "5 Januari 2026"
    assert fmt.pct(0.9523) == "95,23%"
    assert fmt.label("butuh_perbaikan") == "Butuh Perbaikan"


# --- screenshots -----------------------------------------------------------------------------------

def _screenshot(chromium: str, page: Path, png: Path, tmp_path: Path) -> None:
    profile = tmp_path / f"profile-{png.stem}"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", "--hide-scrollbars", f"--screenshot={png}",
                    "--window-size=1280,1400", page.as_uri()], check=True, capture_output=True, timeout=90)


def test_screenshots_of_index_and_card_are_not_blank(site, chromium, tmp_path):
    from PIL import Image

    card = site["out"] / "2026-Q1" / Q_RUN / "card" / f"{site['facts']['worked_example']}.html"
    for page in (site["index"], site["rendered"][Q_RUN].index, card):
        png = tmp_path / f"{page.stem}-{page.parent.name}.png"
        _screenshot(chromium, page, png, tmp_path)
        with Image.open(png) as image:
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is None or len(colours) > 10, page
