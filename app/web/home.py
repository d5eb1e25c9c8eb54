"""The home page each role lands on after login."""
from __future__ import annotations


from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import Period, Province, Unit
from app.models.unit import UNIT_TYPE_ORDER
from app.permissions import can
from app.services.lookups import current_province
from app.web import registry, render

bp = Blueprint("home", __name__)


def province_required():
    """The province this request works in, or a redirect for a superadmin who has none picked."""
    province = current_province()
    if province is None:
        return None, redirect(url_for("admin.provinces"))
    return province, None


def enabled_schemes(province: Province):
    return [s for s in registry().schemes.values() if province.uses_scheme(s)]


@bp.route("/")
@login_required
def index():
    province = current_province()
    if province is None:
        return redirect(url_for("admin.provinces"))
    if can(current_user, "units.own_only"):
        return redirect(url_for("entry.index"))  # a unit's home is its open assessments
    periods = db.session.scalars(
        select(Period).where(Period.state == "open").order_by(Period.deadline)).all()
    counts = dict(db.session.execute(
        select(Unit.type, func.count()).where(Unit.valid_to.is_(None)).group_by(Unit.type)).all())
    unit_counts = [(t, counts[t]) for t in UNIT_TYPE_ORDER if t in counts]
    return render("home/index.html", province=province, periods=periods,
                  schemes=enabled_schemes(province), unit_counts=unit_counts, today=clock.today(),
                  user=current_user)
