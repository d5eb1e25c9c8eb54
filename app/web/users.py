"""Users of the province: list, create, deactivate, reset a password."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import search
from app.extensions import db
from app.models import Unit, User
from app.models.unit import UNIT_TYPE_ORDER
from app.models.user import ROLE_LABELS
from app.catalogue.model import UNIT_TYPES
from app.permissions import require
from app.services import tokens
from app.services.users import UserError, create_user
from app.tenancy import get_or_404
from app.web import render
from app.web.forms import ResetPasswordForm, UserForm
from app.web.home import province_required

bp = Blueprint("users", __name__)
PROVINCE_ROLES = ["province_admin", "appraiser", "unit_user", "viewer"]


@bp.route("/users")
@login_required
@require("users.view")
def index():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    role = request.args.get("role", "")
    unit_code = request.args.get("unit", "")
    q = request.args.get("q", "").strip()
    stmt = select(User).options(selectinload(User.unit)).order_by(User.role, User.email)
    if role:
        stmt = stmt.where(User.role == role)
    users = db.session.scalars(stmt).all()
    with_units = sorted({u.unit for u in users if u.unit is not None}, key=lambda u: u.name)
    if unit_code:
        users = [u for u in users if u.unit is not None and u.unit.code == unit_code]
    if q:
        matches = search.matcher(q)
        users = [u for u in users
                 if matches(u.email, u.full_name, u.unit.name if u.unit else None)]
    return render("users/index.html", "user_rows", users=users, province=province, role=role,
                  roles=PROVINCE_ROLES, q=q, unit_code=unit_code,
                  unit_groups=unit_groups(with_units))


def unit_groups(units) -> list[tuple[str, list[Unit]]]:
    """Units by kind (sở, huyện, xã…), in the province's usual order, each kind by name."""
    groups: dict[str, list[Unit]] = {}
    for unit in units:
        groups.setdefault(unit.type, []).append(unit)
    order = sorted(groups, key=lambda t: UNIT_TYPE_ORDER.index(t) if t in UNIT_TYPE_ORDER else 99)
    return [(UNIT_TYPES.get(t, t), sorted(groups[t], key=lambda u: u.name)) for t in order]


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
@require("users.manage")
def create():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    form = UserForm()
    form.role.choices = [(r, ROLE_LABELS[r]) for r in PROVINCE_ROLES]
    units = db.session.scalars(select(Unit).where(Unit.valid_to.is_(None)).order_by(Unit.name))
    # 160 units in one list is unusable: grouped by kind (optgroups), the list filterable.
    form.unit.choices = {"": [("", "— Không —")]} | {
        label: [(u.code, f"{u.name} ({u.code})") for u in members]
        for label, members in unit_groups(units)}
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.role.data, province, form.unit.data or None,
                               form.password.data, form.full_name.data)
        except UserError as exc:
            getattr(form, exc.field, form.email).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Đã tạo tài khoản {user.email}.", "success")
            return redirect(url_for("users.index"))
    return render("users/new.html", form=form), (422 if request.method == "POST" else 200)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@login_required
@require("users.manage")
def set_active(user_id):
    user = get_or_404(User, id=user_id)
    if user.id == current_user.id:
        flash("Bạn không thể tự khóa tài khoản của mình.", "error")
        return redirect(url_for("users.index"))
    user.active = request.form.get("active") == "1"
    user.end_sessions()
    ended = 0 if user.active else tokens.end_all(user)
    db.session.commit()
    flash(f"Đã {'mở khóa' if user.active else 'khóa'} tài khoản {user.email}."
          + (f" {ended} mã truy cập API của tài khoản đã bị thu hồi." if ended else ""), "success")
    return redirect(url_for("users.index"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@login_required
@require("users.manage")
def reset_password(user_id):
    user = get_or_404(User, id=user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        ended = tokens.end_all(user)
        db.session.commit()
        flash(f"Đã đặt lại mật khẩu cho {user.email}. Hãy báo mật khẩu mới cho người dùng."
              + (f" {ended} mã truy cập API của tài khoản đã bị thu hồi." if ended else ""),
              "success")
        return redirect(url_for("users.index"))
    return render("users/password.html", form=form, user=user), \
        (422 if request.method == "POST" else 200)
