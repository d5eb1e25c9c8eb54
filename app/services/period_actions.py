"""Locking, re-opening and re-dating a reporting period: actions that change what every unit
of a scheme may do, so each is audited and told to those units, like a publication."""
from __future__ import annotations

from datetime import date

from app.catalogue.model import Scheme
from app.models import Period
from app.services import audit
from app.services.notifications import notify, unit_users
from app.services.province_dashboard import expected_units

KIND = "period"


def scheme_label(scheme: Scheme | None, period: Period) -> str:
    """«kỳ Năm 2022 của Bộ chỉ số CĐS các cơ quan chuyên môn thuộc UBND tỉnh (dienbien-so-2022)»"""
    from app.web.labels import short_title  # the same short title the pages show
    name = short_title(scheme.title) if scheme is not None else period.scheme_code
    return f"kỳ {period.label} của {name} ({period.scheme_code})"


def _which(period: Period) -> str:
    """The audit entry's subject: the column «code» holds an indicator, not a period."""
    return f"{period.scheme_code} {period.code}"


def _tell_units(scheme: Scheme | None, period: Period, text: str) -> int:
    """Notify the users of the units that report in this period; returns how many units."""
    units = expected_units(scheme, period) if scheme is not None else set()
    if units:
        notify(unit_users(*units), KIND, text, "/assessments")
    return len(units)


def set_state(scheme: Scheme | None, period: Period, state: str, user) -> int:
    """Lock (``locked``) or re-open (``open``) the period; the caller commits."""
    if state == period.state:
        return 0
    audit.record(f"period.{'lock' if state == 'locked' else 'open'}", field="state",
                 old=period.state, new=state, user=user, reason=_which(period))
    period.state = state
    if state == "locked":
        text = (f"Đã khóa {scheme_label(scheme, period)}: hồ sơ không nhập, sửa hay nộp được "
                "nữa.")
    else:
        text = (f"Đã mở lại {scheme_label(scheme, period)}, hạn nộp "
                f"{period.deadline:%d/%m/%Y}.")
    return _tell_units(scheme, period, text)


def change_deadline(scheme: Scheme | None, period: Period, deadline: date, user) -> int:
    """A new deadline for the period; the caller commits."""
    if deadline == period.deadline:
        return 0
    audit.record("period.deadline", field="deadline", old=period.deadline.isoformat(),
                 new=deadline.isoformat(), user=user, reason=_which(period))
    old, period.deadline = period.deadline, deadline
    return _tell_units(scheme, period, f"Hạn nộp {scheme_label(scheme, period)} đổi từ "
                                       f"{old:%d/%m/%Y} thành {deadline:%d/%m/%Y}.")
