"""What is due in a month: the periods that end in it, and their rows (a scheme reported at
several period types, e.g. Yên Bái's KPIs)."""
from __future__ import annotations

from dataclasses import dataclass

from app.catalogue.model import Row, Scheme
from app.periods import PeriodId


@dataclass
class Due:
    period: PeriodId
    rows: list[Row]


def due_in_month(scheme: Scheme, year: int, month: int, lead_unit: str | None = None) -> list[Due]:
    """Periods of the scheme's types that end in this month, with the rows reported for them.

    March: the month and Q1; June: the month, Q2 and the first half; December: all four."""
    month_period = PeriodId("month", year, month)
    candidates = [
        month_period,
        PeriodId("quarter", year, (month - 1) // 3 + 1),
        PeriodId("half_year", year, (month - 1) // 6 + 1),
        PeriodId("year", year),
    ]
    result = []
    for period in candidates:
        if period.end != month_period.end:
            continue
        rows = [r for r in scheme.leaves if r.period == period.type
                and (lead_unit is None or r.lead_unit == lead_unit)]
        if rows:
            result.append(Due(period, rows))
    return result
