"""Creating users, with the rules every entry point shares (UI, CLI, bulk import)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import Province, Unit, User
from app.models.user import ROLES

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserError(ValueError):
    """A problem with the data for one user; ``field`` names the field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def check_new_user(email: str, role: str, province: Province | None, unit_code: str | None,
                   password: str) -> Unit | None:
    """Validate one new user; return the unit it is bound to (unit users only)."""
    if not EMAIL.match(email or ""):
        raise UserError("email", f"Thư điện tử «{email}» không hợp lệ.")
    if role not in ROLES:
        raise UserError("role", f"Vai trò «{role}» không có; dùng: {', '.join(ROLES)}.")
    if role != "superadmin" and province is None:
        raise UserError("province", "Người dùng của tỉnh cần có mã tỉnh.")
    if len(password or "") < 10:
        raise UserError("password", "Mật khẩu cần ít nhất 10 ký tự.")
    with tenancy.unscoped():
        taken = db.session.scalar(select(User.id).where(func.lower(User.email) == email.lower()))
    if taken:
        raise UserError("email", f"Thư điện tử «{email}» đã có tài khoản.")
    if role == "unit_user":
        if not unit_code:
            raise UserError("unit", "Cán bộ đơn vị cần gắn với một đơn vị.")
        with tenancy.scoped(province.id):
            unit = db.session.scalar(select(Unit).where(Unit.code == unit_code,
                                                        Unit.valid_to.is_(None)))
        if unit is None:
            raise UserError("unit", f"Không có đơn vị mã «{unit_code}» trong tỉnh.")
        return unit
    return None


def create_user(email, role, province, unit_code, password, full_name="") -> User:
    unit = check_new_user(email, role, province, unit_code, password)
    user = User(email=email.strip().lower(), role=role, full_name=full_name or "",
                province_id=province.id if province else None, unit_id=unit.id if unit else None)
    user.set_password(password)
    db.session.add(user)
    return user
