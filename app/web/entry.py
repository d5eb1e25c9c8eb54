"""Unit data entry: the assessment form, row-by-row htmx saves, the pre-submission check."""
from __future__ import annotations

import json
from datetime import date, datetime
from numbers import Number

from flask import (Blueprint, abort, current_app, flash, make_response, redirect, request,
                   url_for)
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_blocks
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app import clock, scoring
from app.catalogue.model import Scheme
from app.extensions import db
from app.models import OfficeAssignment, Period, Unit
from app.models.assessment import STATE_LABELS
from app.permissions import can, require
from app.services import appraisal
from app.services import assessments as svc
from app.services.communes import participants
from app.web import _number, registry, render
from app.web.communes import entry_notices
from app.web.home import enabled_schemes, province_required
from app.web.form_rows import (fraction_hints, keep_stored_details, parent_heads,
                               read_only_summary)
from app.web.ownership import scheme_and_period, scheme_or_404

bp = Blueprint("entry", __name__)
PAGE = "entry/form.html"


def today() -> date:
    return clock.today()


# -- lookups shared by the views ------------------------------------------------------------
def _context(scheme_code: str, period_code: str, unit_code: str, create: bool = False):
    """Scheme, period, unit and assessment of the URL, checked against the user's rights."""
    scheme, period = scheme_and_period(scheme_code, period_code)
    unit = unit_in_period(unit_code, period)
    if unit is None:
        abort(404)
    writer = _writer_for(scheme, unit)
    assessment = svc.get_assessment(scheme, period, unit, create=create and writer is not False)
    return scheme, period, unit, assessment, writer


def unit_in_period(code: str, period: Period) -> Unit | None:
    """The unit with this code that existed during the period: codes are reused after mergers."""
    ident = period.ident
    return db.session.scalars(
        select(Unit).where(Unit.code == code,
                           (Unit.valid_from.is_(None)) | (Unit.valid_from <= ident.end),
                           (Unit.valid_to.is_(None)) | (Unit.valid_to >= ident.start))
        .order_by(Unit.valid_from.desc())).first()


def _writer_for(scheme: Scheme, unit: Unit):
    """The unit whose rows the user writes (None: all rows); False when they may only read."""
    if can(current_user, "entry.any_unit"):
        return None
    if can(current_user, "units.own_only") and current_user.unit is not None:
        if svc.assessed_unit(scheme, current_user.unit) == unit:
            return current_user.unit if current_user.unit.id != unit.id else None
    if can(current_user, "assessment.read_any"):
        return False
    abort(404)  # another unit's assessment is not there for a unit user or a viewer


def _rows(scheme, period, writer):
    return svc.visible_rows(scheme, period, writer or None)


def _page_context(scheme, period, unit, assessment, writer, errors=None, typed=None,
                  conflicts=None, saved=None, evidence_errors=None, evidence_typed=None,
                  only_row=None, open_details=()):
    """What entry/form.html needs; with ``only_row``, the history of that row alone (enough for
    an htmx answer, which draws that row and the totals). ``open_details``: the codes of the
    rows drawn whole (the others show their summary and load their details on demand)."""
    rows = _rows(scheme, period, writer)
    answers = svc.answers_by_code(assessment)
    evidence = svc.evidence_by_code(assessment)
    section_rows = _sections(scheme, rows)
    blocked = svc.edit_block(assessment, period, today()) if writer is not False \
        else "Bạn chỉ được xem hồ sơ này."
    base = {"scheme_code": scheme.code, "period_code": period.code, "unit_code": unit.code}
    progress = svc.progress(rows, answers, evidence)
    context = {
        "scheme": scheme, "period": period, "unit": unit, "assessment": assessment,
        "base": base, "row_url": _row_urls(base),
        "rows": rows, "mains": [m for m in scheme.main if m.code in section_rows],
        "answers": answers, "evidence": evidence,
        "progress": progress, "missing_codes": {code for code, _ in progress.missing},
        "open_details": set(open_details), "fraction_hints": fraction_hints,
        "read_only_summary": read_only_summary(assessment),
        "totals": _totals(scheme, period, unit, assessment, answers),
        "blocked": blocked,
        "errors": errors or {}, "typed": typed or {}, "conflicts": conflicts or {},
        "saved": saved or {}, "today": today(), "STATE_LABELS": STATE_LABELS,
        "evidence_errors": evidence_errors or {}, "evidence_typed": evidence_typed or {},
        "max_upload_mb": current_app.config["MAX_UPLOAD_MB"],
        "section_rows": section_rows, "parent_heads": parent_heads(scheme, rows),
        "share_of": share_of,
        "met": scoring.met, "val": _field_value, "no_errors": _NO_ERRORS,
        "offices": _office_assignments(scheme, unit),
        "may_submit": svc.may_submit(writer), "SHARED_SUBMIT": svc.SHARED_SUBMIT,
        # Appraisal: questions and replies, history, the rows a returned assessment re-opens.
        **appraisal.unit_form_context(assessment, period, today(), blocked, writer is False,
                                      svc.visible_rows(scheme, period),
                                      only_row.code if only_row else None),
    }
    # Last period's answers show only in rows drawn whole: no query for a light page.
    whole = context["open_details"] or context["errors"] or context["conflicts"] \
        or context.get("questions_by_code")
    context["previous"] = _previous(scheme, period, unit) if whole else {}
    return context


