"""The figures every results page shares: a percentage of the maximum, its heat band, a unit's
main index scores and its place in its group.

Percentages are of the maximum a unit could reach (rows it was not assessed on leave the
maximum), so schemes of 500 and 1000 points read on one scale.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.catalogue.model import Row, Scheme
from app.scoring import HUNDRED, Totals
from app.services.rankings import Group, Place, Ranking


def percent(part, whole) -> Decimal | None:
    """part / whole × 100, to two decimals; None where there is no maximum."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole) * HUNDRED).quantize(Decimal("0.01"), ROUND_HALF_UP)



# -- heat-map classes ----------------------------------------------------------------------
HEAT_CLASSES = (  # (class number, lowest percent, label): five bands of 20 points
    (1, 0, "Dưới 20%"),
    (2, 20, "Từ 20% đến dưới 40%"),
    (3, 40, "Từ 40% đến dưới 60%"),
    (4, 60, "Từ 60% đến dưới 80%"),
    (5, 80, "Từ 80% trở lên"),
)


def heat_class(value: Decimal | None) -> int | None:
    """The band of a percentage: 1 below 20%, …, 5 from 80% up; None without a maximum."""
    if value is None:
        return None
    return max((number for number, low, _label in HEAT_CLASSES if value >= low), default=1)


# -- one unit's main indices -----------------------------------------------------------------
@dataclass
class IndexScore:
    row: Row
    score: Decimal
    max: Decimal

    @property
    def percent(self) -> Decimal | None:
        return percent(self.score, self.max)

    @property
    def heat(self) -> int | None:
        return heat_class(self.percent)


def indices(scheme: Scheme, totals: Totals) -> list[IndexScore]:
    return [IndexScore(row, *totals.main[row.code]) for row in scheme.main
            if row.code in totals.main]


def group_of(ranking_: Ranking, unit_id: int) -> Group | None:
    return next((g for g in ranking_.groups if any(p.unit.id == unit_id for p in g.places)),
                None)


def ranked(group: Group | None) -> list[Place]:
    return [p for p in group.places if p.rank is not None] if group else []
