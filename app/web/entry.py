"""Unit data entry: the assessment form, row-by-row htmx saves, the pre-submission check.
The form's context is app.web.entry_page, the lookups the views share app.web.assessment_lookups."""
from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_blocks
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import Period
from app.permissions import can, require
from app.services import assessments as svc
from app.services.assessment_list import answer_columns, answered_progress, assessments_of
from app.services.communes import participants
from app.services.period_units import assessed_in, units_of_period
from app.services.rankings import current_publication
from app.web import render
from app.web.assessment_lookups import assessment_context, today, visible_rows
from app.web.communes import entry_notices
from app.web.entry_page import PAGE, leaf_codes, page_context, row_response
from app.web.form_rows import keep_stored_details
from app.web.home import enabled_schemes, province_required


bp = Blueprint("entry", __name__)


# -- pages ----------------------------------------------------------------------------------
@bp.route("/assessments")
@login_required
@require("province.view")
def index():
    """The user's open assessments with deadline, days left and progress."""
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    open_periods = db.session.scalars(select(Period).where(Period.state == "open")
                                      .order_by(Period.deadline)).all()
    schemes = {s.code: s for s in enabled_schemes(province)}
    items, published = [], []
    for period in open_periods:
        scheme = schemes.get(period.scheme_code)
        if scheme is None:
            continue
        pairs = _units_for(scheme, period)
        found = assessments_of(period, [unit for unit, _writer in pairs])
        answers = answer_columns(found.values())
        for unit, writer in pairs:
            assessment = found.get(unit.id)
            rows = svc.visible_rows(scheme, period, writer)
            if not rows:
                continue
            if assessment is not None and assessment.state == "published":
                # Results out: nothing left to do, listed apart from the open ones.
                published.append({"scheme": scheme, "period": period, "unit": unit})
                continue
            state = answered_progress(rows, answers.get(getattr(assessment, "id", None), {}))
            items.append({"scheme": scheme, "period": period, "unit": unit,
                          "assessment": assessment, "progress": state,
                          "days_left": period.days_left(today())})
    for notice in entry_notices(open_periods, schemes):  # links to the commune pages
        flash(notice, "info")
    return render("entry/index.html", items=items[:300], total=len(items), province=province,
                  published=published[:300])


def _units_for(scheme, period):
    """(assessed unit, writing agency) pairs the current user fills for a scheme."""
    if can(current_user, "units.own_only") and current_user.unit is not None:
        unit = svc.assessed_unit(scheme, current_user.unit)
        if unit is None or not assessed_in(unit, period):
            return []  # a district closed in 2025 has no form in a 2026 period
        return [(unit, current_user.unit if unit.id != current_user.unit.id else None)]
    if can(current_user, "entry.any_unit") and scheme.is_commune_target_scheme:
        # Only the communes marked as taking part that year, not all 173 of the province.
        return [(u, None) for u in participants(scheme, period.ident.year)]
    if can(current_user, "entry.any_unit"):
        return [(u, None) for u in units_of_period(scheme, period)]
    return []


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>")
@login_required
@require("province.view")
def form(scheme_code, period_code, unit_code):
    scheme, period, unit, assessment, writer = assessment_context(scheme_code, period_code,
                                                                  unit_code)
    return render(PAGE, **page_context(scheme, period, unit, assessment, writer))


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>/rows/<code>", methods=["POST"])
@login_required
@require("entry.own_unit")
def save_row(scheme_code, period_code, unit_code, code):
    """htmx: save one row; answer the row plus out-of-band totals and progress."""
    scheme, period, unit, assessment, writer = assessment_context(scheme_code, period_code,
                                                                  unit_code, create=True)
    row = scheme.by_code.get(code)
    if row is None or writer is False or row not in visible_rows(scheme, period, writer):
        abort(404)
    form_data = keep_stored_details(_row_form(code), svc.answers_by_code(assessment).get(code))
    status, errors, conflicts, saved = 200, {}, {}, {}
    # Read once: whether the save may write (a draft in a published period may not) and the
    # totals drawn after it.
    publication = current_publication(period)
    try:
        svc.save_row(assessment, row, form_data, current_user, today(), period,
                     published=publication is not None)
        saved[code] = datetime.utcnow()
    except svc.RowErrors as exc:
        status, errors = 422, {code: exc.errors}
    except svc.Conflict as exc:
        status, conflicts = 409, {code: exc.answer}
    except svc.EntryError as exc:
        status, errors = 409, {code: {"_": str(exc)}}
    if not request.headers.get("HX-Request"):
        if status == 200:
            flash(f"Đã lưu chỉ tiêu {code}.", "success")
            return redirect(url_for("entry.form", scheme_code=scheme.code,
                                    period_code=period.code, unit_code=unit.code) + f"#row-{code}")
    try:
        return row_response(scheme, period, unit, assessment, writer, row, status, errors=errors,
                            typed={code: form_data} if status != 200 else {},
                            conflicts=conflicts, saved=saved, publication=publication)
    except SQLAlchemyError:
        if not saved:
            raise
        return _saved_not_redrawn(code)


