"""Reporting periods: open, lock, change a deadline."""
from __future__ import annotations


from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Period
from app.permissions import require
from app.services import period_actions
from app.services.lookups import current_province
from app.services.periods import (PeriodError, calendar_deadline, open_period,
                                  replaced_deadline_note)
from app.tenancy import get_or_404
from app.web import registry, render
from app.web.labels import short_title
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
    form.scheme.choices = [(s.code, f"{short_title(s.title)} ({s.code})") for s in schemes]
    if request.method == "POST":
        from flask import abort
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
                name = period_actions.scheme_label(registry().schemes.get(period.scheme_code),
                                                   period)
                note = replaced_deadline_note(registry(), period, clock.today())
                flash(f"{verb} {name}, {note or f'hạn nộp {period.deadline:%d/%m/%Y}'}.",
                      "success")
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
                                       request.args.get("code", ""), current_province()), None
    except PeriodError as exc:
        due, error = None, str(exc)
    return render_block("periods/index.html", "deadline_preview", due=due, preview_error=error,
                        today=clock.today())


@bp.route("/periods/<int:period_id>/state", methods=["POST"])
@login_required
@require("periods.manage")
def set_state(period_id):
    period = get_or_404(Period, id=period_id)
    scheme = registry().schemes.get(period.scheme_code)
    state = "locked" if request.form.get("state") == "locked" else "open"
    told = period_actions.set_state(scheme, period, state, current_user)
    db.session.commit()
    flash(f"Đã {'khóa' if period.state == 'locked' else 'mở lại'} "
          f"{period_actions.scheme_label(scheme, period)}; đã báo cho {told} đơn vị.", "success")
    return redirect(url_for("periods.index"))


@bp.route("/periods/<int:period_id>/deadline", methods=["GET", "POST"])
@login_required
@require("periods.manage")
def change_deadline(period_id):
    period = get_or_404(Period, id=period_id)
    scheme = registry().schemes.get(period.scheme_code)
    form = DeadlineForm(obj=period)
    today = clock.today()
    past = form.deadline.data is not None and form.deadline.data < today
    if form.validate_on_submit() and past and not form.past_ok.data:
        # A date already gone makes every unfinished unit late at once: say so and ask again.
        form.deadline.errors.append(
            f"Hạn nộp: ngày {form.deadline.data:%d/%m/%Y} đã qua, mọi đơn vị chưa nộp sẽ thành "
            "trễ hạn ngay. Đánh dấu «Tôi hiểu hạn này đã qua» để vẫn lưu.")
    elif form.validate_on_submit():
        told = period_actions.change_deadline(scheme, period, form.deadline.data, current_user)
        db.session.commit()
        flash(f"Hạn nộp {period_actions.scheme_label(scheme, period)} đổi thành "
              f"{period.deadline:%d/%m/%Y}; đã báo cho {told} đơn vị.", "success")
        return redirect(url_for("periods.index"))
    return render("periods/deadline.html", form=form, period=period, past=past,
                  name=period_actions.scheme_label(scheme, period)), \
        (422 if request.method == "POST" else 200)
