"""What units organise around an assessment: participation, offices, monthly reports."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.unit import Unit
from app.tenancy import TenantMixin


class Participation(TenantMixin, db.Model):
    """A commune, ward or town the province admin marked as taking part in a scheme that year
    (Yên Bái's plan asks each district for at least 30% of its communes)."""
    __table_args__ = (UniqueConstraint("scheme_code", "year", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_code: Mapped[str] = mapped_column(String(60))
    year: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    unit: Mapped[Unit] = relationship()


class OfficeAssignment(TenantMixin, db.Model):
    """A unit's own split of an indicator between its offices (as Yên Định did in 2023)."""
    __table_args__ = (UniqueConstraint("unit_id", "scheme_code", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    scheme_code: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(20))
    lead: Mapped[str] = mapped_column(String(300))
    coordinating: Mapped[str] = mapped_column(Text, default="")  # one office per line


class MonthlyReport(TenantMixin, db.Model):
    """A snapshot of a unit's values sent on a reporting day (communes the 25th, districts the
    27th; Thanh Hóa's quarterly progress on the 15th). ``data`` is JSON: code → value."""
    __table_args__ = (UniqueConstraint("scheme_code", "unit_id", "period_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_code: Mapped[str] = mapped_column(String(60))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    period_code: Mapped[str] = mapped_column(String(10))  # 202209, 2022Q3
    data: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    unit: Mapped[Unit] = relationship()
