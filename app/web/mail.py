"""E-mail pages: each user's choice of mail per kind, and the province admin's outbox."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMail
from app.models.mail import OUTBOX_STATES
from app.permissions import require
from app.services import outbox
from app.services.notifications import KINDS
from app.web import render
from app.web.home import province_required

bp = Blueprint("mail", __name__)
OUTBOX_LIMIT = 200


@bp.route("/account/mail", methods=["GET", "POST"])
@login_required
@require("province.view")
def preferences():
    _province, redirect_ = province_required()
    if redirect_:
        return redirect_
    if request.method == "POST":
        chosen = {kind: request.form.get(kind, "now") for kind in outbox.MAIL_KINDS}
        wrong = [KINDS[kind] for kind, mode in chosen.items() if mode not in outbox.MODES]
        if wrong:
            flash("Lựa chọn không hợp lệ ở: " + ", ".join(wrong) + ".", "error")
            return redirect(url_for("mail.preferences"))
        outbox.set_modes(current_user, chosen)
        db.session.commit()
        flash("Đã lưu lựa chọn thư thông báo.", "success")
        return redirect(url_for("mail.preferences"))
    return render("account/mail.html", kinds=[(k, KINDS[k]) for k in outbox.MAIL_KINDS],
                  modes=outbox.MODES, chosen=outbox.modes_of(current_user.id))


@bp.route("/admin/outbox")
@login_required
@require("mail.outbox")
def outbox_list():
    """The province's mail (tenant scoped like every query), newest first, by state."""
    _province, redirect_ = province_required()
    if redirect_:
        return redirect_
    state = request.args.get("state") or ""
    query = select(OutboxMail)
    if state in OUTBOX_STATES:
        query = query.where(OutboxMail.state == state)
    items = db.session.scalars(query.order_by(OutboxMail.id.desc()).limit(OUTBOX_LIMIT)).all()
    counts = dict(db.session.execute(select(OutboxMail.state, func.count())
                                     .group_by(OutboxMail.state)).all())
    return render("admin/outbox.html", items=items, counts=counts, state=state,
                  states=OUTBOX_STATES, configured=bool(current_app.config.get("MAIL_SERVER")))
