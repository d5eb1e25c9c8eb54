"""Period identifiers in DHIS2's format: 2022 (year), 2022S1 (half-year), 2022Q1, 202203."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

PERIOD_TYPES = ("month", "quarter", "half_year", "year")
TYPE_LABELS = {"month": "Tháng", "quarter": "Quý", "half_year": "6 tháng", "year": "Năm"}
_PATTERNS = [
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})S([12])$"), "half_year"),
    (re.compile(r"^(\d{4})Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})(0[1-9]|1[0-2])$"), "month"),
]
_MONTHS = {"year": 12, "half_year": 6, "quarter": 3, "month": 1}


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class PeriodId:
    type: str
    year: int
    index: int = 1  # half, quarter or month number; 1 for a year

    @property
    def code(self) -> str:
        return {
            "year": f"{self.year}",
            "half_year": f"{self.year}S{self.index}",
            "quarter": f"{self.year}Q{self.index}",
            "month": f"{self.year}{self.index:02d}",
        }[self.type]

    @property
    def start(self) -> date:
        return date(self.year, (self.index - 1) * _MONTHS[self.type] + 1, 1)

    @property
    def end(self) -> date:
        month = self.index * _MONTHS[self.type]
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def label(self) -> str:
        if self.type == "year":
            return f"Năm {self.year}"
        if self.type == "half_year":
            return f"6 tháng {'đầu' if self.index == 1 else 'cuối'} năm {self.year}"
        if self.type == "quarter":
            return f"Quý {('I', 'II', 'III', 'IV')[self.index - 1]}/{self.year}"
        return f"Tháng {self.index:02d}/{self.year}"

    def contains(self, other: PeriodId) -> bool:
        return self.start <= other.start and other.end <= self.end

    def __str__(self) -> str:
        return self.code


def parse(code: str) -> PeriodId:
    code = (code or "").strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(code)
        if match:
            year = int(match.group(1))
            index = int(match.group(2)) if kind != "year" else 1
            if not 1900 <= year <= 2100:
                break
            return PeriodId(kind, year, index)
    raise PeriodError(
        f"Mã kỳ báo cáo «{code}» không hợp lệ: dùng 2022 (năm), 2022S1 (6 tháng), "
        "2022Q1 (quý) hoặc 202203 (tháng)."
    )


def periods_of_year(kind: str, year: int) -> list[PeriodId]:
    return [PeriodId(kind, year, i) for i in range(1, 12 // _MONTHS[kind] + 1)]


def current(kind: str, today: date) -> PeriodId:
    return PeriodId(kind, today.year, (today.month - 1) // _MONTHS[kind] + 1)
