"""Evidence (tài liệu kiểm chứng): a stored file or a link, attached to indicators."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.unit import Unit
from app.tenancy import TenantMixin


class Evidence(TenantMixin, db.Model):
    """A file (by SHA-256, stored once) or a web link, owned by a unit. An official document
    carries its number, date and issuer; that date is the document's, not the upload's.
    One record per unit and content: two uploads of the same file at once find one record."""
    __table_args__ = (Index("uq_evidence_unit_id_sha256", "unit_id", "sha256", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # pdf, docx, xlsx, odt, png, jpeg, link
    filename: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None]
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(500))
    doc_number: Mapped[str | None] = mapped_column(String(100))
    doc_date: Mapped[date | None]
    issuer: Mapped[str | None] = mapped_column(String(300))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    unit: Mapped[Unit] = relationship()

    @property
    def label(self) -> str:
        return self.title or self.filename or self.url or f"Tài liệu {self.id}"


class EvidenceLink(TenantMixin, db.Model):
    """Evidence backing one indicator of one assessment (one file may back several)."""
    __table_args__ = (UniqueConstraint("evidence_id", "assessment_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    evidence: Mapped[Evidence] = relationship()
