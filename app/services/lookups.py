"""Finding what a URL names (the province of the request, a scheme, a period, a unit), shared
by the web pages and the API, which stand side by side: neither imports the other.

A lookup that finds nothing raises ``not_found`` (the API passes its own JSON error with a
message) or, by default, a plain 404.
"""
from __future__ import annotations

from flask import current_app, g
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app import periods as period_ids
from app.catalogue.model import Scheme
from app.extensions import db
from app.models import Assessment, Period, Province, Unit
from app.services.period_units import assessed_in
from app.tenancy import get_or_404


def current_province() -> Province | None:
    """The province this request works in (None: a superadmin who has not picked one)."""
    province_id = getattr(g, "province_id", None)
    if province_id is None:
        return None
    if getattr(g, "_province", None) is None or g._province.id != province_id:
        g._province = db.session.get(Province, province_id)
    return g._province


def enabled_scheme(code: str) -> Scheme | None:
    """The scheme of that code if a plugin the current province has enabled ships it, else None."""
    scheme = current_app.extensions["chiso"].schemes.get(code)
    province = current_province()
    if scheme is None or province is None or not province.uses_scheme(scheme):
        return None
    return scheme


def scheme_or_404(code: str, not_found: Exception | None = None) -> Scheme:
    scheme = enabled_scheme(code)
    if scheme is None:
        raise not_found or NotFound()
    return scheme


def period_or_404(scheme: Scheme, code: str, not_found: Exception | None = None) -> Period:
    """The scheme's period of that code; ``not_found`` also for a code of no known form."""
    try:
        period_ids.parse(code)
    except period_ids.PeriodError:
        raise (not_found or NotFound()) from None
    return get_or_404(Period, scheme_code=scheme.code, code=code)


def scheme_and_period(scheme_code: str, period_code: str) -> tuple[Scheme, Period]:
    """The scheme and period a URL names, or 404 (also for a period code of no known form)."""
    scheme = scheme_or_404(scheme_code)
    return scheme, period_or_404(scheme, period_code)


def unit_in_period(code: str, period: Period) -> Unit | None:
    """The unit with this code as the period knows it: codes are reused after mergers (a 2025
    ward may carry a 2022 commune's code). The row assessed in the period if there is one (a
    closed unit keeps its history), else the row the period assesses (valid on its last day);
    None for a unit the period does not assess, such as a district in 2026."""
    return unit_and_assessment(code, period)[0]


def unit_and_assessment(code: str, period: Period) -> tuple[Unit | None, Assessment | None]:
    """``unit_in_period`` and that unit's assessment of the period (None if it has none), read
    by the query that finds which unit of the code is assessed: the form and its row saves
    would otherwise ask the database for the same assessment a second time."""
    units = db.session.scalars(select(Unit).where(Unit.code == code)).all()
    if not units:
        return None, None
    assessments = {a.unit_id: a for a in db.session.scalars(select(Assessment).where(
        Assessment.period_id == period.id, Assessment.unit_id.in_([u.id for u in units])))}
    if assessments:
        unit = next(u for u in units if u.id in assessments)
        return unit, assessments[unit.id]
    return next((u for u in units if assessed_in(u, period)), None), None
