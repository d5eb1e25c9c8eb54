"""The appraisal's side of the unit's form (entry/form.html): questions and replies, history,
and the rows a returned assessment re-opens."""
from __future__ import annotations

from datetime import date

from app.catalogue.model import Row
from app.models import Assessment, Period, Question
from app.services import assessments as svc
from app.services.appraisal import all_questions, current_questions, resubmit_problems


def unit_form_context(assessment: Assessment | None, period: Period, today: date,
                      blocked: str | None, read_only: bool, rows: list[Row]) -> dict:
    """What entry/form.html needs to show questions, replies, history and the rows a returned
    assessment re-opens (``row_block(code)``: why that row is read-only, or None). The rows'
    history is the caller's (app.web.entry_page): only the rows drawn whole show it."""
    asked = all_questions(assessment)
    questions: dict[str, list[Question]] = {}
    for question in asked:
        questions.setdefault(question.code, []).append(question)
    returned = assessment is not None and assessment.state == "returned"
    open_codes = svc.open_codes(assessment, period, today) if returned and not read_only \
        else set()
    return {
        "view_only": read_only, "reply_errors": {}, "reply_saved": None,
        "all_questions": asked,
        "questions_by_code": questions,
        "open_questions": current_questions(assessment, asked) if returned else [],
        "reopened_answers": [a for a in assessment.answers if a.reopened_at is not None]
        if returned else [],
        "open_codes": open_codes,
        "row_block": lambda code: None if code in open_codes else blocked,
        "resubmit_problems": resubmit_problems(assessment, rows, asked) if returned else [],
    }
