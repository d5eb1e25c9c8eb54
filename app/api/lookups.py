"""Finding the scheme, period and unit of a URL in the caller's province (404 otherwise), and
what the caller may do with that unit's assessment."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_login import current_user

from app.api.errors import ApiError
from app.catalogue.model import Scheme
from app.models import Assessment, Period, Province, Unit
from app.permissions import can
from app.plugins import Registry
from app.services import assessments as svc
from app.services import lookups as shared
from app.services.lookups import current_province, unit_in_period


def registry() -> Registry:
    return current_app.extensions["chiso"]


def province() -> Province:
    found = current_province()
    if found is None:
        raise ApiError(404, "Không xác định được tỉnh: quản trị hệ thống cần thêm ?province=<mã>.")
    return found


def scheme_or_404(code: str) -> Scheme:
    """The web pages' rule with the API's messages: a superadmin who named no province is told
    so, not that the scheme does not exist."""
    province()
    return shared.scheme_or_404(code, ApiError(404, f"Không có bộ chỉ số «{code}» trong tỉnh "
                                                    "của bạn."))


def period_or_404(scheme: Scheme, code: str) -> Period:
    return shared.period_or_404(scheme, code, ApiError(
        404, f"Kỳ «{code}» không đúng định dạng (2022, 2022S1, 2022Q1, 202203)."))


def scheme_and_period(scheme_code: str, period_code: str) -> tuple[Scheme, Period]:
    scheme = scheme_or_404(scheme_code)
    return scheme, period_or_404(scheme, period_code)


def unit_or_404(code: str, period: Period) -> Unit:
    unit = unit_in_period(code, period)
    if unit is None:
        raise ApiError(404, f"Không có đơn vị «{code}» trong kỳ {period.code}.")
    return unit


@dataclass
class Access:
    """``writer``: the agency writing its own rows of the province's assessment (None: every
    row); ``may_write``: whether the caller enters values for this unit at all."""
    writer: Unit | None
    may_write: bool


def access(scheme: Scheme, unit: Unit) -> Access:
    """As on the web form: a unit user reaches only the assessment it fills (another unit's is
    not found), the province admin every unit's, the others read."""
    if can(current_user, "entry.any_unit"):
        return Access(None, True)
    if can(current_user, "units.own_only"):
        own = current_user.unit
        filled = svc.assessed_unit(scheme, own) if own is not None else None
        if filled is None or filled.id != unit.id:
            raise ApiError(404)
        return Access(own if own.id != unit.id else None, True)
    return Access(None, False)


def context(scheme_code: str, period_code: str, unit_code: str):
    """(scheme, period, unit, assessment or None, access) of an assessment URL."""
    scheme, period = scheme_and_period(scheme_code, period_code)
    unit = unit_or_404(unit_code, period)
    allowed = access(scheme, unit)
    assessment: Assessment | None = svc.get_assessment(scheme, period, unit)
    return scheme, period, unit, assessment, allowed


def readable_context(scheme_code: str, period_code: str, unit_code: str):
    """``context`` of a route that returns the assessment: a viewer reads it once published."""
    found = context(scheme_code, period_code, unit_code)
    assessment = found[3]
    reads_any = can(current_user, "assessment.read_any") or can(current_user, "units.own_only")
    if not reads_any and (assessment is None or assessment.state != "published"):
        raise ApiError(403, "Người xem chỉ xem được hồ sơ đã công bố kết quả.")
    return found