class _NoErrors(dict):
    """The errors of a row that has none. The form asks for each field's error several times
    per row, and on a plain empty dict each such lookup costs Jinja two exceptions (no such
    attribute, no such key): answering None at once saves a twentieth of the page's rendering."""

    def __getattr__(self, name):
        return None


_NO_ERRORS = _NoErrors()


def _field_value(answer, typed: dict | None, name: str):
    """An input's value: what the user typed (kept after an error), else the stored value.
    A function, not a macro: it runs several times on every row of the form."""
    if typed:
        return typed.get(name, "")
    stored = getattr(answer, name) if answer else None
    if stored is None:
        return ""
    return _number(stored, 4) if isinstance(stored, Number) else stored


def _row_urls(base: dict):
    """(endpoint, code) → url_for(endpoint, code=code, **base). The form needs a few URLs per
    row and url_for costs a routing build each: build each endpoint's URL once with a
    placeholder code, then put in each row's code, quoted as the URL map quotes it."""
    quote = current_app.url_map.converters["default"](current_app.url_map).to_url
    placeholder = "\x00"  # in no row code; in the URL as %00
    patterns = {}

    def row_url(endpoint: str, code: str) -> str:
        if endpoint not in patterns:
            patterns[endpoint] = url_for(endpoint, code=placeholder, **base)
        return patterns[endpoint].replace(quote(placeholder), quote(code))
    return row_url


def _office_assignments(scheme, unit) -> dict:
    """The unit's own split of indicators between its offices: code → OfficeAssignment."""
    rows = db.session.scalars(select(OfficeAssignment).where(
        OfficeAssignment.unit_id == unit.id, OfficeAssignment.scheme_code == scheme.code))
    return {row.code: row for row in rows}


def _totals(scheme, period, unit, assessment, answers):
    """Scores as the ranking counts them, with every registered method; rows that compare
    units need the whole group, others only the unit's own answers."""
    methods = registry().scoring_methods
    if scoring.compared_rows(scheme, methods):
        from app.services.rankings import unit_totals
        return unit_totals(registry(), scheme, period, assessment)
    return svc.scores(scheme, answers, methods, unit.type)


def _sections(scheme, rows) -> dict:
    """Main index code → its rows the user sees, in order; main indices with none left out."""
    sections = {}
    for main in scheme.main:
        leaves = _leaf_codes(main)  # once per main: it walks the whole subtree
        shown = [r for r in rows if r.code in leaves]
        if shown:
            sections[main.code] = shown
    return sections


def _leaf_codes(row) -> set[str]:
    return {row.code} if row.is_leaf else set().union(*(_leaf_codes(c) for c in row.children))


