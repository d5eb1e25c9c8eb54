"""The list of open assessments (/assessments): how many rows each has answered, and no more.

The list shows answered / required per assessment, never which row or evidence is missing, so
it reads neither whole Answer objects (texts, explanations, appraisal: 60 % of the page's CPU
when it did) nor the evidence links. The form and submission count with
app.services.assessments.progress, from the same rule (is_answered).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.catalogue.model import Row
from app.extensions import db
from app.models import Answer, Assessment, Period, Unit
from app.services.assessments import is_answered


@dataclass(frozen=True)
class ListProgress:
    """What the list shows of an assessment's progress: answered of required. Not
    app.services.assessments.Progress, which also says what is missing (and so whether it is
    complete): the list does not know that."""
    required: int
    answered: int


def answered_progress(rows: list[Row], answers: dict) -> ListProgress:
    """``progress`` as far as the list shows it. ``answers``: one assessment's, from
    ``answer_columns``."""
    rows = [row for row in rows if not row.measured_source]  # as progress(): not the unit's
    return ListProgress(required=len(rows),
                        answered=sum(1 for row in rows if is_answered(answers.get(row.code))))


def assessments_of(period: Period, units: list[Unit]) -> dict[int, Assessment]:
    """The period's assessments of these units by unit id, in one query (a province admin's
    list has one per unit of the province: one query each made it ~0.9 s)."""
    ids = [unit.id for unit in units]
    if not ids:
        return {}
    return {a.unit_id: a for a in db.session.scalars(select(Assessment).where(
        Assessment.period_id == period.id, Assessment.unit_id.in_(ids)))}


def answer_columns(assessments) -> dict[int, dict]:
    """The columns is_answered reads, as plain rows by assessment id, then by row code."""
    ids = [assessment.id for assessment in assessments]
    found: dict[int, dict] = {}
    if not ids:
        return found
    columns = (Answer.assessment_id, Answer.code, Answer.value, Answer.numerator, Answer.text,
               Answer.self_score, Answer.not_assessed, Answer.not_assessed_reason)
    for row in db.session.execute(select(*columns).where(Answer.assessment_id.in_(ids))):
        found.setdefault(row.assessment_id, {})[row.code] = row
    return found
