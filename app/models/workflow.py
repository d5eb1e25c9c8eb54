"""Appraisal workflow rows: questions to the unit, notifications, publications, appraiser scopes."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.period import Period
from app.models.user import User
from app.tenancy import TenantMixin


class Question(TenantMixin, db.Model):
    """"Yêu cầu giải trình": an appraiser's question on one indicator, and the unit's answer."""
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    answer_by: Mapped[date]
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    asked_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    replied_at: Mapped[datetime | None]
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])


class Notification(TenantMixin, db.Model):
    """An in-app message to one user (the bell): returned, resubmitted, appraised, published…"""
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    read_at: Mapped[datetime | None]


class Publication(TenantMixin, db.Model):
    """A scheme's results for a period, published by the province admin (then read-only)."""
    __table_args__ = (UniqueConstraint("period_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_code: Mapped[str] = mapped_column(String(60))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    withdrawn_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    period: Mapped[Period] = relationship()


class AppraiserScope(TenantMixin, db.Model):
    """The main indices of a scheme an appraiser is assigned to (none: all of them)."""
    __table_args__ = (UniqueConstraint("user_id", "scheme_code", "main_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    scheme_code: Mapped[str] = mapped_column(String(60))
    main_code: Mapped[str] = mapped_column(String(20))


class ApiToken(db.Model):
    """An API token; only its SHA-256 is stored. A personal token carries its user's rights; a
    system token (``user_id`` empty) belongs to a named system of one province, which may only
    write that province's measured values (app.services.system_tokens)."""
    __table_args__ = (CheckConstraint(
        "(user_id IS NULL) <> (system_name IS NULL) "
        "AND (system_name IS NULL) = (province_id IS NULL)", name="one_owner"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    system_name: Mapped[str | None] = mapped_column(String(100))
    province_id: Mapped[int | None] = mapped_column(ForeignKey("province.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Set at creation (tokens.LIFETIME); a token without one is refused, never eternal.
    expires_at: Mapped[datetime | None]
    user: Mapped[User | None] = relationship()

    def expired(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at <= now
