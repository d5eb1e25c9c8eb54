"""Appraisal (thẩm định): scores, questions to the unit and its replies, returning and
resubmitting, re-opening one indicator. Where each indicator stands is
services/appraisal_status.py, the history in words services/appraisal_history.py, the unit
form's side services/unit_form_appraisal.py, deadline reminders services/deadline_reminders.py.

Every change is audited and its notifications queued in the same transaction as the change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.catalogue.model import Row, Scheme
from app.extensions import db
from app.models import Answer, AppraiserScope, Assessment, Question
from app.services import assessments as svc
from app.services import audit
from app.services.appraisal_status import statuses, tally
from app.services.notifications import notify, role_users, unit_users
from app.services.numbers import parse_date, parse_number

TEXT_LIMIT = 5000
ANSWER_DAYS = 7  # default time a unit gets to answer a question
QUEUE_STATES = ("submitted", "returned", "appraised")
SCORABLE_STATES = ("submitted", "appraised")


class AppraisalError(ValueError):
    """The assessment's state forbids the action (409); the message says why, in Vietnamese."""


@dataclass
class InputErrors(Exception):
    """Invalid input, by field; nothing was stored (422)."""
    errors: dict[str, str]


# -- links (plain paths: services also run outside a request, e.g. the daily jobs) ----------
def form_path(assessment: Assessment) -> str:
    return (f"/assessments/{assessment.scheme_code}/{assessment.period.code}/"
            f"{assessment.unit.code}")


def review_path(assessment: Assessment) -> str:
    return f"/appraisal/{assessment.scheme_code}/{assessment.period.code}/{assessment.unit.code}"


def _title(assessment: Assessment) -> str:
    return f"{assessment.unit.name}, kỳ {assessment.period.label}"


# -- who appraises what ----------------------------------------------------------------------
def scope_of(user, scheme_code: str) -> set[str] | None:
    """The main indices of the scheme assigned to an appraiser; None: all of them."""
    codes = set(db.session.scalars(select(AppraiserScope.main_code).where(
        AppraiserScope.user_id == user.id, AppraiserScope.scheme_code == scheme_code)))
    return codes or None


def in_scope(scope: set[str] | None, scheme: Scheme, code: str) -> bool:
    return scope is None or scheme.main_of(code).code in scope


# -- recording a score -----------------------------------------------------------------------
def unit_scores(assessment: Assessment) -> dict[str, Decimal | None]:
    """Each row's score as the unit gives it now: the one it typed, else what the method
    proposes from the current value (never a proposal frozen at some earlier save)."""
    from flask import current_app

    from app.services.rankings import unit_totals
    registry = current_app.extensions["chiso"]
    scheme = registry.schemes.get(assessment.scheme_code) if assessment is not None else None
    if scheme is None:
        return {}
    totals = unit_totals(registry, scheme, assessment.period, assessment)
    return {code: leaf.unit_score for code, leaf in (totals.leaves or {}).items()}


def parse_score(row: Row, answer: Answer, form,
                unit_score: Decimal | None = None) -> tuple[Decimal | None, str | None]:
    """The score to record ("Đồng ý" keeps the unit's score: typed, else proposed) and the
    comment, or InputErrors."""
    errors: dict[str, str] = {}
    comment = (form.get("comment") or "").strip() or None
    score = unit_score
    if not form.get("agree"):
        try:
            score = parse_number(form.get("score"))
        except ValueError as exc:
            errors["score"] = f"Điểm thẩm định: {exc}."
    top = row.max_points
    if "score" in errors:
        pass
    elif top is not None and score is None:
        errors["score"] = ("Điểm thẩm định: vui lòng nhập điểm, hoặc bấm «Đồng ý» để giữ điểm "
                           "tự chấm.")
    elif score is not None and score < 0:
        errors["score"] = "Điểm thẩm định không được nhỏ hơn 0."
    elif score is not None and top is not None and score > top:
        errors["score"] = f"Điểm thẩm định không được lớn hơn {top}."
    elif score != unit_score and not comment:
        errors["comment"] = ("Nhận xét: bắt buộc khi điểm thẩm định khác điểm tự chấm "
                             f"({_plain(unit_score)}).")
    if comment and len(comment) > TEXT_LIMIT:
        errors["comment"] = f"Nhận xét dài quá {TEXT_LIMIT} ký tự."
    if errors:
        raise InputErrors(errors)
    return score, comment


