"""The lookups every view of an assessment starts from: today, the unit of a URL as it was in
the period, and who may write which rows (entry, evidence, offices, re-opening, appraisal,
exports)."""
from __future__ import annotations

from datetime import date

from flask import abort
from flask_login import current_user

from app import clock
from app.catalogue.model import Scheme
from app.models import Unit
from app.permissions import can
from app.services import assessments as svc
from app.services.lookups import unit_and_assessment
from app.web.ownership import scheme_and_period


def today() -> date:
    return clock.today()


def assessment_context(scheme_code: str, period_code: str, unit_code: str, create: bool = False):
    """Scheme, period, unit and assessment of the URL, checked against the user's rights."""
    scheme, period = scheme_and_period(scheme_code, period_code)
    unit, assessment = unit_and_assessment(unit_code, period)
    if unit is None:
        abort(404)
    writer = writer_for(scheme, unit)
    if assessment is None and create and writer is not False:
        assessment = svc.get_assessment(scheme, period, unit, create=True)
    return scheme, period, unit, assessment, writer


def writer_for(scheme: Scheme, unit: Unit):
    """The unit whose rows the user writes (None: all rows); False when they may only read."""
    if can(current_user, "entry.any_unit"):
        return None
    if can(current_user, "units.own_only") and current_user.unit is not None:
        if svc.assessed_unit(scheme, current_user.unit) == unit:
            return current_user.unit if current_user.unit.id != unit.id else None
    if can(current_user, "assessment.read_any"):
        return False
    abort(404)  # another unit's assessment is not there for a unit user or a viewer


def visible_rows(scheme, period, writer):
    return svc.visible_rows(scheme, period, writer or None)
