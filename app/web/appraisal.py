"""Appraisal (thẩm định) in the browser: the queue, one assessment's overview, the side-by-side
view of one indicator (evidence left, scores right), questions, returns and re-opening; and, on
the unit's side, replying to questions, resubmitting, and the history page."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import case, select
from sqlalchemy.orm import contains_eager, selectinload

from app import search
from app.extensions import db
from app.models import Assessment, Period, Unit
from app.models.assessment import STATE_LABELS
from app.permissions import can, require
from app.services import appraisal as ap
from app.services import appraisal_agree, appraisal_history, appraisal_status
from app.services import assessments as svc
from app.services.previous_period import previous_answers
from app.storage import inline_allowed
from app.web import _number, registry, render
from app.web.assessment_lookups import assessment_context, today
from app.web.entry_page import PAGE as ENTRY_PAGE
from app.web.entry_page import page_context as entry_page_context
from app.web.home import enabled_schemes, province_required
from app.web.ids import form_id

bp = Blueprint("appraisal", __name__)
QUEUE = "appraisal/queue.html"
PAGE = "appraisal/indicator.html"
ROOT = "/appraisal/<scheme_code>/<period_code>/<unit_code>"
QUEUE_LIMIT = 500
_STATE_ORDER = {"submitted": 0, "returned": 1, "appraised": 2}  # what waits on the appraiser first


# -- template helpers for the history panel (entry form and appraisal pages) ----------------
@bp.app_template_filter("audit_field")
def _audit_field(field):
    return appraisal_history.FIELD_LABELS.get(field, field or "")


@bp.app_template_filter("audit_action")
def _audit_action(action):
    return appraisal_history.ACTION_LABELS.get(action, action)


@bp.app_template_filter("audit_value")
def _audit_value(text, field):
    shown = appraisal_history.shown_value(field, text)
    if field in appraisal_history.NUMERIC_FIELDS and shown != "—":
        return _number(text, 4)
    return shown


# -- lookups ---------------------------------------------------------------------------------
def _load(scheme_code, period_code, unit_code):
    """Scheme, period, unit and a submitted (or later) assessment of the current province."""
    scheme, period, unit, assessment, _writer = assessment_context(scheme_code, period_code,
                                                                   unit_code)
    if assessment is None or assessment.state == "draft":
        abort(404)  # nothing submitted: nothing to appraise
    return scheme, period, unit, assessment


def _scope(scheme):
    """The main indices the current user appraises; None: all (and for the province admin)."""
    return ap.scope_of(current_user, scheme.code) if can(current_user, "appraisal.do") else None


def _base(scheme, period, unit) -> dict:
    return {"scheme_code": scheme.code, "period_code": period.code, "unit_code": unit.code}


def _today():
    return today()


# -- the queue -------------------------------------------------------------------------------
@bp.route("/appraisal")
@login_required
@require("appraisal.review")
def queue():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    schemes = {s.code: s for s in enabled_schemes(province)}
    args = {k: (request.args.get(k) or "").strip() for k in ("scheme", "period", "q", "state")}
    mine = request.args.get("mine") == "1"
    items = _queue_items(schemes, args, mine)
    periods = sorted({code for code in db.session.scalars(select(Period.code).where(
        Period.scheme_code.in_(list(schemes))))}, reverse=True)
    return render(QUEUE, "results", items=items[:QUEUE_LIMIT], total=len(items), args=args,
                  mine=mine, schemes=schemes.values(), periods=periods,
                  states=ap.QUEUE_STATES, STATE_LABELS=STATE_LABELS,
                  has_scope=any(_scope(s) for s in schemes.values()))


def _queue_items(schemes: dict, args: dict, mine: bool) -> list[dict]:
    states = [args["state"]] if args["state"] in ap.QUEUE_STATES else list(ap.QUEUE_STATES)
    stmt = (select(Assessment).join(Unit, Assessment.unit_id == Unit.id)
            .join(Period, Assessment.period_id == Period.id)
            .where(Assessment.state.in_(states), Assessment.scheme_code.in_(list(schemes)))
            # The rows show each unit and period: take them from the joins, not a query per row.
            .options(contains_eager(Assessment.unit), contains_eager(Assessment.period),
                     selectinload(Assessment.answers))
            .order_by(case(_STATE_ORDER, value=Assessment.state), Assessment.submitted_at,
                      Unit.name))
    if args["scheme"]:
        stmt = stmt.where(Assessment.scheme_code == args["scheme"])
    if args["period"]:
        stmt = stmt.where(Period.code == args["period"])
    assessments = db.session.scalars(stmt).all()
    if args["q"]:  # typed without accents, as officials do: folded in Python (app.search)
        matches = search.matcher(args["q"])
        assessments = [a for a in assessments if matches(a.unit.name, a.unit.code)]
    changes = appraisal_status.last_unit_changes([a.id for a in assessments])
    scopes = {code: _scope(scheme) if mine else None for code, scheme in schemes.items()}
    items = []
    for assessment in assessments:
        scheme = schemes[assessment.scheme_code]
        rows = [r for r in svc.visible_rows(scheme, assessment.period)
                if ap.in_scope(scopes[scheme.code], scheme, r.code)]
        if not rows:
            continue
        items.append({"assessment": assessment, "scheme": scheme,
                      "tally": appraisal_status.tally(appraisal_status.statuses(assessment, rows, changes))})
    return items


# -- one assessment --------------------------------------------------------------------------
@bp.route(ROOT)
@login_required
@require("appraisal.review")
def assessment(scheme_code, period_code, unit_code):
    scheme, period, unit, found = _load(scheme_code, period_code, unit_code)
    rows = svc.visible_rows(scheme, period)
    scope = _scope(scheme)
    row_statuses = appraisal_status.statuses(found, rows)
    questions = ap.all_questions(found)
    drafts = ap.current_questions(found, questions) if found.state == "submitted" else []
    mine = [r for r in rows if ap.in_scope(scope, scheme, r.code)]
    next_todo = next((r for r in mine if row_statuses[r.code] not in appraisal_status.DONE),
                     mine[0] if mine else None)
    bulk = (appraisal_agree.remaining(scheme, found, rows, scope)
            if can(current_user, "appraisal.do") else [])
    return render("appraisal/assessment.html", scheme=scheme, period=period, unit=unit,
                  assessment=found, rows=rows, statuses=row_statuses, scope=scope, bulk=bulk,
                  answers=svc.answers_by_code(found), tally=appraisal_status.tally(row_statuses),
                  unit_scores=ap.unit_scores(found),
                  questions=questions, drafts=drafts, next_todo=next_todo,
                  base=_base(scheme, period, unit), STATUS_LABELS=appraisal_status.STATUS_LABELS,
                  in_scope=lambda code: ap.in_scope(scope, scheme, code))


@bp.route(ROOT + "/return", methods=["POST"])
@login_required
@require("appraisal.do")
def return_to_unit(scheme_code, period_code, unit_code):
    scheme, period, unit, found = _load(scheme_code, period_code, unit_code)
    try:
        questions = ap.return_to_unit(found, current_user)
        flash(f"Đã trả hồ sơ cho {unit.name} để giải trình {len(questions)} chỉ tiêu.", "success")
    except ap.AppraisalError as exc:
        flash(str(exc), "error")
    return redirect(url_for("appraisal.assessment", **_base(scheme, period, unit)))


@bp.route(ROOT + "/agree-remaining", methods=["POST"])
@login_required
@require("appraisal.do")
def agree_remaining(scheme_code, period_code, unit_code):
    """"Đồng ý các chỉ tiêu còn lại": the self-score of every row shown as still waiting."""
    scheme, period, unit, found = _load(scheme_code, period_code, unit_code)
    if not can(current_user, "appraisal.do"):
        abort(403)
    rows = svc.visible_rows(scheme, period)
    try:
        done = appraisal_agree.agree_remaining(scheme, found, rows, _scope(scheme),
                                               request.form.getlist("code"), current_user)
    except (ap.InputErrors, ap.AppraisalError) as exc:
        message = "; ".join(exc.errors.values()) if isinstance(exc, ap.InputErrors) else str(exc)
        flash(f"Chưa đồng ý được: {message}", "error")
    else:
        if done:
            flash(f"Đã đồng ý điểm tự chấm của {len(done)} chỉ tiêu còn lại.", "success")
        else:
            flash("Không còn chỉ tiêu nào chờ thẩm định để đồng ý.", "info")
    return redirect(url_for("appraisal.assessment", **_base(scheme, period, unit)))


# -- the side-by-side view of one indicator --------------------------------------------------
def _indicator(scheme_code, period_code, unit_code, code):
    scheme, period, unit, found = _load(scheme_code, period_code, unit_code)
    rows = svc.visible_rows(scheme, period)
    row = scheme.by_code.get(code)
    if row is None or row not in rows:
        abort(404)
    return scheme, period, unit, found, rows, row


def _page(scheme, period, unit, found, rows, row, errors=None, typed=None, saved=None):
    """Everything the side-by-side page shows for one indicator."""
    scope = _scope(scheme)
    mine = [r for r in rows if ap.in_scope(scope, scheme, r.code)] or rows
    position = mine.index(row) if row in mine else None
    answer = svc.answers_by_code(found).get(row.code)
    evidence = [link.evidence for link in svc.evidence_by_code(found).get(row.code, [])]
    shown = form_id(request.args, "ev") or None
    viewer = next((e for e in evidence if e.id == shown), None) or next(
        (e for e in evidence if inline_allowed(e.kind)), None)
    previous = previous_answers(registry(), scheme, period, unit)
    row_statuses = appraisal_status.statuses(found, rows)
    allowed = ap.in_scope(scope, scheme, row.code)
    appraiser = can(current_user, "appraisal.do")
    asked = ap.all_questions(found)
    return {
        "scheme": scheme, "period": period, "unit": unit, "assessment": found, "row": row,
        "base": _base(scheme, period, unit), "answer": answer, "evidence": evidence,
        "viewer": viewer, "inline_allowed": inline_allowed,
        "previous": previous, "prev_answer": previous.get("answers", {}).get(row.code),
        "status": row_statuses[row.code], "tally": appraisal_status.tally(row_statuses),
        "STATUS_LABELS": appraisal_status.STATUS_LABELS,
        "prev_row": mine[position - 1] if position else None,
        "next_row": mine[position + 1] if position is not None and position + 1 < len(mine)
        else None,
        "position": position, "count": len(mine), "in_scope": allowed,
        "changes": appraisal_status.changes_since_appraisal(found, answer),
        "questions": [q for q in asked if q.code == row.code],
        "draft": next((q for q in ap.current_questions(found, asked) if q.code == row.code),
                      None) if found.state == "submitted" else None,
        "can_score": appraiser and allowed and found.state in ap.SCORABLE_STATES
        and answer is not None and not answer.not_assessed,
        "can_ask": appraiser and allowed and found.state == "submitted",
        "can_reopen": can(current_user, "appraisal.review") and (allowed or not appraiser)
        and found.state == "appraised" and answer is not None and answer.appraised_at is not None,
        "next_todo": _next_waiting(mine, position, row_statuses),
        "adjusted": appraisal_agree.adjusted(answer),
        "events": appraisal_history.history(found, row.code),
        "unit_score": ap.unit_scores(found).get(row.code),
        "errors": errors or {}, "typed": typed or {}, "saved": saved,
        "default_answer_by": _today() + timedelta(days=ap.ANSWER_DAYS),
    }


def _next_waiting(mine, position, row_statuses):
    """Where "Đồng ý" moves on to: the next row still to appraise after this one, else the
    first one left before it; None when this was the last (the page stays)."""
    if position is None:
        return None
    order = mine[position + 1:] + mine[:position]
    return next((r for r in order if row_statuses[r.code] not in appraisal_status.DONE), None)


@bp.route(ROOT + "/<code>", methods=["GET"])
@login_required
@require("appraisal.review")
def indicator(scheme_code, period_code, unit_code, code):
    loaded = _indicator(scheme_code, period_code, unit_code, code)
    return render(PAGE, "workspace", **_page(*loaded))


def _answer_panel(loaded, status=200, errors=None, typed=None, saved=None, message=None):
    """htmx: the right-hand panel again; without JavaScript, back to the page (or it, on error)."""
    scheme, period, unit, found, rows, row = loaded
    if request.headers.get("HX-Request"):
        return render(PAGE, "panel", **_page(*loaded, errors, typed, saved)), status
    if status == 200:
        flash(message or saved or "Đã lưu.", "success")
        return redirect(url_for("appraisal.indicator", code=row.code,
                                **_base(scheme, period, unit)))
    return render(PAGE, **_page(*loaded, errors, typed)), status


def _scoped_indicator(scheme_code, period_code, unit_code, code):
    """As _indicator, refused (403) where the row is another council member's main index."""
    loaded = _indicator(scheme_code, period_code, unit_code, code)
    scheme, *_, row = loaded
    if not ap.in_scope(_scope(scheme), scheme, row.code):
        abort(403)
    return loaded


