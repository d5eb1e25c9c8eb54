"""One unit's assessment: read it, write its values (all or nothing), submit it, appraise it."""
from __future__ import annotations

from datetime import date

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.api.convert import form_number, is_number, number, percent, row_form
from app.api.errors import ApiError
from app.api.lookups import context, readable_context, registry
from app.api.spec import endpoint
from app.catalogue.model import Row
from app.extensions import db
from app.models import Answer
from app.permissions import can
from app.services import appraisal
from app.services import assessments as svc
from app.services.measured import person_refusal
from app.services.rankings import unit_totals

PATH = "/assessments/<scheme_code>/<period_code>/<unit_code>"
BAD_BODY = "Nội dung phải là JSON dạng {\"%s\": {\"<mã chỉ tiêu>\": {…}}}."


def today() -> date:
    return clock.today()


# -- reading --------------------------------------------------------------------------------
@endpoint(PATH, summary="Hồ sơ đánh giá của một đơn vị trong một kỳ", action="province.view",
          description="Chưa có hồ sơ: trạng thái draft, chưa có giá trị. Điểm dùng điểm thẩm "
                      "định nếu có, không thì điểm tự chấm, không thì điểm tính theo phương "
                      "pháp chấm (score_source cho biết).",
          responses={200: ("Hồ sơ với tổng điểm, từng chỉ số chính và từng chỉ tiêu",
                           "Assessment")})
def show(scheme_code, period_code, unit_code):
    scheme, period, unit, assessment, allowed = readable_context(scheme_code, period_code,
                                                                 unit_code)
    return jsonify(assessment_json(scheme, period, unit, assessment, allowed.writer))


def assessment_json(scheme, period, unit, assessment, writer) -> dict:
    totals = unit_totals(registry(), scheme, period, assessment)
    answers = svc.answers_by_code(assessment)
    indicators = []
    for row in svc.visible_rows(scheme, period, writer):
        leaf = totals.leaves.get(row.code)
        indicators.append({**_answer_json(row, answers.get(row.code)),
                           "score": number(leaf.score) if leaf else None,
                           "score_source": leaf.source if leaf else "none"})
    return {
        "scheme": scheme.code, "period": period.code, "unit": unit.code,
        "state": assessment.state if assessment else "draft",
        "total": number(totals.total), "max": number(totals.max),
        "percent": percent(totals.percent),
        "main": [{"code": m.code, "title": m.title, "score": number(totals.main[m.code][0]),
                  "max": number(totals.main[m.code][1])} for m in scheme.main
                 if m.code in totals.main],
        "indicators": indicators,
    }


def _answer_json(row: Row, answer: Answer | None) -> dict:
    if answer is None:
        return {"code": row.code, "value": None, "numerator": None, "denominator": None,
                "self_score": None, "appraised_score": None, "not_assessed": False,
                "not_assessed_reason": None, "explanation": None, "no_evidence_reason": None,
                "version": None, "measured": None}
    if row.input == "boolean":
        value = None if answer.value is None else bool(answer.value)
    elif row.input == "text":
        value = answer.text
    elif row.input == "fraction" and answer.numerator is not None and answer.denominator:
        value = percent(answer.numerator / answer.denominator * 100)
    else:
        value = number(answer.value)
    return {"code": row.code, "value": value, "numerator": number(answer.numerator),
            "denominator": number(answer.denominator), "self_score": number(answer.self_score),
            "appraised_score": number(answer.appraised_score),
            "not_assessed": bool(answer.not_assessed),
            "not_assessed_reason": answer.not_assessed_reason, "explanation": answer.explanation,
            "no_evidence_reason": answer.no_evidence_reason, "version": answer.version,
            "measured": _measured_json(answer)}


def _measured_json(answer: Answer) -> dict | None:
    """Where a measured value came from: the system, the time of the data, its arrival."""
    if answer.measured_at is None:
        return None
    return {"source": answer.measured_by, "as_of": answer.measured_as_of.isoformat(),
            "received_at": answer.measured_at.isoformat(timespec="seconds") + "Z"}