def _previous(scheme, period, unit) -> dict:
    """Last period's answers of the same unit in the scheme's family (any version), for
    comparison; ``maxima`` holds the earlier maximum of each row whose maximum has changed
    since (the form then compares in percent of the maximum)."""
    from app.models import Answer, Assessment
    from app.services.rankings import family_codes, scheme_of_record
    earlier = db.session.scalars(
        select(Assessment).join(Period, Assessment.period_id == Period.id)
        .where(Assessment.unit_id == unit.id, Period.type == period.type,
               Period.code < period.code,
               Assessment.scheme_code.in_(family_codes(registry(), scheme)))
        .order_by(Period.code.desc())).first()
    if earlier is None:
        return {}
    # Only the three numbers shown beside each row: plain rows, not Answer objects.
    shown = db.session.execute(select(Answer.code, Answer.value, Answer.self_score,
                                      Answer.appraised_score)
                               .where(Answer.assessment_id == earlier.id))
    then = registry().schemes.get(earlier.scheme_code)
    then = scheme_of_record(registry(), then, earlier.period) if then is not None else scheme
    maxima = {row.code: row.max_points for row in then.rows if row.code in scheme.by_code
              and row.max_points and row.max_points != scheme.by_code[row.code].max_points}
    return {"period": earlier.period, "answers": {row.code: row for row in shown},
            "maxima": maxima}


def share_of(score, top):
    """A score in percent of its maximum (comparing rows whose maximum changed)."""
    return None if score is None or not top else score / top * 100


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
        for unit, writer in _units_for(scheme, period):
            assessment = svc.get_assessment(scheme, period, unit)
            rows = svc.visible_rows(scheme, period, writer)
            if not rows:
                continue
            if assessment is not None and assessment.state == "published":
                # Results out: nothing left to do, listed apart from the open ones.
                published.append({"scheme": scheme, "period": period, "unit": unit})
                continue
            state = svc.progress(rows, svc.answers_by_code(assessment), svc.evidence_by_code(assessment))
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
        if unit is None:
            return []
        return [(unit, current_user.unit if unit.id != current_user.unit.id else None)]
    if can(current_user, "entry.any_unit") and scheme.is_commune_target_scheme:
        # Only the communes marked as taking part that year, not all 173 of the province.
        return [(u, None) for u in participants(scheme, period.ident.year)]
    if can(current_user, "entry.any_unit"):
        units = db.session.scalars(select(Unit).where(Unit.type.in_(scheme.unit_types),
                                                      Unit.valid_to.is_(None))
                                   .order_by(Unit.name)).all()
        return [(u, None) for u in units]
    return []


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>")
@login_required
@require("province.view")
def form(scheme_code, period_code, unit_code):
    scheme, period, unit, assessment, writer = _context(scheme_code, period_code, unit_code)
    return render(PAGE, **_page_context(scheme, period, unit, assessment, writer))


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>/rows/<code>", methods=["POST"])
@login_required
@require("entry.own_unit")
def save_row(scheme_code, period_code, unit_code, code):
    """htmx: save one row; answer the row plus out-of-band totals and progress."""
    scheme, period, unit, assessment, writer = _context(scheme_code, period_code, unit_code,
                                                        create=True)
    row = scheme.by_code.get(code)
    if row is None or writer is False or row not in _rows(scheme, period, writer):
        abort(404)
    form_data = keep_stored_details(_row_form(code), svc.answers_by_code(assessment).get(code))
    status, errors, conflicts, saved = 200, {}, {}, {}
    try:
        svc.save_row(assessment, row, form_data, current_user, today(), period)
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
                            conflicts=conflicts, saved=saved)
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


