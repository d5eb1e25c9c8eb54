"""Reporting periods: open, lock, change a deadline."""
from __future__ import annotations


from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required
from jinja2_fragments.flask import render_block
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Period
from app.permissions import require
from app.services.periods import (PeriodError, calendar_deadline, open_period,
                                  replaced_deadline_note)
from app.tenancy import get_or_404
from app.web import registry, render
from app.web.forms import DeadlineForm, PeriodForm
from app.web.home import enabled_schemes, province_required

bp = Blueprint("periods", __name__)


@bp.route("/periods", methods=["GET", "POST"])
@login_required
@require("province.view")
def index():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    schemes = enabled_schemes(province)
    form = PeriodForm()
    form.scheme.choices = [(s.code, f"{s.title} ({s.code})") for s in schemes]
    if request.method == "POST":
        from flask import abort
        from flask_login import current_user
        from app.permissions import can
        if not can(current_user, "periods.manage"):
            abort(403)
        if form.validate_on_submit():
            try:
                period, created = open_period(registry(), form.scheme.data, form.code.data,
                                              clock.today(), form.deadline.data)
            except PeriodError as exc:
                getattr(form, exc.field).errors.append(str(exc))
            else:
                db.session.commit()
                verb = "Đã mở" if created else "Đã mở lại"
                note = replaced_deadline_note(registry(), period, clock.today())
                flash(f"{verb} kỳ {period.label} của {period.scheme_code}, "
                      f"{note or f'hạn nộp {period.deadline:%d/%m/%Y}'}.", "success")
                return redirect(url_for("periods.index"))
    rows = db.session.scalars(select(Period).order_by(Period.scheme_code, Period.code.desc())).all()
    calendars = {s.code: registry().calendar(s) for s in schemes}
    return render("periods/index.html", province=province, periods=rows, form=form,
                  calendars=calendars, today=clock.today()), \
        (422 if request.method == "POST" else 200)


@bp.route("/periods/deadline-preview")
@login_required
@require("periods.manage")
def deadline_preview():
    """htmx: the calendar deadline of the period being typed, and whether it has passed (a
    block of the periods page, so what the person typed is escaped like everywhere else)."""
    try:
        due, error = calendar_deadline(registry(), request.args.get("scheme", ""),
                                       request.args.get("code", "")), None
    except PeriodError as exc:
        due, error = None, str(exc)
    return render_block("periods/index.html", "deadline_preview", due=due, preview_error=error,
                        today=clock.today())


@bp.route("/periods/<int:period_id>/state", methods=["POST"])
@login_required
@require("periods.manage")
def set_state(period_id):
    period = get_or_404(Period, id=period_id)
    period.state = "locked" if request.form.get("state") == "locked" else "open"
    db.session.commit()
    flash(f"Kỳ {period.label} ({period.scheme_code}) đã "
          f"{'khóa' if period.state == 'locked' else 'mở lại'}.", "success")
    return redirect(url_for("periods.index"))


@bp.route("/periods/<int:period_id>/deadline", methods=["GET", "POST"])
@login_required
@require("periods.manage")
def change_deadline(period_id):
    period = get_or_404(Period, id=period_id)
    form = DeadlineForm(obj=period)
    if form.validate_on_submit():
        period.deadline = form.deadline.data
        db.session.commit()
        flash(f"Hạn nộp kỳ {period.label} đổi thành {period.deadline:%d/%m/%Y}.", "success")
        return redirect(url_for("periods.index"))
    return render("periods/deadline.html", form=form, period=period), \
        (422 if request.method == "POST" else 200)
