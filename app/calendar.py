"""Reporting calendars: which periods a scheme is reported at, and when each is due.

Plugins build a Calendar from the small rules below and return it from ``chiso_calendar``.
"""
from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date
from typing import Callable

from app.periods import PeriodId


@dataclass(frozen=True)
class Calendar:
    period_types: tuple[str, ...]
    deadline: Callable[[PeriodId], date]
    note: str = ""


def day_of_last_month(day: int) -> Callable[[PeriodId], date]:
    """The given day of the period's last month (Yên Bái: the 25th)."""
    def rule(period: PeriodId) -> date:
        last = period.end
        return date(last.year, last.month, min(day, _cal.monthrange(last.year, last.month)[1]))
    return rule


def fixed_day(month: int, day: int, years_after: int = 0) -> Callable[[PeriodId], date]:
    """A fixed day of the period's year, or of a later year (Điện Biên: 30/01 of the next year)."""
    def rule(period: PeriodId) -> date:
        return date(period.end.year + years_after, month, day)
    return rule


def default_calendar(scheme) -> Calendar:
    """For a scheme no plugin gives a calendar (one a province imported for a family of its
    own): its rows' period types, each period due on its last day (a year: 31/12)."""
    return Calendar(tuple(scheme.periods) or ("year",), day_of_last_month(31),
                    "Ngày cuối cùng của kỳ")
