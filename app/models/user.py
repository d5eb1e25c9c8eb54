from __future__ import annotations

import functools
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.province import Province
from app.models.unit import Unit
from app.tenancy import TenantMixin

# OWASP's argon2id minimum (19 MiB, 2 passes): ~30 ms a hash, so a bulk import of a few hundred
# commune accounts finishes within a request.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(16))


ROLES = ("superadmin", "province_admin", "appraiser", "unit_user", "viewer")
ROLE_LABELS = {
    "superadmin": "Quản trị hệ thống",
    "province_admin": "Quản trị tỉnh",
    "appraiser": "Thẩm định viên",
    "unit_user": "Cán bộ đơn vị",
    "viewer": "Người xem",
}


class User(TenantMixin, UserMixin, db.Model):
    """A person who logs in. Scoped like every tenant row; login and the session loader look
    users up across provinces explicitly (``tenancy.unscoped()``). A superadmin has no province."""
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    province_id: Mapped[int | None] = mapped_column(ForeignKey("province.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Rotated at logout, password change and deactivation: a copied session cookie dies with it.
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    province: Mapped[Province | None] = relationship()
    unit: Mapped[Unit | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def end_sessions(self) -> None:
        self.session_token = secrets.token_hex(16)

    @staticmethod
    def check_no_password(password: str) -> bool:
        """For an e-mail that has no account: verify against a throwaway hash so the answer takes
        as long as a wrong password does, and login time does not tell who has an account."""
        try:
            _hasher.verify(_dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            pass
        return False

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)