def record_score(assessment: Assessment, rows: list[Row], row: Row, form, user) -> Answer:
    """Confirm or adjust one indicator's score; finishes the appraisal when it was the last."""
    answer = _score(assessment, row, form, user, unit_scores(assessment))
    _finish_if_complete(assessment, rows, user)
    _commit(f"Chỉ tiêu {row.code}")
    return answer


def record_scores(assessment: Assessment, rows: list[Row], scored: list[tuple[Row, dict]],
                  user) -> None:
    """Several indicators' scores (the API's), all stored in one transaction or none."""
    try:
        own = unit_scores(assessment)
        for row, form in scored:
            _score(assessment, row, form, user, own)
    except (AppraisalError, InputErrors):
        db.session.rollback()
        raise
    _finish_if_complete(assessment, rows, user)
    _commit("Một trong các chỉ tiêu " + ", ".join(row.code for row, _form in scored))


def _score(assessment: Assessment, row: Row, form, user, own: dict) -> Answer:
    """One indicator's appraised score and comment into its answer and the audit trail."""
    if assessment.state not in SCORABLE_STATES:
        raise AppraisalError(_not_scorable(assessment))
    answer = svc.answers_by_code(assessment).get(row.code)
    if answer is None or answer.not_assessed:
        raise AppraisalError(f"Chỉ tiêu {row.code}: đơn vị không chấm (chưa nhập hoặc chọn "
                             "«không đánh giá»), không có điểm để thẩm định.")
    score, comment = parse_score(row, answer, form, own.get(row.code))
    now = datetime.utcnow()
    audit.record("appraisal.score", assessment=assessment, code=row.code,
                 field="appraised_score", old=answer.appraised_score, new=score, user=user)
    if (answer.appraisal_comment or None) != comment:
        audit.record("appraisal.score", assessment=assessment, code=row.code,
                     field="appraisal_comment", old=answer.appraisal_comment, new=comment,
                     user=user)
    if answer.reopened_at is not None:
        audit.record("appraisal.score", assessment=assessment, code=row.code, field="reopened",
                     old=True, new=False, user=user)
        answer.reopened_at = None
    answer.appraised_score, answer.appraisal_comment = score, comment
    answer.appraised_by_id, answer.appraised_at = user.id, now
    if assessment.appraisal_started_at is None:
        assessment.appraisal_started_at = now  # from now on the unit cannot withdraw
    return answer


