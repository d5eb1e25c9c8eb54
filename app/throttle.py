"""Login throttling: after a handful of failures for an account or from an address, wait."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from app.extensions import db
from app.models import LoginAttempt

ACCOUNT_FAILURES = 5
# An address is often a whole office behind one NAT: its officials' typos together must not
# lock them all out, while a guesser from one address is still stopped within minutes.
ADDRESS_FAILURES = 20
WINDOW = timedelta(minutes=15)


def keys(email: str, address: str | None) -> dict[str, int]:
    """The throttle's keys for this attempt, each with the failures it allows in the window."""
    return {f"email:{email.strip().lower()}": ACCOUNT_FAILURES,
            f"ip:{address or '-'}": ADDRESS_FAILURES}


def wait_seconds(email: str, address: str | None, now: datetime | None = None) -> int:
    """Seconds until the next attempt is allowed; 0 when it is allowed now."""
    now = now or datetime.utcnow()
    longest = 0
    for key, allowed in keys(email, address).items():
        times = db.session.scalars(select(LoginAttempt.at).where(
            LoginAttempt.key == key, LoginAttempt.at > now - WINDOW)
            .order_by(LoginAttempt.at.desc()).limit(allowed)).all()
        if len(times) >= allowed:
            longest = max(longest, int((times[-1] + WINDOW - now).total_seconds()) + 1)
    return longest


def record_failure(email: str, address: str | None, now: datetime | None = None) -> None:
    """Count one failure for the account and the address. Nothing else writes the table, so
    this is where failures older than the window go: it holds only the last minutes' failures
    however many logins fail over the months."""
    now = now or datetime.utcnow()
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - WINDOW))
    for key in keys(email, address):
        db.session.add(LoginAttempt(key=key, at=now))
    db.session.commit()


def clear(email: str) -> None:
    """A successful login forgets the account's failures (not the address's)."""
    account = next(iter(keys(email, None)))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == account))
    db.session.commit()
