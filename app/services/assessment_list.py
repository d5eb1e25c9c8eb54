"""The list of open assessments (/assessments): how many rows each has answered, and no more.

The list shows answered / required per assessment, never which row or evidence is missing, so
it reads neither whole Answer objects (texts, explanations, appraisal: 60 % of the page's CPU
when it did) nor the evidence links. The form and submission count with
app.services.assessments.progress, from the same rule (is_answered).
"""
from __future__ import annotations

from sqlalchemy import select

from app.catalogue.model import Row
from app.extensions import db
from app.models import Answer, Assessment
from app.services.assessments import Progress, is_answered


def answered_progress(rows: list[Row], assessment: Assessment | None) -> Progress:
    """``progress`` as far as the list shows it: ``required`` and ``answered`` (``missing`` and
    ``evidence_missing`` stay empty: nothing on the list reads them)."""
    rows = [row for row in rows if not row.measured_source]  # as progress(): not the unit's
    answers = _answer_columns(assessment)
    return Progress(required=len(rows),
                    answered=sum(1 for row in rows if is_answered(answers.get(row.code))))


def _answer_columns(assessment: Assessment | None) -> dict:
    """The columns is_answered reads, by row code, as plain rows."""
    if assessment is None:
        return {}
    columns = (Answer.code, Answer.value, Answer.numerator, Answer.text, Answer.self_score,
               Answer.not_assessed, Answer.not_assessed_reason)
    return {row.code: row for row in db.session.execute(
        select(*columns).where(Answer.assessment_id == assessment.id))}
