"""Rankings of a scheme's period by group of units; publishing and withdrawing the results."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.models import Period, Publication
from app.permissions import can, require
from app.services import publication as pub
from app.services import rankings as svc
from app.web import registry, render
from app.web.home import enabled_schemes, province_required
from app.web.ownership import scheme_and_period

bp = Blueprint("rankings", __name__)


@bp.route("/rankings")
@login_required
@require("results.view")
def index():
    """Every period of the province's scored schemes, with whether its results are published."""
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    schemes = {s.code: s for s in enabled_schemes(province) if s.kind == "points"}
    periods = db.session.scalars(select(Period).where(Period.scheme_code.in_(list(schemes)))
                                 .order_by(Period.scheme_code, Period.code.desc())).all()
    published = set(db.session.scalars(select(Publication.period_id).where(
        Publication.published_at.is_not(None), Publication.withdrawn_at.is_(None))))
    return render("rankings/index.html", schemes=schemes, periods=periods, published=published,
                  early=can(current_user, "results.early"))


@bp.route("/rankings/<scheme_code>/<period_code>")
@login_required
@require("results.view")
def show(scheme_code, period_code):
    scheme, period = scheme_and_period(scheme_code, period_code)
    ranking = svc.ranking(registry(), scheme, period, leaves=False)
    visible = svc.may_see(current_user, ranking)
    waiting = pub.unappraised(period) if can(current_user, "results.publish") else []
    return render("rankings/show.html", scheme=scheme, period=period, ranking=ranking,
                  visible=visible, waiting=waiting, mine=current_user.unit_id,
                  errors=None, reason="")


@bp.route("/rankings/<scheme_code>/<period_code>/publish", methods=["POST"])
@login_required
@require("results.publish")
def publish(scheme_code, period_code):
    scheme, period = scheme_and_period(scheme_code, period_code)
    back = url_for("rankings.show", scheme_code=scheme.code, period_code=period.code)
    if request.form.get("confirm") != "1":
        flash("Hãy đánh dấu ô xác nhận trước khi công bố.", "error")
        return redirect(back)
    try:
        pub.publish(scheme, period, current_user)
    except pub.PublicationError as exc:
        flash(str(exc), "error")
        return redirect(back), 303
    flash(f"Đã công bố kết quả {period.label}. Điểm của kỳ này nay chỉ còn để xem; các đơn vị "
          "đã được thông báo.", "success")
    return redirect(back)


@bp.route("/rankings/<scheme_code>/<period_code>/unpublish", methods=["POST"])
@login_required
@require("results.publish")
def unpublish(scheme_code, period_code):
    scheme, period = scheme_and_period(scheme_code, period_code)
    reason = (request.form.get("reason") or "").strip()
    try:
        pub.unpublish(scheme, period, current_user, reason)
    except pub.ReasonRequired as exc:
        ranking = svc.ranking(registry(), scheme, period, leaves=False)
        return render("rankings/show.html", scheme=scheme, period=period, ranking=ranking,
                      visible=True, waiting=[], mine=current_user.unit_id,
                      errors={"reason": str(exc)}, reason=reason), 422
    except pub.PublicationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("rankings.show", scheme_code=scheme.code,
                                period_code=period.code)), 303
    flash(f"Đã hủy công bố kết quả {period.label}. Lý do đã được ghi vào nhật ký.", "success")
    return redirect(url_for("rankings.show", scheme_code=scheme.code, period_code=period.code))
