"""A scheme a province admin imported from a workbook: the scheme of record, with its source.

The registry reads these rows (app/imported_registry.py) and serves them beside the plugins'
schemes; the TOML content is what the one loader validated at import, and the uploaded workbook
is kept byte for byte so that anyone can see what the admin sent.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.user import User
from app.tenancy import TenantMixin


class ImportedScheme(TenantMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique across every province: the registry is keyed by scheme code (plugin codes are
    # refused by the import service, which checks the registry before a row is written).
    code: Mapped[str] = mapped_column(String(60), unique=True)
    # The plugin whose family this version continues, or the importing province's code for a
    # family of its own: families and calendars are looked up by it.
    plugin: Mapped[str] = mapped_column(String(40))
    family: Mapped[str] = mapped_column(String(60))
    version: Mapped[int]
    first_year: Mapped[int]
    last_year: Mapped[int | None]
    # Both loaded only when read (the registry selects content by column; the source download
    # undefers the workbook): the catalogue page must not pull up to 5 MB on every view.
    content: Mapped[str] = mapped_column(Text, deferred=True)  # the TOML the loader validated
    sha256: Mapped[str] = mapped_column(String(64))  # of content
    workbook: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # the upload, as sent
    filename: Mapped[str] = mapped_column(String(255))
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    imported_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    imported_by: Mapped[User | None] = relationship()