# -- writing values -------------------------------------------------------------------------
@endpoint(PATH, "PUT", summary="Ghi giá trị, điểm tự chấm (tất cả hoặc không gì cả)",
          action="entry.own_unit", body="ValuesPut",
          description="Một chỉ tiêu sai (mã không có, điểm ngoài 0..tối đa, sai kiểu, «không "
                      "đánh giá» ở dòng không cho phép, chỉ tiêu đo tự động: chỉ hệ thống gửi "
                      "được, qua …/measured) → 422 liệt kê mọi lỗi theo mã, không "
                      "lưu gì. Lần ghi đầu tiên trong kỳ đang mở tạo hồ sơ. Quản trị tỉnh ghi "
                      "được cho mọi đơn vị; nhật ký ghi rõ điều đó.",
          responses={200: ("Hồ sơ sau khi lưu", "Assessment"),
                     409: ("Kỳ đã khóa, hồ sơ đã nộp / đã công bố, hoặc version đã cũ", "Error"),
                     422: ("Mọi lỗi, theo mã chỉ tiêu", "Error")})
def put_values(scheme_code, period_code, unit_code):
    scheme, period, unit, assessment, allowed = context(scheme_code, period_code, unit_code)
    items = _body_map("values")
    rows = {r.code: r for r in svc.visible_rows(scheme, period, allowed.writer)}
    _refuse_blocked(assessment, period, [c for c in items if c in rows])
    forms, errors = {}, {}
    for code, item in items.items():
        row = rows.get(code)
        if row is None:
            errors[code] = {"_": _unknown(scheme, code)}
            continue
        if row.measured_source:
            errors[code] = {"_": person_refusal(row)}
            continue
        form, problems = row_form(row, item)
        try:
            values = svc.parse_row(row, form)
        except svc.RowErrors as exc:
            problems = {**exc.errors, **problems}
        if problems:
            errors[code] = problems
        else:
            forms[code] = (row, values, item.get("version"))
    if errors:
        raise ApiError(422, f"Dữ liệu không hợp lệ ở {len(errors)} chỉ tiêu; chưa lưu gì.",
                       errors=errors)
    assessment = assessment or svc.get_assessment(scheme, period, unit, create=True)
    _check_versions(assessment, forms)
    answers = svc.answers_by_code(assessment)
    for code, (row, values, _version) in forms.items():
        _apply(assessment, answers.get(code), code, values)
    try:
        db.session.flush()
        # The answer is read inside the transaction, before the commit (expired first: the
        # database rounds numbers): a connection lost after the commit must not turn a saved
        # write into an error, or make the caller send it again.
        db.session.expire_all()
        body = assessment_json(scheme, period, unit, assessment, allowed.writer)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ApiError(409, "Người khác vừa lưu một trong các chỉ tiêu này; đọc lại hồ sơ rồi "
                            "gửi lại. Chưa lưu gì.") from None
    return jsonify(body)


MAX_DEPTH = 8  # {"values": {"1.1": {"value": …}}} is three deep


def _body_map(key: str) -> dict:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes
        body = None
    problem = _json_problem(body, MAX_DEPTH)
    if problem:
        raise ApiError(400, problem)
    if not isinstance(body, dict) or not isinstance(body.get(key), dict) or not body[key]:
        raise ApiError(422, BAD_BODY % key, errors={"_": {key: BAD_BODY % key}})
    return body[key]


def _json_problem(value, depth: int) -> str | None:
    """Why a parsed body cannot be used although it is JSON: nested too deep, or a string
    holding half of a UTF-16 pair (\\ud800), which no database column can store."""
    if depth < 0:
        return f"Nội dung JSON lồng nhau quá sâu (tối đa {MAX_DEPTH} tầng)."
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "Nội dung JSON có ký tự không hợp lệ (nửa cặp UTF-16, ví dụ \\ud800)."
        return None
    items = value.items() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        for part in (item if isinstance(value, dict) else (item,)):
            problem = _json_problem(part, depth - 1)
            if problem:
                return problem
    return None