def _commit(what: str) -> None:
    """Commit a change of answers (``what``: «Chỉ tiêu 1.2»); someone else's save in between
    is a 409, not a 500."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise AppraisalError(f"{what} vừa được người khác lưu: hãy tải lại trang rồi làm lại.") \
            from None


def _not_scorable(assessment: Assessment) -> str:
    if assessment.state == "returned":
        return "Hồ sơ đang trả lại cho đơn vị để giải trình: chờ đơn vị nộp lại rồi thẩm định."
    return f"Hồ sơ {assessment.state_label.lower()}: không thẩm định được."


def _finish_if_complete(assessment: Assessment, rows: list[Row], user) -> None:
    db.session.flush()
    if assessment.state != "submitted" or tally(statuses(assessment, rows)).done < len(rows):
        return
    if current_questions(assessment):
        return  # questions are waiting to be sent: the appraiser means to return it first
    assessment.state, assessment.appraised_at = "appraised", datetime.utcnow()
    audit.record("appraisal.appraised", assessment=assessment, field="state", old="submitted",
                 new="appraised", user=user)
    notify(unit_users(assessment.unit_id), "appraised",
           f"Hồ sơ của {_title(assessment)} đã được thẩm định xong.", form_path(assessment))


# -- questions, returning, replying, resubmitting -------------------------------------------
def all_questions(assessment: Assessment | None) -> list[Question]:
    if assessment is None:
        return []
    return db.session.scalars(select(Question).where(Question.assessment_id == assessment.id)
                              .order_by(Question.asked_at, Question.id)).all()


def current_questions(assessment: Assessment | None,
                      asked: list[Question] | None = None) -> list[Question]:
    """Questions of this round: asked since the last (re)submission. While the assessment is
    submitted they are drafts the appraiser has not sent yet; once returned, the unit's.
    ``asked``: all_questions(assessment), when the caller has them already."""
    if assessment is None or assessment.submitted_at is None:
        return []
    if asked is None:
        asked = all_questions(assessment)
    return [q for q in asked if q.asked_at >= assessment.submitted_at]


def parse_answer_by(text: str | None, today: date) -> date:
    raw = (text or "").strip()
    if not raw:
        return today + timedelta(days=ANSWER_DAYS)
    try:
        answer_by = parse_date(raw)
    except ValueError:
        raise InputErrors({"answer_by": "Hạn trả lời không hợp lệ: dùng dạng 31/12/2022."}) \
            from None
    if answer_by < today:
        raise InputErrors({"answer_by": "Hạn trả lời phải từ hôm nay trở đi."})
    return answer_by


def ask(assessment: Assessment, row: Row, form, user, today: date) -> Question:
    """Mark an indicator with a question (one per indicator and round); sent by «Trả lại»."""
    if assessment.state != "submitted":
        raise AppraisalError("Chỉ ghi được câu hỏi giải trình cho hồ sơ đã nộp, đang thẩm định.")
    text = (form.get("question") or "").strip()
    errors = {}
    if not text:
        errors["question"] = "Câu hỏi giải trình: vui lòng ghi điều cần đơn vị giải trình."
    elif len(text) > TEXT_LIMIT:
        errors["question"] = f"Câu hỏi giải trình dài quá {TEXT_LIMIT} ký tự."
    try:
        answer_by = parse_answer_by(form.get("answer_by"), today)
    except InputErrors as exc:
        errors.update(exc.errors)
    if errors:
        raise InputErrors(errors)
    question = next((q for q in current_questions(assessment) if q.code == row.code), None)
    old = question.text if question else None
    if question is None:
        question = Question(assessment_id=assessment.id, code=row.code, text=text,
                            answer_by=answer_by, asked_by_id=user.id)
        db.session.add(question)
    question.text, question.answer_by = text, answer_by
    audit.record("question.ask", assessment=assessment, code=row.code, field="question",
                 old=old, new=text, user=user)
    db.session.commit()
    return question


def drop_question(assessment: Assessment, code: str, user) -> None:
    """Remove a question not yet sent to the unit."""
    if assessment.state != "submitted":
        raise AppraisalError("Câu hỏi đã gửi cho đơn vị: không bỏ được nữa.")
    for question in current_questions(assessment):
        if question.code == code:
            audit.record("question.withdraw", assessment=assessment, code=code, field="question",
                         old=question.text, user=user)
            db.session.delete(question)
    db.session.commit()


def return_to_unit(assessment: Assessment, user) -> list[Question]:
    """«Yêu cầu giải trình»: send this round's questions; only those rows become editable."""
    if assessment.state != "submitted":
        raise AppraisalError(_not_scorable(assessment) if assessment.state != "returned"
                             else "Hồ sơ đã được trả lại cho đơn vị.")
    questions = current_questions(assessment)
    if not questions:
        raise AppraisalError("Chưa có câu hỏi giải trình nào: hãy ghi câu hỏi ở từng chỉ tiêu "
                             "cần giải trình trước khi trả lại hồ sơ.")
    codes = ", ".join(q.code for q in questions)
    assessment.state = "returned"
    audit.record("appraisal.return", assessment=assessment, field="state", old="submitted",
                 new="returned", reason=f"Yêu cầu giải trình chỉ tiêu {codes}", user=user)
    dates = sorted({q.answer_by for q in questions})
    due = ("hạn trả lời " if len(dates) == 1 else "hạn trả lời sớm nhất ") + f"{dates[0]:%d/%m/%Y}"
    notify(unit_users(assessment.unit_id), "returned",
           f"Hồ sơ của {_title(assessment)} được trả lại để giải trình chỉ tiêu {codes}; {due}.",
           form_path(assessment),
           details=[f"Chỉ tiêu {q.code} (hạn trả lời {q.answer_by:%d/%m/%Y}): {q.text}"
                    for q in questions])
    db.session.commit()
    return questions


