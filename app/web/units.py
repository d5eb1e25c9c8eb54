"""Units of the province: a searchable tree, and the admin's edits."""
from __future__ import annotations


from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required
from sqlalchemy import or_, select

from app import clock, search
from app.extensions import db
from app.models import Unit
from app.models.unit import UNIT_TYPE_ORDER
from app.permissions import require
from app.catalogue.model import UNIT_TYPES
from app.tenancy import get_or_404
from app.web import render
from app.web.forms import UnitForm
from app.web.home import province_required

bp = Blueprint("units", __name__)


@bp.route("/units")
@login_required
@require("province.view")
def index():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    q = request.args.get("q", "").strip()
    show_old = request.args.get("history") == "1"
    stmt = select(Unit).order_by(Unit.name)
    if not show_old:
        stmt = stmt.where(Unit.valid_to.is_(None))
    units = db.session.scalars(stmt).all()
    if q:
        matches = _search(units, q)
        return render("units/index.html", "results", province=province, q=q, units=matches,
                      tree=None, show_old=show_old)
    return render("units/index.html", "results", province=province, q=q, units=units,
                  tree=_tree(units), show_old=show_old)


def _search(units, q):
    """Case- and accent-insensitive: every word typed appears in the name or the code."""
    matches = search.matcher(q)
    return [u for u in units if matches(u.name, u.code)][:200]


def _tree(units):
    children: dict[int | None, list[Unit]] = {}
    ids = {u.id for u in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    for kids in children.values():
        kids.sort(key=lambda u: (UNIT_TYPE_ORDER.index(u.type) if u.type in UNIT_TYPE_ORDER else 9,
                                 u.name))
    return children


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@login_required
@require("province.view")
def edit(unit_id):
    unit = get_or_404(Unit, id=unit_id)
    form = UnitForm(obj=unit)
    _choices(form, exclude=unit.id)
    if request.method == "POST":
        from app.permissions import can
        from flask_login import current_user
        if not can(current_user, "units.manage"):
            from flask import abort
            abort(403)
        if form.validate_on_submit() and _valid_dates(form) and _code_free(form, unit):
            # Field by field: populate_obj would write the parent's id (a string) onto the
            # ``parent`` relationship.
            unit.name, unit.code = form.name.data.strip(), form.code.data.strip()
            unit.type, unit.parent_id = form.type.data, _parent_id(form)
            unit.valid_from, unit.valid_to = form.valid_from.data, form.valid_to.data
            db.session.commit()
            flash(f"Đã lưu đơn vị {unit.name}.", "success")
            return redirect(url_for("units.edit", unit_id=unit.id))
    elif unit.parent_id:
        form.parent.data = str(unit.parent_id)
    return render("units/edit.html", unit=unit, form=form), (422 if form.errors else 200)


@bp.route("/units/new", methods=["GET", "POST"])
@login_required
@require("units.manage")
def create():
    form = UnitForm()
    _choices(form)
    if form.validate_on_submit() and _valid_dates(form):
        exists = db.session.scalar(select(Unit).where(Unit.code == form.code.data.strip(),
                                                      Unit.valid_to.is_(None)))
        if exists:
            form.code.errors.append("Mã đơn vị này đã có.")
        else:
            unit = Unit(code=form.code.data.strip(), name=form.name.data.strip(),
                        type=form.type.data, official=False,
                        parent_id=_parent_id(form),
                        valid_from=form.valid_from.data or clock.today(),
                        valid_to=form.valid_to.data)
            db.session.add(unit)
            db.session.commit()
            flash(f"Đã thêm đơn vị {unit.name}.", "success")
            return redirect(url_for("units.index"))
    return render("units/edit.html", unit=None, form=form), (422 if form.errors else 200)


def _choices(form, exclude=None):
    form.type.choices = list(UNIT_TYPES.items())
    parents = db.session.scalars(select(Unit).where(
        Unit.valid_to.is_(None), or_(Unit.type.in_(["tinh", "huyen"]))).order_by(Unit.name))
    form.parent.choices = [("", "— Không —")] + [
        (str(u.id), u.name) for u in parents if u.id != exclude]


def _parent_id(form) -> int | None:
    return int(form.parent.data) if form.parent.data else None  # one of the choices offered


def _code_free(form, unit) -> bool:
    taken = db.session.scalar(select(Unit.id).where(Unit.code == form.code.data.strip(),
                                                    Unit.valid_to.is_(None), Unit.id != unit.id))
    if taken:
        form.code.errors.append("Mã đơn vị này đã có.")
    return not taken


def _valid_dates(form) -> bool:
    if form.valid_from.data and form.valid_to.data and form.valid_to.data < form.valid_from.data:
        form.valid_to.errors.append("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.")
        return False
    return True
