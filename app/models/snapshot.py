"""What a publication published, kept as it was (the result of record).

Publishing writes one ``PublicationSnapshot`` (the catalogue file's content and its SHA-256, the
units not ranked and why) and one ``PublishedPlace`` per ranked unit (its rank and every score
as published). Pages, exports, the public site and the API read these afterwards, so a
catalogue file, a scoring method or a unit changed later does not move a published figure.
Numbers are kept as decimal text inside JSON: read back exactly as they were written.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.tenancy import TenantMixin


class PublicationSnapshot(TenantMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), unique=True)
    scheme_code: Mapped[str] = mapped_column(String(60))
    scheme_version: Mapped[int]
    catalogue_sha256: Mapped[str] = mapped_column(String(64))
    catalogue: Mapped[str] = mapped_column(Text)  # the scheme file as published
    not_ranked: Mapped[str] = mapped_column(Text, default="[]")  # JSON [{unit_id, code, name, state}]
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    places: Mapped[list[PublishedPlace]] = relationship(
        back_populates="snapshot", cascade="all, delete-orphan", order_by="PublishedPlace.position")


class PublishedPlace(TenantMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("publication_snapshot.id"), index=True)
    position: Mapped[int]  # order on the published page
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"))
    unit_code: Mapped[str] = mapped_column(String(60))
    unit_name: Mapped[str] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(20))  # app.scoring.group family
    rank: Mapped[int | None]
    scores: Mapped[str] = mapped_column(Text)  # JSON: total, max, percent, main, leaves
    snapshot: Mapped[PublicationSnapshot] = relationship(back_populates="places")
