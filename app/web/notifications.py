"""The bell: the unread count on every page, the list of one's notifications, marking read."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, has_request_context, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select, update

from app import tenancy
from app.extensions import db
from app.models import Notification
from app.permissions import require
from app.services.notifications import KINDS, unread_count
from app.tenancy import get_or_404
from app.web import render
from app.web.home import province_required
from app.web.ids import form_id

bp = Blueprint("notifications", __name__)
LIST_LIMIT = 200


# In the request's WSGI environ (one request's, where flask.g can outlive it inside an app
# context held open): (user id, province id, unread count), read with the user
# (app.services.notifications.unread_column).
PRELOADED = "chiso.bell_unread"


@bp.app_template_global()
def bell_unread() -> int:
    """Every page's header shows the unread count; none outside a province (superadmin). A
    function the bell calls, not a context processor: htmx fragments have no bell, so they
    do not count. A page request has the count already, read with the user."""
    province_id = tenancy.current_province_id()
    if not getattr(current_user, "is_authenticated", False) or province_id is None:
        return 0
    preloaded = request.environ.get(PRELOADED)
    if preloaded is not None and preloaded[:2] == (current_user.id, province_id):
        return preloaded[2]
    return unread_count(current_user)


def wants_bell() -> bool:
    """Whether this request draws a whole page and changes no notification: a GET, not an htmx
    fragment, not the API. Only then is the count read with the user: a POST may notify or
    mark read after the user was loaded, and a fragment shows no bell."""
    if not has_request_context():
        return False
    headers = request.headers
    fragment = headers.get("HX-Request") and not headers.get("HX-Boosted") \
        and not headers.get("HX-History-Restore-Request")
    return request.method == "GET" and not fragment and not request.path.startswith("/api/")


def remember_unread(user, count: int | None) -> None:
    if count is not None and user.province_id is not None:
        request.environ[PRELOADED] = (user.id, user.province_id, count)


@bp.route("/notifications")
@login_required
@require("province.view")
def index():
    _province, redirect_ = province_required()
    if redirect_:
        return redirect_
    mine = select(Notification).where(Notification.user_id == current_user.id)
    items = db.session.scalars(mine.order_by(Notification.created_at.desc(), Notification.id.desc())
                               .limit(LIST_LIMIT)).all()
    total = db.session.scalar(select(func.count()).select_from(mine.subquery()))
    return render("notifications/index.html", items=items, total=total, KINDS=KINDS,
                  unread=unread_count(current_user))


@bp.route("/notifications/read", methods=["POST"])
@login_required
@require("province.view")
def mark_read():
    """One notification (``id``; ``go`` follows its link) or, without ``id``, all of them."""
    _province, redirect_ = province_required()
    if redirect_:
        return redirect_
    now = datetime.utcnow()
    notification_id = form_id(request.form, "id") or None
    if notification_id is None:
        db.session.execute(update(Notification).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None))
            .values(read_at=now))
        db.session.commit()
        return redirect(url_for("notifications.index"))
    notification = get_or_404(Notification, id=notification_id, user_id=current_user.id)
    notification.read_at = notification.read_at or now
    db.session.commit()
    if request.form.get("go") and _own_path(notification.link):
        return redirect(notification.link)
    return redirect(url_for("notifications.index"))


def _own_path(link: str | None) -> bool:
    """Only a path of this site: a stored link never sends anyone elsewhere."""
    return bool(link) and link.startswith("/") and not link.startswith("//")
