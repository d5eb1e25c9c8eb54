"""Login throttling: after a handful of failures for an account or from an address, wait."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import LoginAttempt

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def keys(email: str, address: str | None) -> list[str]:
    return [f"email:{email.strip().lower()}", f"ip:{address or '-'}"]


def wait_seconds(email: str, address: str | None, now: datetime | None = None) -> int:
    """Seconds until the next attempt is allowed; 0 when it is allowed now."""
    now = now or datetime.utcnow()
    longest = 0
    for key in keys(email, address):
        times = db.session.scalars(select(LoginAttempt.at).where(
            LoginAttempt.key == key, LoginAttempt.at > now - WINDOW)
            .order_by(LoginAttempt.at.desc()).limit(MAX_FAILURES)).all()
        if len(times) >= MAX_FAILURES:
            longest = max(longest, int((times[-1] + WINDOW - now).total_seconds()) + 1)
    return longest


def record_failure(email: str, address: str | None) -> None:
    for key in keys(email, address):
        db.session.add(LoginAttempt(key=key))
    db.session.commit()


def clear(email: str) -> None:
    """A successful login forgets the account's failures (not the address's)."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == keys(email, None)[0]))
    db.session.commit()


def prune(now: datetime | None = None) -> None:
    cutoff = (now or datetime.utcnow()) - WINDOW
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))


def count(key: str) -> int:
    return db.session.scalar(select(func.count()).select_from(LoginAttempt)
                             .where(LoginAttempt.key == key)) or 0