def _unknown(scheme, code: str) -> str:
    row = scheme.by_code.get(code)
    if row is None:
        return f"Không có chỉ tiêu «{code}» trong bộ chỉ số {scheme.code}."
    if not row.is_leaf:
        return f"«{code}» là chỉ số tổng hợp: điểm của nó là tổng các chỉ tiêu con."
    return f"Chỉ tiêu {code} không thuộc kỳ này hoặc không do đơn vị của bạn nhập."


def _refuse_blocked(assessment, period, codes: list[str]) -> None:
    """409 when the period or the assessment's state forbids writing any of these rows."""
    whole = svc.edit_block(assessment, period, today()) if not codes else None
    blocked = {code: reason for code in codes
               if (reason := svc.edit_block(assessment, period, today(), code))}
    if whole or blocked:
        raise ApiError(409, whole or next(iter(blocked.values())), errors=blocked or None)


def _check_versions(assessment, forms: dict) -> None:
    answers = svc.answers_by_code(assessment)
    stale = {code: {"version": f"Chỉ tiêu {code} đã được lưu lại (phiên bản {answers[code].version}, bạn "
                   f"gửi {sent}); đọc lại trước khi ghi đè."}
             for code, (_row, _values, sent) in forms.items()
             if sent is not None and code in answers and answers[code].version != sent}
    if stale:
        db.session.rollback()
        raise ApiError(409, "Có chỉ tiêu đã được người khác lưu sau khi bạn đọc; chưa lưu gì.",
                       errors=stale)


def _apply(assessment, answer: Answer | None, code: str, values: dict) -> None:
    changes = svc.changes_of(answer, values)
    if not changes:
        return
    reason = ("Quản trị tỉnh nhập thay đơn vị, qua API" if can(current_user, "entry.any_unit")
              else "Nhập qua API")
    svc.apply_changes(assessment, answer, code, changes, current_user, reason)


# -- submitting -----------------------------------------------------------------------------
@endpoint(PATH + "/submit", "POST", summary="Nộp hồ sơ (hoặc nộp lại sau giải trình)",
          action="entry.own_unit",
          responses={200: ("Hồ sơ đã nộp", "Assessment"),
                     409: ("Kỳ đã khóa, quá hạn, hoặc hồ sơ đã nộp", "Error"),
                     422: ("Những mục còn thiếu", "Missing")})
def submit(scheme_code, period_code, unit_code):
    scheme, period, unit, assessment, allowed = context(scheme_code, period_code, unit_code)
    if not svc.may_submit(allowed.writer):
        raise ApiError(403, svc.SHARED_SUBMIT)
    rows = svc.visible_rows(scheme, period)  # the whole assessment, whoever submits
    if assessment is not None and assessment.state == "returned":
        return _resubmit(scheme, period, unit, assessment, rows, allowed)
    blocked = svc.edit_block(assessment, period, today())
    if blocked:
        raise ApiError(409, blocked)
    state = svc.progress(rows, svc.answers_by_code(assessment), svc.evidence_by_code(assessment))
    if not state.complete:
        raise ApiError(422, f"Còn {len(state.missing)} mục chưa hoàn thành; chưa nộp.",
                       missing=[{"code": code, "problem": what} for code, what in state.missing])
    try:
        svc.submit(assessment, rows, current_user, today())
    except svc.EntryError as exc:
        raise ApiError(409, str(exc)) from None
    return jsonify(assessment_json(scheme, period, unit, assessment, allowed.writer))


def _resubmit(scheme, period, unit, assessment, rows, allowed):
    """A returned assessment goes back with its questions answered (the appraisal flow)."""
    missing = [{"code": q.code, "problem": "chưa trả lời câu hỏi giải trình"}
               for q in appraisal.current_questions(assessment) if not q.reply]
    state = svc.progress(rows, svc.answers_by_code(assessment), svc.evidence_by_code(assessment))
    missing += [{"code": code, "problem": what} for code, what in state.missing]
    if missing:
        raise ApiError(422, f"Còn {len(missing)} mục chưa hoàn thành; chưa nộp lại.",
                       missing=missing)
    try:
        appraisal.resubmit(assessment, rows, current_user)
    except appraisal.AppraisalError as exc:
        raise ApiError(409, str(exc)) from None
    return jsonify(assessment_json(scheme, period, unit, assessment, allowed.writer))


