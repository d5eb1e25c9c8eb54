"""The province admin re-opens an assessment locked by its deadline, for a reason, until a date."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.permissions import require
from app.services import audit
from app.services.numbers import parse_date
from app.web import render
from app.web.assessment_lookups import assessment_context, today

bp = Blueprint("reopen", __name__)
DEFAULT_DAYS = 7


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>/reopen", methods=["GET", "POST"])
@login_required
@require("periods.manage")
def reopen(scheme_code, period_code, unit_code):
    scheme, period, unit, assessment, _writer = assessment_context(scheme_code, period_code,
                                                                   unit_code, create=True)
    errors = {}
    reason = (request.form.get("reason") or "").strip()
    until_text = request.form.get("until") or (today() + timedelta(days=DEFAULT_DAYS)).isoformat()
    if request.method == "POST":
        try:
            until = parse_date(until_text.strip())
        except ValueError:
            until = None
            errors["until"] = ("Cho phép sửa đến hết ngày: ngày không hợp lệ, dùng dạng "
                               "31/12/2022.")
        if until is not None and until < today():
            errors["until"] = "Cho phép sửa đến hết ngày: phải từ hôm nay trở đi."
        if not reason:
            errors["reason"] = "Vui lòng ghi lý do mở lại (được lưu vào nhật ký)."
        if not errors:
            old = assessment.reopened_until
            assessment.reopened_until = datetime.combine(until, time.max)
            audit.record("assessment.reopen", assessment=assessment, field="reopened_until",
                         old=old.date() if old else None, new=until, reason=reason,
                         user=current_user)
            db.session.commit()
            flash(f"Đã mở lại hồ sơ của {unit.name} đến hết ngày {until:%d/%m/%Y}.", "success")
            return redirect(url_for("entry.form", scheme_code=scheme.code, period_code=period.code,
                                    unit_code=unit.code))
    return render("entry/reopen.html", scheme=scheme, period=period, unit=unit, errors=errors,
                  reason=reason, until=until_text), (422 if errors else 200)