def _refused(loaded, exc):
    """The panel after a refused action: 422 with the fields' errors and the typing kept (bad
    input), 409 with the reason (the assessment's state forbids it)."""
    if isinstance(exc, ap.InputErrors):
        return _answer_panel(loaded, 422, exc.errors, request.form.to_dict())
    return _answer_panel(loaded, 409, {"_": str(exc)})


@bp.route(ROOT + "/<code>", methods=["POST"])
@login_required
@require("appraisal.do")
def score(scheme_code, period_code, unit_code, code):
    loaded = _scoped_indicator(scheme_code, period_code, unit_code, code)
    scheme, period, unit, found, rows, row = loaded
    agreeing = bool(request.form.get("agree"))
    if (agreeing and not request.form.get("replace")
            and appraisal_agree.adjusted(svc.answers_by_code(found).get(row.code))):
        # The page was shown before someone adjusted this row, or the form was forged: never
        # let one click throw an adjustment and its comment away.
        return _refused(loaded, ap.AppraisalError(
            f"Chỉ tiêu {row.code} đã có điểm thẩm định điều chỉnh: xem lại trước khi đồng ý "
            "với điểm tự chấm."))
    try:
        ap.record_score(found, rows, row, request.form, current_user)
    except (ap.InputErrors, ap.AppraisalError) as exc:
        return _refused(loaded, exc)
    message = f"Đã lưu điểm thẩm định chỉ tiêu {row.code}."
    if found.state == "appraised":
        message += " Hồ sơ đã được thẩm định xong."
    if agreeing:
        return _moved_on(loaded, message)
    return _answer_panel(loaded, saved=message)


