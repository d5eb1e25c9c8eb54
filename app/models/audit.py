"""The audit trail: who changed what, when, from which value to which."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.user import User
from app.tenancy import TenantMixin


class AuditEvent(TenantMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=datetime.utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The system whose token made the change (a measured value), where no person did.
    system: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))  # answer.save, assessment.submit, ...
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(20))  # indicator, where there is one
    field: Mapped[str | None] = mapped_column(String(40))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    user: Mapped[User | None] = relationship()
