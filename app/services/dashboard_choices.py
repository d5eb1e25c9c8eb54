"""Which schemes and periods a dashboard offers: the province's enabled schemes, their periods,
published only for a user who waits for publication."""
from __future__ import annotations

from sqlalchemy import select

from app.catalogue.model import Scheme
from app.extensions import db
from app.models import Assessment, Period, Province, Publication
from app.plugins import Registry
from app.services import rankings as ranks

KIND_ORDER = ("points", "target", "monitor")  # the default scheme of a dashboard comes first


def dashboard_schemes(registry: Registry, province: Province) -> list[Scheme]:
    schemes = [s for s in registry.schemes.values() if province.uses_scheme(s)]
    return sorted(schemes, key=lambda s: (KIND_ORDER.index(s.kind)
                                          if s.kind in KIND_ORDER else 9, s.code))


def default_scheme(schemes: list[Scheme], published_only: bool) -> Scheme | None:
    """The first scheme with an assessment in a period the user may see, else the first."""
    query = select(Period.scheme_code).join(Assessment, Assessment.period_id == Period.id)
    if published_only:
        query = published_only_query(query)
    with_data = set(db.session.scalars(query.distinct()))
    return next((s for s in schemes if s.code in with_data), schemes[0] if schemes else None)


def published_only_query(query):
    return query.join(Publication, Publication.period_id == Period.id).where(
        Publication.published_at.is_not(None), Publication.withdrawn_at.is_(None))


def scheme_periods(scheme: Scheme, published_only: bool) -> list[Period]:
    """The scheme's periods, newest first; only published ones for a user who waits."""
    query = select(Period).where(Period.scheme_code == scheme.code)
    if published_only:
        query = published_only_query(query)
    return list(db.session.scalars(query.order_by(Period.code.desc())))


def default_period(periods: list[Period]) -> Period | None:
    """The newest period that has any assessment, else the newest period."""
    if not periods:
        return None
    with_data = set(db.session.scalars(select(Assessment.period_id).where(
        Assessment.period_id.in_([p.id for p in periods])).distinct()))
    return next((p for p in periods if p.id in with_data), periods[0])


def is_published(period: Period) -> bool:
    return ranks.current_publication(period) is not None
