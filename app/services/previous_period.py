"""Last period's answers of a unit, for the comparison shown beside each row of the form and
of the appraisal page."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Answer, Assessment, Period
from app.services.rankings import family_codes, scheme_of_record


def previous_answers(registry, scheme, period, unit) -> dict:
    """Last period's answers of the same unit in the scheme's family (any version), for
    comparison; ``maxima`` holds the earlier maximum of each row whose maximum has changed
    since (the form then compares in percent of the maximum)."""
    earlier = db.session.scalars(
        select(Assessment).join(Period, Assessment.period_id == Period.id)
        .where(Assessment.unit_id == unit.id, Period.type == period.type,
               Period.code < period.code,
               Assessment.scheme_code.in_(family_codes(registry, scheme)))
        .order_by(Period.code.desc())).first()
    if earlier is None:
        return {}
    # Only the three numbers shown beside each row: plain rows, not Answer objects.
    shown = db.session.execute(select(Answer.code, Answer.value, Answer.self_score,
                                      Answer.appraised_score)
                               .where(Answer.assessment_id == earlier.id))
    then = registry.schemes.get(earlier.scheme_code)
    then = scheme_of_record(registry, then, earlier.period) if then is not None else scheme
    maxima = {row.code: row.max_points for row in then.rows if row.code in scheme.by_code
              and row.max_points and row.max_points != scheme.by_code[row.code].max_points}
    return {"period": earlier.period, "answers": {row.code: row for row in shown},
            "maxima": maxima}
