"""Public results (tra cứu kết quả công khai): no login, only for a province that turned the
page on, and only published periods and published assessments."""
from __future__ import annotations

from flask import Blueprint, abort
from sqlalchemy import select

from app import periods as period_ids
from app import tenancy
from app.extensions import db
from app.models import Period, Province, Unit
from app.services import dashboard_choices as choices
from app.services import dashboard_figures as figures
from app.services import public_results
from app.services import rankings as ranks
from app.web import registry
from app.web.public_cache import render_public

bp = Blueprint("public", __name__)


def _province(code: str) -> Province:
    """The province of that code, if it publishes its results; else as if it did not exist."""
    province = db.session.scalar(select(Province).where(Province.code == code))
    if province is None or not province.public_results:
        abort(404)
    return province


@bp.route("/cong-khai/<code>")
def province(code):
    province_ = _province(code)
    with tenancy.scoped(province_.id):  # no one is logged in: say which province we read
        results = public_results.published_rankings(registry(), province_)
        return render_public("public/province.html", province=province_, results=results)


@bp.route("/cong-khai/<code>/<scheme_code>/<period_code>/<unit_code>")
def unit(code, scheme_code, period_code, unit_code):
    province_ = _province(code)
    scheme = registry().schemes.get(scheme_code)
    if scheme is None or scheme.kind != "points" or not province_.uses_scheme(scheme):
        abort(404)
    try:
        period_ids.parse(period_code)
    except period_ids.PeriodError:
        abort(404)
    with tenancy.scoped(province_.id):
        period = db.session.scalar(select(Period).where(Period.scheme_code == scheme.code,
                                                        Period.code == period_code))
        if period is None or not choices.is_published(period):
            abort(404)  # an unpublished period is not there at all for the public
        ranking = public_results.published_ranking(registry(), scheme, period)
        units = db.session.scalars(select(Unit.id).where(Unit.code == unit_code)).all()
        place = next((p for g in ranking.groups for p in g.places if p.unit.id in units), None)
        if place is None:
            abort(404)
        group = figures.group_of(ranking, place.unit.id)
        published = ranking.scheme  # the scheme as published: its rows and maxima
        return render_public(
            "public/unit.html", province=province_, scheme=published, period=period, place=place,
            group=group, sums=public_results.row_sums(published, ranks.unit_totals(
                registry(), scheme, period, place.assessment)))
