"""One unit's dashboard: its main indices beside its group's average and best unit, the
indicators with most points to gain, and its published results year by year.

One query per data set: a period's answers are scored together (``rankings.period_scores``),
never unit by unit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from app.catalogue.model import Row, Scheme
from app.extensions import db
from app.models import Period, Unit
from app.plugins import Registry
from app.scoring import ZERO, Totals
from app.services import rankings as ranks
from app.services.dashboard_choices import published_only_query
from app.services.dashboard_figures import IndexScore, group_of, indices, percent, ranked
from app.services.rankings import Group, Place, Ranking

WEAKEST_COUNT = 10


def average_indices(scheme: Scheme, group: Group | None) -> dict[str, Decimal | None]:
    """Per main index, the mean of the group's percentages (units with a maximum there)."""
    result = {}
    for row in scheme.main:
        values = [percent(*p.totals.main[row.code]) for p in ranked(group)
                  if row.code in p.totals.main and p.totals.main[row.code][1]]
        result[row.code] = (sum(values) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP) \
            if values else None
    return result


@dataclass
class Gain:
    """An indicator the unit could gain on: its score, maximum and the points missing."""
    row: Row
    main: Row
    score: Decimal
    max: Decimal

    @property
    def gain(self) -> Decimal:
        return self.max - self.score


def weakest(scheme: Scheme, totals: Totals, limit: int = WEAKEST_COUNT) -> list[Gain]:
    """The indicators with the most points left to gain, largest first (catalogue order
    among equals); rows not assessed and rows at their maximum are left out."""
    gains = []
    for row in scheme.leaves:
        leaf = totals.leaves.get(row.code)
        if leaf is None or not leaf.max:
            continue
        gain = Gain(row, scheme.main_of(row.code), leaf.score or ZERO, leaf.max)
        if gain.gain > 0:
            gains.append(gain)
    gains.sort(key=lambda g: g.gain, reverse=True)  # stable: catalogue order among equals
    return gains[:limit]


@dataclass
class HistoryPoint:
    period: Period
    totals: Totals
    rank: int | None
    group_size: int
    official: str | None = None  # the decision whose rank this is (results before the platform)

    @property
    def percent(self) -> Decimal | None:
        return self.totals.percent


def published_periods(registry: Registry, scheme: Scheme, period_type: str = "year") -> list[Period]:
    """The scheme family's periods of one type whose results are published, oldest first."""
    return list(db.session.scalars(published_only_query(select(Period)).where(
        Period.scheme_code.in_(ranks.family_codes(registry, scheme)),
        Period.type == period_type).order_by(Period.code)))


def unit_history(registry: Registry, scheme: Scheme, unit: Unit) -> list[HistoryPoint]:
    """The unit's published results, year by year, with its rank in its group."""
    points = []
    for period in published_periods(registry, scheme):
        if period.scheme_code not in registry.schemes:
            continue
        result = ranks.ranking(registry, registry.schemes[period.scheme_code], period,
                               history=False, leaves=False)
        place = result.place_of(unit.id)
        if place is not None and place.totals.max:
            points.append(HistoryPoint(period, place.totals, place.rank,
                                       len(ranked(group_of(result, unit.id))), place.official))
    return points


@dataclass
class UnitDashboard:
    scheme: Scheme
    period: Period
    unit: Unit
    ranking: Ranking
    place: Place | None
    group: Group | None
    sees_others: bool  # rank, average and best unit: published, or a role that sees early
    indices: list[IndexScore] = field(default_factory=list)
    average: dict[str, Decimal | None] = field(default_factory=dict)
    best: Place | None = None
    best_indices: dict[str, Decimal | None] = field(default_factory=dict)
    gains: list[Gain] = field(default_factory=list)
    history: list[HistoryPoint] = field(default_factory=list)


def unit_dashboard(registry: Registry, scheme: Scheme, period: Period, unit: Unit,
                   user) -> UnitDashboard:
    # The ranking needs only totals (the database adds them up); the leaf scores of the
    # indicators to gain on are the unit's own, scored as the ranking scores them.
    ranking_ = ranks.ranking(registry, scheme, period, leaves=False)
    place = ranking_.place_of(unit.id)
    group = group_of(ranking_, unit.id)
    view = UnitDashboard(scheme, period, unit, ranking_, place, group,
                         sees_others=ranks.may_see(user, ranking_),
                         history=unit_history(registry, scheme, unit))
    if place is None:
        return view
    view.indices = indices(scheme, place.totals)
    view.gains = weakest(scheme, ranks.unit_totals(registry, scheme, period, place.assessment))
    if view.sees_others:
        view.average = average_indices(scheme, group)
        # the first of the group; none where the platform holds only results ranked elsewhere
        view.best = next((p for p in ranked(group) if p.rank == 1), None)
        if view.best is not None:
            view.best_indices = {i.row.code: i.percent for i in indices(scheme, view.best.totals)}
    return view