def row_response(scheme, period, unit, assessment, writer, row, status=200, **extra):
    """htmx: the row, plus out-of-band summary and subtotal; a whole page without htmx."""
    if not request.headers.get("HX-Request"):
        return render(PAGE, **_page_context(scheme, period, unit, assessment, writer,
                                            open_details={row.code}, **extra)), status
    # The details stay open after a save made with them open, and after an evidence change.
    opened = request.endpoint != "entry.save_row" or f"{row.code}__details" in request.form
    context = _page_context(scheme, period, unit, assessment, writer, only_row=row,
                            open_details={row.code} if opened else (), **extra)
    context["r"] = row
    main = next((m for m in context["mains"] if row in context["section_rows"][m.code]), None)
    blocks = ["row", "summary"] if main is None else ["row", "summary", "subtotal"]
    # One call: the context processors (the bell's unread count, a query) run once, not per block.
    return make_response(render_blocks(PAGE, blocks, m=main, oob=True, **context), status)


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>/rows/<code>")
@login_required
@require("province.view")
def row_details(scheme_code, period_code, unit_code, code):
    """A row's details (explanation, last period, evidence panel, history): the htmx fragment a
    row loads when its «Chi tiết» opens; without JavaScript, the form with that row drawn whole."""
    scheme, period, unit, assessment, writer = _context(scheme_code, period_code, unit_code)
    row = scheme.by_code.get(code)
    if row is None or row not in _rows(scheme, period, writer):
        abort(404)
    if not request.headers.get("HX-Request"):
        return render(PAGE, **_page_context(scheme, period, unit, assessment, writer,
                                            open_details={code}))
    context = _page_context(scheme, period, unit, assessment, writer, only_row=row,
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
    scheme, period, unit, assessment, writer = _context(scheme_code, period_code, unit_code,
                                                        create=True)
    main = scheme.by_code.get(main_code)
    if main is None or writer is False:
        abort(404)
    rows = [r for r in _rows(scheme, period, writer) if r.code in _leaf_codes(main)]
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
        return render(PAGE, **_page_context(scheme, period, unit, assessment, writer, errors,
                                            typed, conflicts)), 422
    flash(f"Đã lưu mục {main.code}. {main.title}.", "success")
    return redirect(url_for("entry.form", scheme_code=scheme.code, period_code=period.code,
                            unit_code=unit.code) + f"#main-{main.code}")


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>/check")
@login_required
@require("entry.own_unit")
def check(scheme_code, period_code, unit_code):
    """Kiểm tra trước khi nộp: what is missing, with links to the rows."""
    scheme, period, unit, assessment, writer = _context(scheme_code, period_code, unit_code)
    context = _page_context(scheme, period, unit, assessment, writer)
    return render("entry/check.html", **context)


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>/submit", methods=["POST"])
@login_required
@require("entry.own_unit")
def submit(scheme_code, period_code, unit_code):
    scheme, period, unit, assessment, writer = _context(scheme_code, period_code, unit_code,
                                                        create=True)
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
    scheme, period, unit, assessment, writer = _context(scheme_code, period_code, unit_code)
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


CALENDAR_YEARS = (2000, 2100)  # the years a reporting calendar can show


def _calendar_year(periods, day) -> int:
    """The year the calendar opens on: this year if one of its periods is open, else the
    latest year with an open period (Yên Bái's 2022 plan is still being reported in 2026),
    else this year."""
    open_years = {p.ident.year for p in periods if p.state == "open"}
    if not open_years or day.year in open_years:
        return day.year
    return max(open_years)


@bp.route("/calendar/<scheme_code>")
@login_required
@require("province.view")
def calendar(scheme_code):
    """The province's reporting calendar for a scheme: per month, what is due, reported, late."""
    from app.services.calendar_due import due_in_month
    scheme = scheme_or_404(scheme_code)
    opened = {p.code: p for p in db.session.scalars(select(Period).where(
        Period.scheme_code == scheme.code))}
    year = request.args.get("year", type=int) or _calendar_year(opened.values(), today())
    if not CALENDAR_YEARS[0] <= year <= CALENDAR_YEARS[1]:
        abort(404)  # no reporting year: -1 or 10**20 would fail as a date
    province_unit = db.session.scalar(select(Unit).where(Unit.type == "tinh"))
    months = []
    for month in range(1, 13):
        cells = []
        for due in due_in_month(scheme, year, month):
            period = opened.get(due.period.code)
            answers = {}
            if period is not None and province_unit is not None:
                answers = svc.answers_by_code(svc.get_assessment(scheme, period, province_unit))
            reported = sum(1 for r in due.rows if svc.is_answered(answers.get(r.code)))
            deadline = period.deadline if period else registry().calendar(scheme).deadline(due.period)
            cells.append({"due": due, "period": period, "reported": reported,
                          "deadline": deadline,
                          "late": period is not None and deadline < today()
                          and reported < len(due.rows)})
        months.append((month, cells))
    return render("entry/calendar.html", scheme=scheme, year=year, months=months,
                  unit=province_unit, calendar=registry().calendar(scheme))
