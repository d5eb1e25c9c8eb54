"""One rule for every route that names an object in its URL: the object must belong to the
current province, or the answer is 404, before any permission check or view code runs.

A new URL argument must be added here; tests/test_isolation.py fails until it is. The views
fetch the same objects through app/services/lookups.py (re-exported here for the web views),
which answers 404 by the same rule and is shared with the API.
"""
from __future__ import annotations

from flask import abort, g, request
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Evidence, EvidenceLink, Period, Unit, User
from app.services.lookups import enabled_scheme, scheme_and_period, scheme_or_404


def _by_id(model):
    def exists(value) -> bool:
        return db.session.scalar(select(model.id).where(model.id == int(value))) is not None
    return exists


def _unit_code(value) -> bool:
    return db.session.scalar(select(Unit.id).where(Unit.code == value).limit(1)) is not None


def _scheme(value) -> bool:
    return enabled_scheme(value) is not None


def _period_code(value) -> bool:
    return db.session.scalar(select(Period.id).where(Period.code == value).limit(1)) is not None


def _anything(_value) -> bool:
    """Arguments that name no tenant object (an indicator code inside a checked scheme)."""
    return True


RESOLVERS = {
    "unit_id": _by_id(Unit),
    "user_id": _by_id(User),
    "period_id": _by_id(Period),
    "evidence_id": _by_id(Evidence),
    "link_id": _by_id(EvidenceLink),
    "unit_code": _unit_code,
    "scheme_code": _scheme,
    "period_code": _period_code,
    "main_code": _anything,
}
# Per endpoint, arguments whose meaning differs from the table above.
ENDPOINT_RESOLVERS = {
    "catalogue.show": {"code": _scheme},
    "catalogue.excel": {"code": _scheme},
    "catalogue_import.source": {"code": _scheme},
    # a staged upload's token: found only in the province's own folder (staged_uploads)
    "catalogue_import.confirm": {"token": _anything},
    "admin.enter_province": {"code": _anything},  # superadmin only, across provinces by design
    # Public results name a province (any, logged in or not) and objects of it; the view reads
    # that province's published data only, and answers 404 unless it turned the page on.
    "public.province": {"code": _anything},
    "public.unit": {"code": _anything, "scheme_code": _anything, "period_code": _anything,
                    "unit_code": _anything},
}


def check_view_args() -> None:
    """before_request: 404 for an object of another province (or one that does not exist)."""
    if not request.view_args or request.endpoint == "static":
        return
    if not current_user.is_authenticated or g.get("province_id") is None:
        return
    special = ENDPOINT_RESOLVERS.get(request.endpoint, {})
    for name, value in request.view_args.items():
        resolver = special.get(name) or RESOLVERS.get(name)
        if resolver is None:
            if name == "code":  # an indicator code, checked by the view against its scheme
                continue
            raise LookupError(f"URL argument «{name}» of {request.endpoint} has no owner rule")
        if not resolver(value):
            abort(404)


__all__ = ["check_view_args", "enabled_scheme", "scheme_and_period", "scheme_or_404"]