# -- appraisal ------------------------------------------------------------------------------
@endpoint(PATH + "/appraisal", "PUT", summary="Ghi điểm thẩm định", action="appraisal.do",
          body="AppraisalPut",
          description="Mỗi mã: score (0..tối đa) và comment, bắt buộc khi điểm khác điểm tự "
                      "chấm. Kiểm tra tất cả trước khi lưu; khi mọi chỉ tiêu đã thẩm định, hồ "
                      "sơ chuyển sang appraised.",
          responses={200: ("Hồ sơ sau khi thẩm định", "Assessment"),
                     409: ("Hồ sơ không ở trạng thái chờ thẩm định", "Error"),
                     422: ("Mọi lỗi, theo mã chỉ tiêu", "Error")})
def put_appraisal(scheme_code, period_code, unit_code):
    scheme, period, unit, assessment, allowed = context(scheme_code, period_code, unit_code)
    if assessment is None or assessment.state not in appraisal.SCORABLE_STATES:
        state = assessment.state_label.lower() if assessment else "chưa nộp"
        raise ApiError(409, f"Hồ sơ {state}: không thẩm định được lúc này.")
    items = _body_map("scores")
    rows = {r.code: r for r in svc.visible_rows(scheme, period, None)}
    answers = svc.answers_by_code(assessment)
    scope = appraisal.scope_of(current_user, scheme.code)
    ready, errors = [], {}
    own = appraisal.unit_scores(assessment)
    for code, item in items.items():
        problems = _appraisal_problems(scheme, rows.get(code), answers.get(code), scope, code, item,
                                       own.get(code))
        if problems:
            errors[code] = problems
        else:
            ready.append((rows[code], item))
    if errors:
        raise ApiError(422, f"Dữ liệu không hợp lệ ở {len(errors)} chỉ tiêu; chưa lưu gì.",
                       errors=errors)
    try:
        appraisal.record_scores(assessment, list(rows.values()),
                                [(row, _score_form(item)) for row, item in ready], current_user)
    except appraisal.AppraisalError as exc:  # someone saved one of the rows meanwhile
        raise ApiError(409, f"{exc} Chưa lưu gì: đọc lại hồ sơ rồi gửi lại.") from None
    return jsonify(assessment_json(scheme, period, unit, assessment, None))


def _score_form(item: dict) -> dict:
    score = item.get("score")
    return {"score": form_number(score) if score is not None else "",
            "comment": item.get("comment") or ""}


def _appraisal_problems(scheme, row, answer, scope, code, item,
                        unit_score=None) -> dict[str, str]:
    if row is None:
        return {"_": _unknown(scheme, code)}
    if not appraisal.in_scope(scope, scheme, code):
        return {"_": f"Chỉ tiêu {code} không thuộc các chỉ số chính được phân công cho bạn."}
    if answer is None or answer.not_assessed:
        return {"_": f"Chỉ tiêu {code}: đơn vị không chấm (chưa nhập hoặc chọn «không đánh "
                     "giá»), không có điểm để thẩm định."}
    if not isinstance(item, dict):
        return {"_": "Mỗi chỉ tiêu phải là {\"score\": số, \"comment\": \"…\"}."}
    problems = {name: f"Trường «{name}» không có (dùng: score, comment)."
                for name in set(item) - {"score", "comment"}}
    if not is_number(item.get("score")):
        problems["score"] = "Điểm thẩm định phải là số (kiểu number của JSON)."
    if item.get("comment") is not None and not isinstance(item["comment"], str):
        problems["comment"] = "Nhận xét phải là chuỗi văn bản."
    if problems:
        return problems
    try:
        appraisal.parse_score(row, answer, _score_form(item), unit_score)
    except appraisal.InputErrors as exc:
        return dict(exc.errors)
    return {}
