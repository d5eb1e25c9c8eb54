"""self-scores the unit never typed go back to being worked out from the value

Until this revision, saving a row with an empty «Điểm tự chấm» box stored the method's proposal
as the unit's self-score, and it stayed there when the value later changed (1.1 «Có» → «Không»
kept 10 points). The audit trail tells such scores from typed ones: the old save proposed a
score only in the same save that wrote the value, and stored exactly what the method gives that
value. A self-score whose last audited write was such a save, or which no save of the unit ever
wrote (demo data) while the method gives the value a score, is set back to empty; every other
self-score, typed by the unit, is kept. A published figure never moves: a row of a published
assessment whose score is its self-score (no appraised score) is left as it is.

Each repair is appended to the audit trail (action ``answer.repair``, old = the score removed),
which is also how the downgrade puts the scores back (and audits that too: the trail is
append-only).

Revision ID: h12a_01
Revises: h16_01
Create Date: 2026-12-02 05:00:00

"""
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = 'h12a_01'
down_revision = 'h16_01'
branch_labels = None
depends_on = None

REPAIR = "answer.repair"
REASON = "Điểm do hệ thống đề xuất khi lưu, không phải đơn vị nhập: tính lại từ giá trị (h12a_01)"
UNDO = "Hoàn tác h12a_01: trả lại điểm tự chấm đã lưu trước đây"
SAME_SAVE = timedelta(seconds=2)  # one save writes its fields' audit events together
VALUE_FIELDS = ("value", "numerator", "denominator")

answer = sa.table("answer", sa.column("id", sa.Integer), sa.column("assessment_id", sa.Integer),
                  sa.column("code", sa.String), sa.column("value", sa.Numeric(18, 4)),
                  sa.column("numerator", sa.Numeric(18, 4)),
                  sa.column("denominator", sa.Numeric(18, 4)),
                  sa.column("self_score", sa.Numeric(10, 4)),
                  sa.column("appraised_score", sa.Numeric(10, 4)),
                  sa.column("not_assessed", sa.Boolean))
assessment = sa.table("assessment", sa.column("id", sa.Integer),
                      sa.column("scheme_code", sa.String), sa.column("state", sa.String),
                      sa.column("province_id", sa.Integer))
audit = sa.table("audit_event", sa.column("id", sa.Integer), sa.column("at", sa.DateTime),
                 sa.column("user_id", sa.Integer), sa.column("action", sa.String),
                 sa.column("assessment_id", sa.Integer), sa.column("code", sa.String),
                 sa.column("field", sa.String), sa.column("old", sa.Text),
                 sa.column("new", sa.Text), sa.column("reason", sa.Text),
                 sa.column("province_id", sa.Integer))


def upgrade():
    from app import scoring
    registry = current_app.extensions["chiso"]
    conn = op.get_bind()
    stored = conn.execute(
        sa.select(answer, assessment.c.scheme_code, assessment.c.state, assessment.c.province_id)
        .join(assessment, answer.c.assessment_id == assessment.c.id)
        .where(answer.c.self_score.is_not(None), answer.c.not_assessed.is_(False))).all()
    for found in stored:
        if found.state == "published" and found.appraised_score is None:
            continue  # its self-score is a published figure
        scheme = registry.schemes.get(found.scheme_code)
        row = scheme.by_code.get(found.code) if scheme is not None else None
        if row is None or not row.is_leaf:
            continue  # a catalogue this instance no longer has: nothing can be worked out
        if _never_typed(conn, found, row, registry.scoring_methods, scoring):
            conn.execute(answer.update().where(answer.c.id == found.id).values(self_score=None))
            conn.execute(audit.insert().values(
                at=datetime.utcnow(), action=REPAIR, assessment_id=found.assessment_id,
                code=found.code, field="self_score", old=_text(found.self_score), new=None,
                reason=REASON, province_id=found.province_id))


def downgrade():
    conn = op.get_bind()
    repairs = conn.execute(sa.select(audit).where(audit.c.action == REPAIR,
                                                  audit.c.reason == REASON)
                           .order_by(audit.c.id)).all()
    for event in repairs:
        restored = conn.execute(
            answer.update().where(answer.c.assessment_id == event.assessment_id,
                                  answer.c.code == event.code, answer.c.self_score.is_(None))
            .values(self_score=Decimal(event.old)))
        if restored.rowcount:
            conn.execute(audit.insert().values(
                at=datetime.utcnow(), action=REPAIR, assessment_id=event.assessment_id,
                code=event.code, field="self_score", old=None, new=event.old, reason=UNDO,
                province_id=event.province_id))


def _never_typed(conn, found, row, methods, scoring) -> bool:
    events = conn.execute(
        sa.select(audit.c.at, audit.c.user_id, audit.c.field, audit.c.new)
        .where(audit.c.assessment_id == found.assessment_id, audit.c.code == found.code,
               audit.c.action == "answer.save")
        .order_by(audit.c.id)).all()
    writes = [e for e in events if e.field == "self_score"]
    if not writes:
        # No save of the unit wrote it (demo or generated data): not typed where the method
        # gives the value a score of its own.
        entry = scoring.Entry(value=found.value, numerator=found.numerator,
                              denominator=found.denominator)
        return scoring.propose(row, entry, methods) is not None
    last = writes[-1]
    if _number(last.new) != found.self_score:
        return False  # written since by a path that left no save event: keep it
    same_save = [e for e in events if e.user_id == last.user_id
                 and abs(e.at - last.at) <= SAME_SAVE and e.field in VALUE_FIELDS]
    if not same_save:
        return False  # the score changed on its own: the unit typed it
    # The value as that save wrote it (fields it did not change are as stored now).
    written = {name: getattr(found, name) for name in VALUE_FIELDS}
    written.update({e.field: _number(e.new) for e in same_save})
    proposed = scoring.propose(row, scoring.Entry(**written), methods)
    return proposed is not None and proposed == found.self_score


def _number(text):
    try:
        return None if text is None else Decimal(text)
    except InvalidOperation:
        return None


def _text(value):
    return None if value is None else format(Decimal(value).normalize(), "f")