def _saved_not_redrawn(code: str):
    """The row was committed, then the database went away before the row could be drawn again:
    say it was saved (never "not saved"), keep the typed values on the page (no swap)."""
    from app.web.errors import rollback_quietly
    rollback_quietly()
    text = (f"Đã lưu chỉ tiêu {code}. Điểm và tiến độ chưa cập nhật được vì cơ sở dữ liệu đang "
            "gián đoạn; hãy tải lại trang sau ít phút.")
    return make_response(text, 200, {
        "Content-Type": "text/plain; charset=utf-8", "HX-Reswap": "none",
        "HX-Trigger": json.dumps({"chiso:saved-not-redrawn": text})})


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>/rows/<code>")
@login_required
@require("province.view")
def row_details(scheme_code, period_code, unit_code, code):
    """A row's details (explanation, last period, evidence panel, history): the htmx fragment a
    row loads when its «Chi tiết» opens; without JavaScript, the form with that row drawn whole."""
    scheme, period, unit, assessment, writer = assessment_context(scheme_code, period_code,
                                                                  unit_code)
    row = scheme.by_code.get(code)
    if row is None or row not in visible_rows(scheme, period, writer):
        abort(404)
    if not request.headers.get("HX-Request"):
        return render(PAGE, **page_context(scheme, period, unit, assessment, writer,
                                           open_details={code}))
    context = page_context(scheme, period, unit, assessment, writer, only_row=row,
                           open_details={code})
    return render_blocks(PAGE, ["row_details"], r=row, **context)


def _row_form(code: str) -> dict:
    """The fields of one row, posted as <code>__<field> (so a whole section can post at once)."""
    prefix = f"{code}__"
    return {k[len(prefix):]: v for k, v in request.form.items() if k.startswith(prefix)}


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>/sections/<main_code>",
          methods=["POST"])
@login_required
@require("entry.own_unit")
def save_section(scheme_code, period_code, unit_code, main_code):
    """Without JavaScript: a whole section posted at once; each row saved or reported."""
    scheme, period, unit, assessment, writer = assessment_context(scheme_code, period_code,
                                                                  unit_code, create=True)
    main = scheme.by_code.get(main_code)
    if main is None or writer is False:
        abort(404)
    rows = [r for r in visible_rows(scheme, period, writer) if r.code in leaf_codes(main)]
    errors, typed, conflicts = {}, {}, {}
    answers = svc.answers_by_code(assessment)
    for row in rows:
        data = keep_stored_details(_row_form(row.code), answers.get(row.code))
        if not data:
            continue
        try:
            svc.save_row(assessment, row, data, current_user, today(), period)
        except svc.RowErrors as exc:
            errors[row.code], typed[row.code] = exc.errors, data
        except svc.Conflict as exc:
            conflicts[row.code], typed[row.code] = exc.answer, data
        except svc.EntryError as exc:
            errors[row.code] = {"_": str(exc)}
            break
    if errors or conflicts:
        return render(PAGE, **page_context(scheme, period, unit, assessment, writer, errors,
                                           typed, conflicts)), 422
    flash(f"Đã lưu mục {main.code}. {main.title}.", "success")
    return redirect(url_for("entry.form", scheme_code=scheme.code, period_code=period.code,
                            unit_code=unit.code) + f"#main-{main.code}")


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>/check")
@login_required
@require("entry.own_unit")
def check(scheme_code, period_code, unit_code):
    """Kiểm tra trước khi nộp: what is missing, with links to the rows."""
    scheme, period, unit, assessment, writer = assessment_context(scheme_code, period_code,
                                                                  unit_code)
    context = page_context(scheme, period, unit, assessment, writer, summaries=False)
    return render("entry/check.html", **context)


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>/submit", methods=["POST"])
@login_required
@require("entry.own_unit")
def submit(scheme_code, period_code, unit_code):
    scheme, period, unit, assessment, writer = assessment_context(scheme_code, period_code,
                                                                  unit_code, create=True)
    if writer is False:
        abort(404)
    if not svc.may_submit(writer):
        flash(f"Chưa nộp được: {svc.SHARED_SUBMIT}", "error")
        return redirect(url_for("entry.check", scheme_code=scheme.code, period_code=period.code,
                                unit_code=unit.code)), 303
    if request.form.get("confirm") != "1":
        flash("Hãy đánh dấu ô xác nhận trước khi nộp.", "error")
        return redirect(url_for("entry.check", scheme_code=scheme.code, period_code=period.code,
                                unit_code=unit.code))
    try:
        svc.submit(assessment, svc.visible_rows(scheme, period), current_user, today())
    except svc.EntryError as exc:
        flash(f"Chưa nộp được: {exc}", "error")
        return redirect(url_for("entry.check", scheme_code=scheme.code, period_code=period.code,
                                unit_code=unit.code)), 303
    flash("Đã nộp hồ sơ. Hồ sơ chuyển sang chờ thẩm định.", "success")
    return redirect(url_for("entry.form", scheme_code=scheme.code, period_code=period.code,
                            unit_code=unit.code))


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>/withdraw", methods=["POST"])
@login_required
@require("entry.own_unit")
def withdraw(scheme_code, period_code, unit_code):
    scheme, period, unit, assessment, writer = assessment_context(scheme_code, period_code,
                                                                  unit_code)
    if assessment is None or writer is False:
        abort(404)
    try:
        if not svc.may_submit(writer):
            raise svc.EntryError(svc.SHARED_SUBMIT)
        svc.withdraw(assessment, current_user)
        flash("Đã rút hồ sơ về để sửa. Nhớ nộp lại trước hạn.", "success")
    except svc.EntryError as exc:
        flash(str(exc), "error")
    return redirect(url_for("entry.form", scheme_code=scheme.code, period_code=period.code,
                            unit_code=unit.code))
