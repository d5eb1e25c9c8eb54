"""E-mail: the outbox a worker sends from, each user's choices, password-reset links."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.user import User
from app.tenancy import TenantMixin

OUTBOX_STATES = {
    "pending": "Chờ gửi",
    "sending": "Đang gửi",
    "sent": "Đã gửi",
    "failed": "Gửi không được",
    "held": "Chờ thư tổng hợp",
    "digested": "Đã gộp vào thư tổng hợp",
}


class OutboxMail(TenantMixin, db.Model):
    """One e-mail to one address, written in the transaction of the change it tells of and sent
    later by `mail send` (never in the request). ``held``: waits for the user's daily digest."""
    __tablename__ = "outbox_mail"
    __table_args__ = (Index("ix_outbox_mail_state_next", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    to_addr: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # The notification's own sentence and page, for the line a daily digest gives it.
    summary: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    # Set on mail a daily job writes ("digest:<user>:<day>"): the same day never writes it twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    claim: Mapped[str | None] = mapped_column(String(32))  # the worker that is sending it
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    sent_at: Mapped[datetime | None]
    user: Mapped[User | None] = relationship()

    @property
    def state_label(self) -> str:
        return OUTBOX_STATES.get(self.state, self.state)


class MailPreference(TenantMixin, db.Model):
    """A user's choice for one kind of notification: "now" (default, no row), "digest", "off"."""
    __tablename__ = "mail_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    mode: Mapped[str] = mapped_column(String(10))


class PasswordReset(db.Model):
    """A password-reset link: only its SHA-256 is kept; valid an hour, usable once."""
    __tablename__ = "password_reset"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()
