from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.tenancy import TenantMixin

UNIT_TYPE_ORDER = ("tinh", "so", "co_quan", "huyen", "phuong", "thi_tran", "xa")


class Unit(TenantMixin, db.Model):
    """An administrative unit or agency. Valid-from/valid-to keep history across mergers:
    a unit abolished in 2025 keeps its row (valid_to set) and its assessments."""
    __table_args__ = (Index("ix_unit_code", "province_id", "code", "valid_from", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    official: Mapped[bool] = mapped_column(default=False)  # code is the GSO code
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to)

    @property
    def current(self) -> bool:
        return self.valid_to is None
