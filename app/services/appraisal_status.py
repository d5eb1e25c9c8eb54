"""Where each indicator of an assessment stands in its appraisal (to do, done, changed by the
unit since, re-opened), the tally the queue and the pages show, and what the unit changed on a
row after it was appraised."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.catalogue.model import Row
from app.extensions import db
from app.models import Answer, Assessment, AuditEvent
from app.services import assessments as svc

# What the unit changes, and a system's new measured value: the appraiser must look again.
UNIT_ACTIONS = ("answer.save", "answer.measured", "evidence.add", "evidence.remove")

STATUS_LABELS = {
    "todo": "Chưa thẩm định",
    "done": "Đã thẩm định",
    "not_assessed": "Không đánh giá",
    "changed": "Đơn vị đã sửa sau thẩm định",
    "reopened": "Đang mở lại cho đơn vị",
}
DONE = ("done", "not_assessed")


def last_unit_changes(assessment_ids) -> dict[tuple[int, str], datetime]:
    """(assessment, code) → when the unit last changed a value or evidence of that row."""
    if not assessment_ids:
        return {}
    rows = db.session.execute(
        select(AuditEvent.assessment_id, AuditEvent.code, func.max(AuditEvent.at))
        .where(AuditEvent.assessment_id.in_(list(assessment_ids)),
               AuditEvent.action.in_(UNIT_ACTIONS), AuditEvent.code.is_not(None))
        .group_by(AuditEvent.assessment_id, AuditEvent.code)).all()
    return {(aid, code): at for aid, code, at in rows}


def row_status(answer: Answer | None, changed_at: datetime | None) -> str:
    if answer is not None and answer.not_assessed:
        return "not_assessed"
    if answer is None or answer.appraised_at is None:
        return "todo"
    if answer.reopened_at is not None:
        return "reopened"
    if changed_at is not None and changed_at > answer.appraised_at:
        return "changed"  # the appraiser must look again
    return "done"


def statuses(assessment: Assessment, rows: list[Row],
             changes: dict | None = None) -> dict[str, str]:
    answers = svc.answers_by_code(assessment)
    if changes is None:
        changes = last_unit_changes([assessment.id])
    return {r.code: row_status(answers.get(r.code), changes.get((assessment.id, r.code)))
            for r in rows}


@dataclass
class Tally:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def tally(row_statuses: dict[str, str]) -> Tally:
    return Tally(sum(1 for s in row_statuses.values() if s in DONE), len(row_statuses))


def changes_since_appraisal(assessment: Assessment, answer: Answer | None) -> list[AuditEvent]:
    """What the unit changed on this row after it was last appraised (field, old, new)."""
    if answer is None or answer.appraised_at is None:
        return []
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.assessment_id == assessment.id, AuditEvent.code == answer.code,
        AuditEvent.action.in_(UNIT_ACTIONS), AuditEvent.at > answer.appraised_at)
        .order_by(AuditEvent.at, AuditEvent.id)).all()
