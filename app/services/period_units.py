"""Which units a period assesses: those that exist on the period's last day.

Units carry the days they were valid (Unit.valid_from / valid_to): on 1 July 2025 districts were
abolished and communes merged (app/services/divisions.py), so a 2022 period still assesses the
2022 districts and communes while a 2026 period assesses the current communes and wards. The
last day decides, not any overlap: a 2025 year is assessed in the structure it ends in, and the
closed units of its first half are not asked for a report nobody is left to write. A closed unit
keeps its row, so what it was assessed on stays readable in its own periods.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, select

from app.catalogue.model import Scheme
from app.extensions import db
from app.models import Period, Unit


def valid_on(day: date):
    """SQL condition: the unit existed on that day."""
    return and_((Unit.valid_from.is_(None)) | (Unit.valid_from <= day),
                (Unit.valid_to.is_(None)) | (Unit.valid_to >= day))


def valid_in_period(period: Period):
    """SQL condition: the unit is one the period assesses (it exists on the period's last day)."""
    return valid_on(period.ident.end)


def units_of_period(scheme: Scheme, period: Period) -> list[Unit]:
    """The units of the scheme's types that the period assesses, by name."""
    return list(db.session.scalars(select(Unit).where(Unit.type.in_(scheme.unit_types),
                                                      valid_in_period(period))
                                   .order_by(Unit.name)))


def assessed_in(unit: Unit, period: Period) -> bool:
    """Whether the period assesses this unit (a district closed in 2025 has no 2026 form)."""
    return unit.valid_on(period.ident.end)