def _moved_on(loaded, message):
    """After "Đồng ý": the next indicator still to appraise, with the saved message on it."""
    scheme, period, unit, found, rows, row = loaded
    context = _page(*loaded)
    following = context["next_todo"]
    if following is None:
        return _answer_panel(loaded, saved=message)
    target = url_for("appraisal.indicator", code=following.code, **_base(scheme, period, unit))
    if not request.headers.get("HX-Request"):
        flash(message, "success")
        return redirect(target)
    page = _page(scheme, period, unit, found, rows, following, saved=message)
    response = make_response(render(PAGE, "workspace", **page))
    response.headers.update({"HX-Retarget": "#workspace", "HX-Reswap": "outerHTML",
                             "HX-Push-Url": target})
    return response


@bp.route(ROOT + "/<code>/question", methods=["POST"])
@login_required
@require("appraisal.do")
def question(scheme_code, period_code, unit_code, code):
    loaded = _scoped_indicator(scheme_code, period_code, unit_code, code)
    _scheme, _period, _unit, found, _rows, row = loaded
    try:
        if request.form.get("drop"):
            ap.drop_question(found, row.code, current_user)
            message = f"Đã bỏ câu hỏi ở chỉ tiêu {row.code}."
        else:
            ap.ask(found, row, request.form, current_user, _today())
            message = (f"Đã ghi câu hỏi ở chỉ tiêu {row.code}; câu hỏi được gửi khi bạn trả hồ "
                       "sơ để giải trình.")
    except (ap.InputErrors, ap.AppraisalError) as exc:
        return _refused(loaded, exc)
    return _answer_panel(loaded, saved=message)


