"""How numbers, dates and codes are written in reports: the Indonesian way (`1.234,56`, `5 Januari 2026`).

Every display rounds to 2 decimals (methodology: computations are unrounded, displays round). English
is available through `lang="en"`; the labels dictionary is the single home of report wording.
"""
from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_EVEN, Decimal
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALES = {"id": "id_ID", "en": "en_US"}
DASH = "–"

PREDIKAT_CODES = ("sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang", "belum_dinilai")
PREDIKAT_COLOURS = {
    "sangat_baik": "#1b7f5b", "baik": "#5aa66f", "butuh_perbaikan": "#e0b341",
    "kurang": "#e07b39", "sangat_kurang": "#c0392b", "belum_dinilai": "#a7adb5",
}

LABELS: dict[str, dict[str, str]] = {
    "id": {
        "sangat_baik": "Sangat Baik", "baik": "Baik", "butuh_perbaikan": "Butuh Perbaikan",
        "kurang": "Kurang", "sangat_kurang": "Sangat Kurang", "belum_dinilai": "Belum Dinilai",
        "di_atas": "Di atas ekspektasi", "sesuai": "Sesuai ekspektasi", "di_bawah": "Di bawah ekspektasi",
        "supervisor": "Atasan langsung", "peer": "Rekan kerja", "subordinate": "Bawahan",
        "public": "Masyarakat", "self": "Diri sendiri",
        "berorientasi_pelayanan": "Berorientasi Pelayanan", "akuntabel": "Akuntabel", "kompeten": "Kompeten",
        "harmonis": "Harmonis", "loyal": "Loyal", "adaptif": "Adaptif", "kolaboratif": "Kolaboratif",
        "monthly": "Laporan Akuntabilitas Kinerja Bulanan", "quarterly": "Laporan Penilaian Kinerja Triwulan",
        "annual": "Laporan Penilaian Kinerja Tahunan",
        "flow_monthly": "Bulanan", "flow_quarterly": "Triwulan", "flow_annual": "Tahunan",
        "organisation": "Seluruh Organisasi", "no_unit": "Tanpa unit",
        "not_available": "tidak tersedia", "suppressed": "disembunyikan",
        "insufficient_sample": "sampel belum memadai", "for_review": "untuk ditinjau",
        "new": "Baru", "yes": "Ya", "no": "Tidak", "kept": "Dipakai", "dropped": "Tidak dipakai",
        "published": "Dipublikasikan", "status_succeeded": "Berhasil", "status_blocked": "Diblokir",
        "status_failed": "Gagal", "status_running": "Berjalan", "status_unchanged": "Tidak berubah",
        "teguran_lisan": "Teguran lisan", "teguran_tertulis": "Teguran tertulis",
        "pernyataan_tidak_puas": "Pernyataan tidak puas secara tertulis",
        "potong_tunjangan_6_bulan": "Pemotongan tunjangan kinerja 25% selama 6 bulan",
        "potong_tunjangan_9_bulan": "Pemotongan tunjangan kinerja 25% selama 9 bulan",
        "potong_tunjangan_12_bulan": "Pemotongan tunjangan kinerja 25% selama 12 bulan",
        "penurunan_jabatan": "Penurunan jabatan setingkat lebih rendah selama 12 bulan",
        "pembebasan_jabatan": "Pembebasan dari jabatannya menjadi jabatan pelaksana selama 12 bulan",
        "pemberhentian": "Pemberhentian dengan hormat tidak atas permintaan sendiri sebagai PNS",
        "insufficient_active_days": "hari kerja aktif kurang dari batas minimum",
        "no_targets": "tidak ada target SKP pada periode ini",
        "no_realisation": "tidak ada realisasi kegiatan yang disetujui",
        "no_feedback": "tidak ada penilaian perilaku selain penilaian diri",
        "no_supervisor_feedback": "tidak ada penilaian dari atasan langsung",
        "insufficient_raters": "jumlah penilai perilaku belum memadai",
        "critical": "kritis", "error": "galat", "warning": "peringatan",
        "units": "unit kerja", "employees": "pegawai", "assignments": "penugasan", "holidays": "hari libur",
        "work_schedules": "jadwal kerja", "attendance": "kehadiran", "indicators": "indikator",
        "targets": "target SKP", "activities": "kegiatan", "feedback": "umpan balik perilaku",
        "survey_responses": "survei kepuasan masyarakat",
        "rows": "baris",
    },
    "en": {
        "sangat_baik": "Sangat Baik", "baik": "Baik", "butuh_perbaikan": "Butuh Perbaikan",
        "kurang": "Kurang", "sangat_kurang": "Sangat Kurang", "belum_dinilai": "Belum Dinilai",
        "di_atas": "Above expectations", "sesuai": "Meets expectations", "di_bawah": "Below expectations",
        "supervisor": "Supervisor", "peer": "Peers", "subordinate": "Subordinates",
        "public": "Public", "self": "Self",
        "berorientasi_pelayanan": "Service orientation", "akuntabel": "Accountable", "kompeten": "Competent",
        "harmonis": "Harmonious", "loyal": "Loyal", "adaptif": "Adaptive", "kolaboratif": "Collaborative",
        "monthly": "Monthly Performance Accountability Report", "quarterly": "Quarterly Performance Appraisal Report",
        "annual": "Annual Performance Appraisal Report",
        "flow_monthly": "Monthly", "flow_quarterly": "Quarterly", "flow_annual": "Annual",
        "organisation": "Whole organisation", "no_unit": "No unit",
        "not_available": "not available", "suppressed": "suppressed",
        "insufficient_sample": "sample too small", "for_review": "for review",
        "new": "New", "yes": "Yes", "no": "No", "kept": "Used", "dropped": "Not used",
        "published": "Published", "status_succeeded": "Succeeded", "status_blocked": "Blocked",
        "status_failed": "Failed", "status_running": "Running", "status_unchanged": "Unchanged",
        "teguran_lisan": "Oral reprimand", "teguran_tertulis": "Written reprimand",
        "pernyataan_tidak_puas": "Written statement of dissatisfaction",
        "potong_tunjangan_6_bulan": "Allowance cut 25% for 6 months",
        "potong_tunjangan_9_bulan": "Allowance cut 25% for 9 months",
        "potong_tunjangan_12_bulan": "Allowance cut 25% for 12 months",
        "penurunan_jabatan": "Demotion for 12 months",
        "pembebasan_jabatan": "Removal from position for 12 months",
        "pemberhentian": "Dismissal",
        "insufficient_active_days": "fewer active working days than the minimum",
        "no_targets": "no SKP targets in this period",
        "no_realisation": "no approved activities",
        "no_feedback": "no behaviour ratings other than self",
        "no_supervisor_feedback": "no supervisor rating",
        "insufficient_raters": "not enough behaviour raters",
        "critical": "critical", "error": "error", "warning": "warning",
        "units": "units", "employees": "employees", "assignments": "assignments", "holidays": "holidays",
        "work_schedules": "work schedules", "attendance": "attendance", "indicators": "indicators",
        "targets": "SKP targets", "activities": "activities", "feedback": "behaviour feedback",
        "survey_responses": "public satisfaction survey",
        "rows": "rows",
    },
}

