from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app import periods
from app.extensions import db
from app.tenancy import TenantMixin


class Period(TenantMixin, db.Model):
    """A reporting period of one scheme in one province: open for entry, or locked."""
    __table_args__ = (UniqueConstraint("province_id", "scheme_code", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_code: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(10))  # DHIS2 identifier: 2022, 2022S1, 2022Q1, 202203
    type: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(10), default="open")  # open | locked
    deadline: Mapped[date]
    opened_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)

    @property
    def ident(self) -> periods.PeriodId:
        return periods.parse(self.code)

    @property
    def label(self) -> str:
        return self.ident.label

    def days_left(self, today: date) -> int:
        return (self.deadline - today).days