@bp.route(ROOT + "/<code>/reopen", methods=["POST"])
@login_required
@require("appraisal.review")
def reopen(scheme_code, period_code, unit_code, code):
    # The province admin may re-open any row: _scope answers None (all rows) for anyone but an
    # appraiser.
    loaded = _scoped_indicator(scheme_code, period_code, unit_code, code)
    _scheme, _period, unit, found, _rows, row = loaded
    try:
        ap.reopen(found, row.code, request.form, current_user)
    except (ap.InputErrors, ap.AppraisalError) as exc:
        return _refused(loaded, exc)
    return _answer_panel(loaded, saved=f"Đã mở lại chỉ tiêu {row.code} cho {unit.name}.")


# -- the unit's side: replies, resubmission, history -----------------------------------------
FORM_ROOT = "/assessments/<scheme_code>/<period_code>/<unit_code>"


def _unit_context(scheme_code, period_code, unit_code):
    scheme, period, unit, found, writer = assessment_context(scheme_code, period_code, unit_code)
    if found is None or writer is False:
        abort(404)
    return scheme, period, unit, found, writer


def _back_to_form(scheme, period, unit, found, writer, status, errors=None, message=None):
    """htmx: the form's appraisal panel; without JavaScript, the form (PRG on success)."""
    base = _base(scheme, period, unit)
    if status == 200 and not request.headers.get("HX-Request"):
        flash(message, "success")
        return redirect(url_for("entry.form", **base) + "#giai-trinh")
    context = entry_page_context(scheme, period, unit, found, writer)
    context.update(reply_errors=errors or {}, reply_saved=message)
    return render(ENTRY_PAGE, "appraisal_unit", **context), status


