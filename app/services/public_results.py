"""The public results page: the province's published rankings, published assessments only."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.catalogue.model import Row, Scheme
from app.models import Period, Province
from app.plugins import Registry
from app.scoring import ZERO, Totals
from app.services import rankings as ranks
from app.services.dashboard_choices import dashboard_schemes, scheme_periods
from app.services.rankings import Ranking


@dataclass
class PublishedRanking:
    scheme: Scheme
    period: Period
    ranking: Ranking


def published_rankings(registry: Registry, province: Province) -> list[PublishedRanking]:
    """Every published period of the province's scored schemes, newest first, each ranking
    holding published assessments only."""
    result = []
    for scheme in dashboard_schemes(registry, province):
        if scheme.kind != "points":
            continue
        for period in scheme_periods(scheme, published_only=True):
            result.append(PublishedRanking(scheme, period, published_ranking(registry, scheme,
                                                                             period)))
    return result


def published_ranking(registry: Registry, scheme: Scheme, period: Period) -> Ranking:
    """The period's ranking restricted to published assessments (a draft begun after
    publication never shows). Totals only: a unit's leaf scores are ``ranks.unit_totals``."""
    result = ranks.ranking(registry, scheme, period, history=False, leaves=False)
    for group in result.groups:
        group.places = [p for p in group.places if p.assessment.state == "published"]
    result.groups = [g for g in result.groups if g.places]
    return result


def row_sums(scheme: Scheme, totals: Totals) -> dict[str, tuple[Decimal | None, Decimal]]:
    """Score and maximum of every row (leaves as scored, parents as the sum of children)."""
    sums: dict[str, tuple[Decimal | None, Decimal]] = {}

    def walk(row: Row) -> tuple[Decimal, Decimal]:
        if row.is_leaf:
            leaf = totals.leaves.get(row.code)
            sums[row.code] = (leaf.score, leaf.max) if leaf else (None, ZERO)
            return (leaf.score or ZERO, leaf.max) if leaf else (ZERO, ZERO)
        score = top = ZERO
        for child in row.children:
            child_score, child_max = walk(child)
            score, top = score + child_score, top + child_max
        sums[row.code] = (score, top)
        return score, top
    for main in scheme.main:
        walk(main)
    return sums
