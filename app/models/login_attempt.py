from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class LoginAttempt(db.Model):
    """A failed login, by account and by address; shared by every worker through the database."""
    __table_args__ = (Index("ix_login_attempt_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255))  # "email:<address>" or "ip:<address>"
    at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