@bp.route(FORM_ROOT + "/rows/<code>/reply", methods=["POST"])
@login_required
@require("entry.own_unit")
def reply(scheme_code, period_code, unit_code, code):
    scheme, period, unit, found, writer = _unit_context(scheme_code, period_code, unit_code)
    if code not in {row.code for row in svc.visible_rows(scheme, period, writer or None)}:
        abort(404)  # an agency answers the questions on the rows it leads, not another's
    try:
        ap.reply(found, code, request.form, current_user)
    except ap.InputErrors as exc:
        return _back_to_form(scheme, period, unit, found, writer, 422, {code: exc.errors["reply"]})
    except ap.AppraisalError as exc:
        return _back_to_form(scheme, period, unit, found, writer, 409, {code: str(exc)})
    return _back_to_form(scheme, period, unit, found, writer, 200,
                         message=f"Đã lưu trả lời giải trình chỉ tiêu {code}.")


@bp.route(FORM_ROOT + "/resubmit", methods=["POST"])
@login_required
@require("entry.own_unit")
def resubmit(scheme_code, period_code, unit_code):
    scheme, period, unit, found, writer = _unit_context(scheme_code, period_code, unit_code)
    try:
        if not svc.may_submit(writer):
            raise ap.AppraisalError(svc.SHARED_SUBMIT)
        ap.resubmit(found, svc.visible_rows(scheme, period), current_user)
        flash("Đã nộp lại hồ sơ sau giải trình. Hồ sơ chuyển lại cho thẩm định viên.", "success")
    except ap.AppraisalError as exc:
        flash(str(exc), "error")
    return redirect(url_for("entry.form", **_base(scheme, period, unit)))


@bp.route(FORM_ROOT + "/history")
@login_required
@require("province.view")
def history(scheme_code, period_code, unit_code):
    """Who changed what and when, for the whole assessment; ?code= narrows to one indicator."""
    scheme, period, unit, found, writer = assessment_context(scheme_code, period_code, unit_code)
    code = request.args.get("code") or None
    if code is not None and code not in scheme.by_code:
        abort(404)
    return render("appraisal/history.html", scheme=scheme, period=period, unit=unit,
                  assessment=found, code=code, events=appraisal_history.history(found, code),
                  questions=ap.all_questions(found), base=_base(scheme, period, unit),
                  reviewer=can(current_user, "appraisal.review") and found is not None
                  and found.state != "draft")
