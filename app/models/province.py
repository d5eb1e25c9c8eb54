from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Province(db.Model):
    """A tenant. Its code is the code of the plugin that serves it (yenbai, dienbien, …)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    official_code: Mapped[str | None] = mapped_column(String(10))
    public_results: Mapped[bool] = mapped_column(default=False)
    plugins: Mapped[list[ProvincePlugin]] = relationship(back_populates="province",
                                                         cascade="all, delete-orphan")

    def plugin_enabled(self, code: str) -> bool:
        return any(p.plugin_code == code and p.enabled for p in self.plugins)

    def uses_scheme(self, scheme) -> bool:
        """Whether the province assesses with this scheme (app.catalogue.model.Scheme): one it
        imported itself, or one of a plugin it has enabled. The one test of a scheme's tenant."""
        if scheme.origin == "imported":
            return scheme.owner == self.code
        return self.plugin_enabled(scheme.plugin)


class ProvincePlugin(db.Model):
    """Whether a province uses an installed plugin (and so its schemes)."""
    __table_args__ = (UniqueConstraint("province_id", "plugin_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"))
    plugin_code: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(default=True)
    province: Mapped[Province] = relationship(back_populates="plugins")
