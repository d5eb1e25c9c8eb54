"""One unit's answers for one scheme version and one period, row by row."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.period import Period
from app.models.unit import Unit
from app.tenancy import TenantMixin

STATES = ("draft", "submitted", "returned", "appraised", "published")
STATE_LABELS = {
    "draft": "Đang nhập",
    "submitted": "Đã nộp",
    "returned": "Trả lại để giải trình",
    "appraised": "Đã thẩm định",
    "published": "Đã công bố",
}
EDITABLE_STATES = ("draft", "returned")


class Assessment(TenantMixin, db.Model):
    __table_args__ = (UniqueConstraint("period_id", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_code: Mapped[str] = mapped_column(String(60))
    scheme_version: Mapped[int]
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    submitted_at: Mapped[datetime | None]
    # An admin may re-open an assessment after the deadline; the reason is in the audit trail.
    reopened_until: Mapped[datetime | None]
    # Set when an appraiser first records a score: from then on the unit cannot withdraw.
    appraisal_started_at: Mapped[datetime | None]
    appraised_at: Mapped[datetime | None]
    # A result published before the platform (a plugin's history) keeps the rank its decision
    # gave among all the units of its group: the platform holds only some of them, so a rank
    # computed here would be wrong. ``published_source`` names the decision.
    published_rank: Mapped[int | None]
    published_source: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    period: Mapped[Period] = relationship()
    unit: Mapped[Unit] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="assessment",
                                                 cascade="all, delete-orphan")

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


class Answer(TenantMixin, db.Model):
    """The unit's entry for one indicator. ``version`` guards against silent overwrites."""
    __table_args__ = (UniqueConstraint("assessment_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))  # number, percent, amount, 1/0
    numerator: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    denominator: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    text: Mapped[str | None] = mapped_column(Text)
    self_score: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    not_assessed: Mapped[bool] = mapped_column(default=False)
    not_assessed_reason: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[str | None] = mapped_column(Text)  # giải trình
    no_evidence_reason: Mapped[str | None] = mapped_column(Text)
    # Appraisal (thẩm định): the council's score and comment for this indicator.
    appraised_score: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    appraisal_comment: Mapped[str | None] = mapped_column(Text)
    appraised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    appraised_at: Mapped[datetime | None]
    # One indicator re-opened after appraisal, on request, without re-opening the assessment.
    reopened_at: Mapped[datetime | None]
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    # A measured row's value comes from a system's token, not the unit: which system, the time
    # the data refers to as the system gave it (Vietnam time: a label of the data, not an
    # instant of ours) and when it arrived (UTC, like every time we record).
    measured_by: Mapped[str | None] = mapped_column(String(100))
    measured_as_of: Mapped[datetime | None]
    measured_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assessment: Mapped[Assessment] = relationship(back_populates="answers")

    __mapper_args__ = {"version_id_col": version}
