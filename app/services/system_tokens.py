"""System tokens: an API token that belongs to a named system of one province (the public
service portal, a document system…), not to a person. Made by `tokens create-system`, shown
once, kept as its SHA-256 like a personal token, revocable and expiring after the same
LIFETIME. Its only right (app.permissions, role "system") is writing the province's measured
values whose source is that system (app.api.measured)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, Province
from app.services.tokens import LIFETIME, NAME_LIMIT, PREFIX, TokenError, digest


@dataclass(frozen=True)
class SystemPrincipal:
    """The caller of a request made with a system token, standing where a user would
    (``current_user``): the permission table reads its role, tenancy its province, the audit
    trail its name. It never has a session: the web pages do not know it."""
    token_id: int
    system_name: str
    province_id: int
    role: str = "system"
    id: None = None
    unit: None = None
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    @property
    def full_name(self) -> str:
        return self.system_name

    email = full_name


def tidy_name(name: str | None) -> str:
    """A system's name as stored: spaces trimmed and single."""
    return " ".join((name or "").split())


def normal_name(name: str) -> str:
    """A system's name as compared with a row's ``measured.source``: spaces and case aside."""
    return tidy_name(name).casefold()


def create_system(province: Province, name: str, now: datetime | None = None) -> str:
    """Make a token for system ``name`` of the province; returns it in clear (only this once)."""
    name = tidy_name(name)
    if not name:
        raise TokenError("Thiếu tên hệ thống (ví dụ «Cổng dịch vụ công»).")
    if len(name) > NAME_LIMIT:
        raise TokenError(f"Tên hệ thống dài quá {NAME_LIMIT} ký tự.")
    token = PREFIX + secrets.token_urlsafe(32)
    now = now or datetime.utcnow()
    db.session.add(ApiToken(user_id=None, system_name=name, province_id=province.id, name="",
                            token_hash=digest(token), created_at=now, expires_at=now + LIFETIME))
    db.session.commit()
    return token


def of_province(province: Province) -> list[ApiToken]:
    """The province's system tokens, live and ended, newest first."""
    return db.session.scalars(select(ApiToken).where(ApiToken.province_id == province.id,
                                                     ApiToken.user_id.is_(None))
                              .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()


def revoke_system(province: Province, token_id: int) -> ApiToken | None:
    """Revoke one of the province's system tokens; None when it is not one of them."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id,
                                                   ApiToken.province_id == province.id,
                                                   ApiToken.user_id.is_(None)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = datetime.utcnow()
        db.session.commit()
    return row


def state_label(row: ApiToken, now: datetime | None = None) -> str:
    now = now or datetime.utcnow()
    if row.revoked_at is not None:
        return "đã thu hồi"
    return "hết hạn" if row.expired(now) else "còn hiệu lực"
