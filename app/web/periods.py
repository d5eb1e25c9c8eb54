"""Reporting periods: open, lock, change a deadline."""
from __future__ import annotations


from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required
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
    """htmx: the calendar deadline of the period being typed, and whether it has passed."""
    try:
        due = calendar_deadline(registry(), request.args.get("scheme", ""),
                                request.args.get("code", ""))
    except PeriodError as exc:
        return f'<p class="error">{exc}</p>'
    if due < clock.today():
        return (f'<p class="hint">Hạn theo lịch là {due:%d/%m/%Y}, đã qua. Kỳ sẽ nhận hạn mới '
                f'bạn chọn dưới đây, hoặc 30 ngày kể từ hôm nay nếu để trống.</p>')
    return f'<p class="hint">Hạn nộp theo lịch của tỉnh: <strong>{due:%d/%m/%Y}</strong>.</p>'


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
