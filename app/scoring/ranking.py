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
    ratios = {unit: _ratio(t) for unit, t in scores.items()}
    scored = sorted((u for u in scores if ratios[u] is not None), key=ratios.get, reverse=True)
    standings: list[Standing] = []
    for position, unit in enumerate(scored, start=1):
        tied = standings and ratios[standings[-1].unit] == ratios[unit]
        standings.append(Standing(unit, scores[unit], standings[-1].rank if tied else position))
    standings.extend(Standing(u, scores[u], None) for u in scores if ratios[u] is None)
    return standings
