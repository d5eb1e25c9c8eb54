"""The audit trail of an assessment as its history panels show it: which events, and the
fields, actions and values in Vietnamese words."""
from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Assessment, AuditEvent
from app.models.assessment import STATE_LABELS

FIELD_LABELS = {
    "value": "Giá trị", "numerator": "Tử số", "denominator": "Mẫu số", "text": "Nội dung",
    "self_score": "Điểm tự chấm", "not_assessed": "Không đánh giá",
    "not_assessed_reason": "Lý do không đánh giá", "explanation": "Giải trình",
    "no_evidence_reason": "Lý do không có tài liệu", "evidence": "Tài liệu kiểm chứng",
    "appraised_score": "Điểm thẩm định", "appraisal_comment": "Nhận xét thẩm định",
    "state": "Trạng thái hồ sơ", "question": "Câu hỏi giải trình", "reply": "Trả lời giải trình",
    "reopened": "Mở lại chỉ tiêu", "reopened_until": "Mở lại hồ sơ đến ngày",
    "measured_by": "Hệ thống đo", "measured_as_of": "Thời điểm của số liệu đo",
}
ACTION_LABELS = {
    "answer.save": "Nhập số liệu", "evidence.add": "Thêm tài liệu",
    "evidence.remove": "Gỡ tài liệu", "assessment.submit": "Nộp hồ sơ",
    "assessment.withdraw": "Rút hồ sơ", "assessment.reopen": "Mở lại hồ sơ",
    "appraisal.score": "Thẩm định", "appraisal.return": "Trả lại để giải trình",
    "appraisal.appraised": "Hoàn thành thẩm định", "appraisal.resubmit": "Nộp lại sau giải trình",
    "question.ask": "Yêu cầu giải trình", "question.withdraw": "Bỏ câu hỏi",
    "question.reply": "Trả lời giải trình", "answer.reopen": "Mở lại chỉ tiêu",
    "answer.measured": "Số liệu đo tự động",
}
NUMERIC_FIELDS = ("value", "numerator", "denominator", "self_score", "appraised_score")


# -- history ---------------------------------------------------------------------------------
def history(assessment: Assessment | None,
            code: str | Collection[str] | None = None) -> list[AuditEvent]:
    """The audit trail of an assessment (or of one or some of its indicators), newest first."""
    if assessment is None:
        return []
    stmt = select(AuditEvent).where(AuditEvent.assessment_id == assessment.id)
    if isinstance(code, str):
        stmt = stmt.where(AuditEvent.code == code)
    elif code is not None:
        stmt = stmt.where(AuditEvent.code.in_(sorted(code)))
    stmt = stmt.options(selectinload(AuditEvent.user))
    return db.session.scalars(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())).all()


def history_by_code(assessment: Assessment | None,
                    code: str | Collection[str] | None = None) -> dict[str, list[AuditEvent]]:
    grouped: dict[str, list[AuditEvent]] = {}
    for event in history(assessment, code):
        grouped.setdefault(event.code, []).append(event)
    return grouped


def shown_value(field: str | None, text: str | None) -> str:
    """An audited value as the history panel prints it (states and yes/no in words)."""
    if text is None or text == "":
        return "—"
    if field == "state":
        return STATE_LABELS.get(text, text)
    if field in NUMERIC_FIELDS:
        return text.replace(".", ",")
    return text