# Plain words for validation checks (validation.md); unknown names are shown as they are.
CHECKS: dict[str, dict[str, str]] = {
    "id": {
        "unknown_nip": "NIP tidak dikenal (pegawai tidak ada atau datanya ditolak)",
        "duplicate_identical": "baris ganda yang identik (salinan diabaikan)",
        "duplicate_conflicting": "baris ganda dengan isi berbeda (semua salinan ditolak)",
        "nip_format": "format NIP tidak valid",
        "invalid_date": "tanggal tidak valid",
        "unknown_status": "kode status kehadiran tidak dikenal",
        "checkout_before_checkin": "jam pulang lebih awal dari jam masuk",
        "weight_sum": "jumlah bobot target SKP tidak 100",
        "no_attendance_rows": "pegawai aktif tanpa data kehadiran sebulan penuh",
        "missing_table": "tabel sumber tidak ada atau kolomnya kurang",
        "empty_table": "tabel sumber kosong",
        "quarantine_share": "terlalu banyak baris ditolak",
    },
    "en": {
        "unknown_nip": "unknown NIP (employee missing or rejected)",
        "duplicate_identical": "identical duplicate rows (copies ignored)",
        "duplicate_conflicting": "conflicting duplicate rows (all copies rejected)",
        "nip_format": "invalid NIP format",
        "invalid_date": "invalid date",
        "unknown_status": "unknown attendance status code",
        "checkout_before_checkin": "check-out before check-in",
        "weight_sum": "SKP target weights do not add up to 100",
        "no_attendance_rows": "active employee without any attendance rows in a month",
        "missing_table": "source table or column missing",
        "empty_table": "source table empty",
        "quarantine_share": "too many rows rejected",
    },
}


