"""«Quên mật khẩu?»: a single-use link, valid an hour, sent through the outbox.

Only the link's SHA-256 is stored. Asking answers the same whether or not the address has an
account; asking is throttled per address and per account. Using the link ends the account's
other sessions (the session token rotates) and revokes its API tokens.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from app import tenancy
from app.extensions import db
from app.models import ApiToken, LoginAttempt, PasswordReset, User
from app.services.outbox import queue_password_reset
from app.services.tokens import digest
from app.throttle import WINDOW

VALID = timedelta(hours=1)
# Asking is cheap for an attacker and sends mail to a real person: a few per account and
# address in the login throttle's window. Counted in the login throttle's table, own keys.
ACCOUNT_ASKS = 3
ADDRESS_ASKS = 10


def _keys(email: str, address: str | None) -> dict[str, int]:
    return {f"reset:{email}": ACCOUNT_ASKS, f"reset-ip:{address or '-'}": ADDRESS_ASKS}


def throttled(email: str, address: str | None, now: datetime) -> bool:
    for key, allowed in _keys(email, address).items():
        count = db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.key == key, LoginAttempt.at > now - WINDOW))
        if count >= allowed:
            return True
    return False


def ask(email: str, address: str | None, now: datetime | None = None) -> bool:
    """Queue a reset link for the account with this address, if there is an active one with a
    province (a superadmin's password is reset on the command line). Returns False only when
    throttled; the caller answers the same in every other case."""
    now = now or datetime.utcnow()
    email = (email or "").strip().lower()
    if throttled(email, address, now):
        return False
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key.like("reset%"),
                                                  LoginAttempt.at <= now - WINDOW))
    for key in _keys(email, address):
        db.session.add(LoginAttempt(key=key, at=now))
    with tenancy.unscoped():
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and user.active and user.province_id is not None:
            token = secrets.token_urlsafe(32)
            db.session.add(PasswordReset(user_id=user.id, token_hash=digest(token),
                                         created_at=now, expires_at=now + VALID))
            queue_password_reset(user, f"/reset-password/{token}",
                                 int(VALID.total_seconds() // 60))
        db.session.commit()
    return True


def valid(token: str, now: datetime | None = None) -> PasswordReset | None:
    """The unused, unexpired link this token is, or None."""
    now = now or datetime.utcnow()
    with tenancy.unscoped():
        row = db.session.scalar(select(PasswordReset).where(
            PasswordReset.token_hash == digest(token or "")))
        if row is None or row.used_at is not None or row.expires_at <= now \
                or not row.user.active:
            return None
    return row


def use(token: str, password: str, now: datetime | None = None) -> User | None:
    """Set the new password, once: the UPDATE that marks the link used is what decides, so two
    submissions at once cannot both pass. Ends other sessions and revokes API tokens."""
    now = now or datetime.utcnow()
    row = valid(token, now)
    if row is None:
        return None
    with tenancy.unscoped():
        taken = db.session.execute(update(PasswordReset).where(
            PasswordReset.id == row.id, PasswordReset.used_at.is_(None)).values(used_at=now),
            execution_options={"synchronize_session": False})
        if taken.rowcount != 1:
            db.session.rollback()
            return None
        user = row.user
        user.set_password(password)  # rotates the session token: every session ends
        db.session.execute(update(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now),
            execution_options={"synchronize_session": False})
        # Other links sent before this one die with it.
        db.session.execute(update(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
            .values(used_at=now), execution_options={"synchronize_session": False})
        db.session.commit()
    return user