def reply(assessment: Assessment, code: str, form, user) -> Question:
    if assessment.state != "returned":
        raise AppraisalError("Hồ sơ không ở trạng thái trả lại để giải trình.")
    question = next((q for q in current_questions(assessment) if q.code == code), None)
    if question is None:
        raise AppraisalError(f"Chỉ tiêu {code} không có câu hỏi giải trình nào đang chờ.")
    text = (form.get("reply") or "").strip()
    if not text:
        raise InputErrors({"reply": f"Trả lời giải trình chỉ tiêu {code}: vui lòng ghi nội dung."})
    if len(text) > TEXT_LIMIT:
        raise InputErrors({"reply": f"Trả lời giải trình dài quá {TEXT_LIMIT} ký tự."})
    audit.record("question.reply", assessment=assessment, code=code, field="reply",
                 old=question.reply, new=text, user=user)
    question.reply, question.replied_by_id = text, user.id
    question.replied_at = datetime.utcnow()
    db.session.commit()
    return question


def resubmit_problems(assessment: Assessment, rows: list[Row],
                      asked: list[Question] | None = None) -> list[str]:
    """What stops «Nộp lại sau giải trình», in Vietnamese (empty: it may go)."""
    problems = [f"Chỉ tiêu {q.code}: chưa trả lời câu hỏi giải trình."
                for q in current_questions(assessment, asked) if not q.reply]
    state = svc.progress(rows, svc.answers_by_code(assessment), svc.evidence_by_code(assessment))
    problems += [f"Chỉ tiêu {code}: {what}." for code, what in state.missing]
    return problems


def resubmit(assessment: Assessment, rows: list[Row], user) -> None:
    if assessment.state != "returned":
        raise AppraisalError("Hồ sơ không ở trạng thái trả lại để giải trình.")
    problems = resubmit_problems(assessment, rows)
    if problems:
        raise AppraisalError("Chưa nộp lại được. " + " ".join(problems))
    assessment.state, assessment.submitted_at = "submitted", datetime.utcnow()
    audit.record("appraisal.resubmit", assessment=assessment, field="state", old="returned",
                 new="submitted", user=user)
    notify(role_users("appraiser"), "resubmitted",
           f"{_title(assessment)}: đơn vị đã giải trình và nộp lại hồ sơ.", review_path(assessment))
    db.session.commit()


# -- re-opening one indicator after appraisal ------------------------------------------------
def reopen(assessment: Assessment, code: str, form, user) -> Answer:
    """Let the unit edit one appraised indicator again, for a recorded reason. The assessment
    goes back to the unit with only that row open; the rest of it stays appraised."""
    if assessment.state != "appraised":
        raise AppraisalError("Chỉ mở lại được chỉ tiêu của hồ sơ đã thẩm định xong.")
    answer = svc.answers_by_code(assessment).get(code)
    if answer is None or answer.appraised_at is None:
        raise AppraisalError(f"Chỉ tiêu {code} chưa được thẩm định: không cần mở lại.")
    reason = (form.get("reason") or "").strip()
    if not reason:
        raise InputErrors({"reason": "Lý do mở lại: bắt buộc (được lưu vào nhật ký)."})
    if len(reason) > TEXT_LIMIT:
        raise InputErrors({"reason": f"Lý do mở lại dài quá {TEXT_LIMIT} ký tự."})
    answer.reopened_at, answer.reopen_reason = datetime.utcnow(), reason
    audit.record("answer.reopen", assessment=assessment, code=code, field="reopened", old=False,
                 new=True, reason=reason, user=user)
    assessment.state = "returned"
    audit.record("answer.reopen", assessment=assessment, field="state", old="appraised",
                 new="returned", reason=f"Mở lại chỉ tiêu {code}: {reason}", user=user)
    notify(unit_users(assessment.unit_id), "reopened",
           f"Chỉ tiêu {code} trong hồ sơ của {_title(assessment)} được mở lại để sửa: {reason}",
           form_path(assessment) + f"#row-{code}")
    _commit(f"Chỉ tiêu {code}")
    return answer


def _plain(value) -> str:
    return "trống" if value is None else format(Decimal(value).normalize(), "f").replace(".", ",")
