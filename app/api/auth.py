"""Who is calling: the user of the bearer token, bound to their province like a web session,
or the system of a system token, bound to its province."""
from __future__ import annotations

from flask import g, request
from sqlalchemy import select

from app import tenancy
from app.api.errors import ApiError
from app.extensions import db
from app.models import Province
from app.permissions import can
from app.services import tokens


def authenticate() -> None:
    """Make the token's user the request's ``current_user`` and bind their province; 401
    without a valid token. A session cookie never counts here: the API is token-only."""
    kind, _, token = request.headers.get("Authorization", "").partition(" ")
    user = tokens.principal_for(token.strip()) if kind.lower() == "bearer" else None
    if user is None:
        raise ApiError(401)
    # Flask-Login reads the request's user from g._login_user: setting it makes permissions,
    # the audit trail and every shared helper see the token's user for this request only.
    g._login_user = user
    province_id = user.province_id
    if can(user, "provinces.pick"):
        province_id = _picked_province()
    g.province_id = province_id
    tenancy.set_province(province_id)


def _picked_province() -> int | None:
    """A superadmin reads one province at a time: the one named by ``?province=<code>``."""
    code = request.args.get("province")
    if not code:
        return None
    with tenancy.unscoped():
        return db.session.scalar(select(Province.id).where(Province.code == code))
