"""Periods of the appraisal cycle: a month `YYYY-MM`, a quarter (triwulan) `YYYY-Qn`, a year `YYYY`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

PeriodKind = Literal["month", "quarter", "year"]
FLOW_OF_KIND = {"month": "monthly", "quarter": "quarterly", "year": "annual"}
KIND_OF_FLOW = {v: k for k, v in FLOW_OF_KIND.items()}

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")

MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember")
ROMAN = ("I", "II", "III", "IV")


class PeriodError(ValueError):
    """A period string or number that is not a valid month, quarter or year."""


@dataclass(frozen=True, order=True)
class Period:
    kind: PeriodKind
    year: int
    number: int = 1  # month 1-12, quarter 1-4; 1 for a year

    def __post_init__(self) -> None:
        if not 1900 <= self.year <= 2100:
            raise PeriodError(f"year {self.year} is outside 1900-2100")
        top = {"month": 12, "quarter": 4, "year": 1}[self.kind]
        if not 1 <= self.number <= top:
            raise PeriodError(f"{self.kind} {self.number} is outside 1-{top}")

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        return cls("month", year, month)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        return cls("quarter", year, quarter)

    @classmethod
    def of_year(cls, year: int) -> "Period":
        return cls("year", year, 1)

    @classmethod
    def parse(cls, text: str) -> "Period":
        text = str(text).strip()
        for pattern, kind in ((_MONTH, "month"), (_QUARTER, "quarter"), (_YEAR, "year")):
            m = pattern.match(text)
            if m:
                year = int(m.group(1))
                number = int(m.group(2)) if kind != "year" else 1
                return cls(kind, year, number)
        raise PeriodError(f"{text[:40]!r} is not a period (YYYY-MM, YYYY-Qn or YYYY)")

    @property
    def code(self) -> str:
        if self.kind == "month":
            return f"{self.year:04d}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.number}"
        return f"{self.year:04d}"

    @property
    def flow(self) -> str:
        return FLOW_OF_KIND[self.kind]

    @property
    def start(self) -> date:
        first_month = {"month": self.number, "quarter": 3 * self.number - 2, "year": 1}[self.kind]
        return date(self.year, first_month, 1)

    @property
    def end(self) -> date:
        last_month = {"month": self.number, "quarter": 3 * self.number, "year": 12}[self.kind]
        if last_month == 12:
            return date(self.year, 12, 31)
        return date(self.year, last_month + 1, 1) - timedelta(days=1)

    def months(self) -> list["Period"]:
        return [Period.month(self.year, m) for m in range(self.start.month, self.end.month + 1)]

    def quarters(self) -> list["Period"]:
        if self.kind == "month":
            return [Period.quarter(self.year, (self.number - 1) // 3 + 1)]
        return [Period.quarter(self.year, q) for q in range((self.start.month - 1) // 3 + 1,
                                                             (self.end.month - 1) // 3 + 2)]

    def previous(self) -> "Period":
        if self.kind == "year":
            return Period.of_year(self.year - 1)
        top = 12 if self.kind == "month" else 4
        if self.number == 1:
            return Period(self.kind, self.year - 1, top)
        return Period(self.kind, self.year, self.number - 1)

    def label(self, lang: str = "id") -> str:
        """How people write the period: `Januari 2026`, `Triwulan I 2026`, `Tahun 2026`."""
        if lang == "en":
            if self.kind == "month":
                return date(self.year, self.number, 1).strftime("%B %Y")
            return f"Quarter {self.number} {self.year}" if self.kind == "quarter" else f"Year {self.year}"
        if self.kind == "month":
            return f"{MONTHS_ID[self.number - 1]} {self.year}"
        return f"Triwulan {ROMAN[self.number - 1]} {self.year}" if self.kind == "quarter" else f"Tahun {self.year}"

    def __str__(self) -> str:
        return self.code


def previous_complete(kind: PeriodKind, now: datetime | date) -> Period:
    """The last period of `kind` that ended before `now` (schedules compute this in Asia/Jakarta)."""
    today = now.date() if isinstance(now, datetime) else now
    if kind == "month":
        return Period.month(today.year, today.month).previous()
    if kind == "quarter":
        return Period.quarter(today.year, (today.month - 1) // 3 + 1).previous()
    return Period.of_year(today.year - 1)
