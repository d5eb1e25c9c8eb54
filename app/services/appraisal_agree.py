""""Đồng ý": keeping the unit's self-score, safely. One row's agreement must not silently undo
an appraiser's adjustment, and a council agrees to the rows nobody has looked at yet in one
go, each row audited exactly as if it had been agreed to on its own page."""
from __future__ import annotations

from app.catalogue.model import Row, Scheme
from app.models import Answer, Assessment
from app.services import appraisal as ap
from app.services import appraisal_status
from app.services import assessments as svc

AGREE = {"agree": "1"}


def adjusted(answer: Answer | None) -> bool:
    """An appraiser already wrote a comment on this row (every score other than the self-score
    needs one): agreeing would replace their score and words with the self-score. A plain
    earlier agreement whose self-score the unit changed since is not an adjustment."""
    return (answer is not None and answer.appraised_at is not None
            and bool(answer.appraisal_comment))


def remaining(scheme: Scheme, assessment: Assessment, rows: list[Row], scope) -> list[Row]:
    """The rows in ``scope`` not yet appraised that "Đồng ý" can settle: the unit has a score
    on them, typed or earned by its value (a row without one needs the appraiser's number)."""
    if assessment.state not in ap.SCORABLE_STATES:
        return []
    answers = svc.answers_by_code(assessment)
    own = ap.unit_scores(assessment)
    row_statuses = appraisal_status.statuses(assessment, rows)
    return [r for r in rows if ap.in_scope(scope, scheme, r.code)
            and row_statuses[r.code] == "todo" and answers.get(r.code) is not None
            and (own.get(r.code) is not None or r.max_points is None)]


def agree_remaining(scheme: Scheme, assessment: Assessment, rows: list[Row], scope, codes,
                    user) -> list[Row]:
    """Agree to the rows the appraiser was shown (``codes``) that are still waiting; a row
    someone appraised meanwhile keeps that appraisal. All in one transaction."""
    wanted = set(codes)
    chosen = [r for r in remaining(scheme, assessment, rows, scope) if r.code in wanted]
    if chosen:
        ap.record_scores(assessment, rows, [(r, AGREE) for r in chosen], user)
    return chosen
