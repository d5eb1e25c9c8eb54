"""Ranking units by their scores. Pure: no database, no Flask.

Units are ranked by their percentage of the points they could reach (the total where every
unit has the same maximum; Điện Biên's index where "không đánh giá" rows leave the maximum).
Equal scores share a rank and the next rank skips (1, 1, 3). A unit with no maximum (nothing
scorable) is listed without a rank.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.scoring import Totals


@dataclass
class Standing:
    unit: Hashable
    totals: Totals
    rank: int | None


def _ratio(totals: Totals) -> Decimal | None:
    return totals.total / totals.max if totals.max else None


def rank(scores: Mapping[Hashable, Totals]) -> list[Standing]:
    """Standings, best first; ties share a rank, unranked units last (in the order given)."""
    scored = [(unit, t) for unit, t in scores.items() if _ratio(t) is not None]
    unscored = [(unit, t) for unit, t in scores.items() if _ratio(t) is None]
    scored.sort(key=lambda item: _ratio(item[1]), reverse=True)
    standings: list[Standing] = []
    for position, (unit, t) in enumerate(scored, start=1):
        tied = standings and _ratio(standings[-1].totals) == _ratio(t)
        standings.append(Standing(unit, t, standings[-1].rank if tied else position))
    standings.extend(Standing(unit, t, None) for unit, t in unscored)
    return standings