def label(code: Any, lang: str = "id") -> str:
    """The display label of a code (predikat, rater type, aspect, level, table); the code itself if unknown."""
    if code is None:
        return DASH
    return LABELS.get(lang, LABELS["id"]).get(str(code), str(code))


def check_label(name: Any, lang: str = "id") -> str:
    if name is None:
        return DASH
    words = CHECKS.get(lang, CHECKS["id"]).get(str(name))
    return words if words else str(name).replace("_", " ")


def is_missing(x: Any) -> bool:
    """None, NaN, NaT and pd.NA are missing; text never is (a comment may read "nan")."""
    if x is None:
        return True
    if isinstance(x, (str, bytes)):
        return False
    if isinstance(x, float):
        return math.isnan(x)
    try:
        import pandas as pd

        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


# Separators of the `#,##0.00` pattern in the two report languages (what babel's id_ID and en_US give).
_SEPARATORS = {"id": str.maketrans({",": ".", ".": ","}), "en": None}


def _grouped(value: Decimal, decimals: int, lang: str) -> str:
    """`#,##0.00`-style text of a Decimal, exactly as babel formats it, ~20x faster (a 15,000-card run
    formats millions of numbers)."""
    text = f"{value:,.{decimals}f}"
    table = _SEPARATORS[lang]
    return text.translate(table) if table else text


def num(x: Any, lang: str = "id", decimals: int = 2) -> str:
    """`1234.567` → `1.234,57` (id) or `1,234.57` (en); missing → `–`."""
    if is_missing(x):
        return DASH
    if lang in _SEPARATORS:  # babel's own rounding: Decimal(str(float)), half-even
        quantum = Decimal(1).scaleb(-decimals)
        return _grouped(Decimal(str(float(x))).quantize(quantum, rounding=ROUND_HALF_EVEN), decimals, lang)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(float(x), format=pattern, locale=LOCALES.get(lang, "id_ID"))


def integer(x: Any, lang: str = "id") -> str:
    if is_missing(x):
        return DASH
    if lang in _SEPARATORS:
        return _grouped(Decimal(int(round(float(x)))), 0, lang)
    return format_decimal(int(round(float(x))), format="#,##0", locale=LOCALES.get(lang, "id_ID"))


def pct(fraction: Any, lang: str = "id", decimals: int = 2) -> str:
    """A fraction 0–1 as percent: `0.9523` → `95,23%`."""
    if is_missing(fraction):
        return DASH
    return num(float(fraction) * 100, lang, decimals) + "%"


def day(d: Any, lang: str = "id") -> str:
    """`2026-01-05` → `5 Januari 2026`."""
    if is_missing(d):
        return DASH
    if isinstance(d, str):
        d = datetime.fromisoformat(d[:19]) if len(d) > 10 else date.fromisoformat(d)
    if isinstance(d, datetime):
        d = d.date()
    return format_date(d, "d MMMM y", locale="id" if lang == "id" else "en")


def timestamp(ts: Any, lang: str = "id") -> str:
    """A run timestamp as `5 Januari 2026 14.05`."""
    if is_missing(ts):
        return DASH
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts[:26])
    if not isinstance(ts, datetime):
        ts = datetime.fromisoformat(str(ts)[:26])
    sep = "." if lang == "id" else ":"
    return f"{day(ts, lang)} {ts.hour:02d}{sep}{ts.minute:02d}"


def month_label(month: str, lang: str = "id") -> str:
    from kinerja.periods import Period

    try:
        return Period.parse(month).label(lang)
    except ValueError:
        return str(month)


_DIGITS = re.compile(r"\d{5,}")


def mask_key(text: Any) -> str:
    """A key as shown in public outputs: every run of 5+ digits keeps only its last 4 (`…1031`)."""
    if is_missing(text):
        return DASH
    return _DIGITS.sub(lambda m: "…" + m.group(0)[-4:], str(text))
