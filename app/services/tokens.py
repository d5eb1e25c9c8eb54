"""Personal API tokens: made on the profile page or by `tokens create`, shown once, kept only
as their SHA-256, revocable. A token carries its user's own rights, nothing more. It expires
(LIFETIME after creation), and all of a person's tokens end when an admin resets their
password or locks the account (``end_all``): unlocking later does not bring them back."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import tenancy
from app.extensions import db
from app.models import ApiToken, User

PREFIX = "chiso_"
NAME_LIMIT = 100
TOUCH_EVERY = timedelta(minutes=5)  # last use is written at most this often
LIFETIME = timedelta(days=365)


class TokenError(ValueError):
    """Bad input for a token (name too long, unknown or locked user), in Vietnamese."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(user: User, name: str = "", now: datetime | None = None) -> str:
    """Make a token for the user; returns it in clear (the only time it exists so)."""
    name = (name or "").strip()
    if len(name) > NAME_LIMIT:
        raise TokenError(f"Tên mã truy cập dài quá {NAME_LIMIT} ký tự.")
    if not user.active:
        raise TokenError(f"Tài khoản {user.email} đã bị khóa: không tạo được mã truy cập.")
    token = PREFIX + secrets.token_urlsafe(32)
    now = now or datetime.utcnow()
    db.session.add(ApiToken(user_id=user.id, name=name, token_hash=digest(token),
                            created_at=now, expires_at=now + LIFETIME))
    db.session.commit()
    return token


def user_for(token: str | None, now: datetime | None = None) -> User | None:
    """The active user a token belongs to, or None (unknown, revoked, expired, user locked, or
    a system's token: app.services.system_tokens)."""
    found = principal_for(token, now)
    return found if isinstance(found, User) else None


def principal_for(token: str | None, now: datetime | None = None):
    """Who a live token speaks for: its active user, or for a system token the system
    (``system_tokens.SystemPrincipal``); None for an unknown, revoked or expired token."""
    if not token or not token.startswith(PREFIX):
        return None
    with tenancy.unscoped():
        row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token))
                                .options(joinedload(ApiToken.user)))
    now = now or datetime.utcnow()
    if row is None or row.revoked_at is not None or row.expired(now):
        return None
    if row.user_id is not None and not row.user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now
        db.session.commit()
    if row.user_id is None:
        from app.services.system_tokens import SystemPrincipal
        return SystemPrincipal(row.id, row.system_name, row.province_id)
    return row.user


def of_user(user: User) -> list[ApiToken]:
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.created_at.desc())).all()


def revoke(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's own tokens; None when it is not theirs."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id,
                                                   ApiToken.user_id == user.id))
    if row is not None and row.revoked_at is None:
        row.revoked_at = datetime.utcnow()
        db.session.commit()
    return row


def end_all(user: User) -> int:
    """Revoke every live token of the user (an admin's reset or lock); the caller commits."""
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                     ApiToken.revoked_at.is_(None))).all()
    now = datetime.utcnow()
    for row in rows:
        row.revoked_at = now
    return len(rows)
