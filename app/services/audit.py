"""Writing the audit trail, in the same transaction as the change it records."""
from __future__ import annotations

from decimal import Decimal

from flask_login import current_user

from app.extensions import db
from app.models import AuditEvent


def record(action: str, *, assessment=None, code=None, field=None, old=None, new=None,
           reason=None, user=None) -> None:
    user = user or (current_user if getattr(current_user, "is_authenticated", False) else None)
    # A system's token (app.services.system_tokens) is recorded by the system's name: no person.
    system = getattr(user, "system_name", None)
    db.session.add(AuditEvent(
        action=action, assessment_id=assessment.id if assessment is not None else None,
        province_id=assessment.province_id if assessment is not None else None,
        code=code, field=field, old=_text(old), new=_text(new), reason=reason,
        user_id=user.id if user is not None else None, system=system))


# Every field the audit records is bounded where it is typed (texts at 5,000 characters,
# numbers at parse_number's bounds); this keeps one stray value from filling the append-only
# trail all the same.
VALUE_LIMIT = 6000


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value.is_finite() else str(value)
    else:
        text = str(value)
    return text if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT - 1] + "…"
