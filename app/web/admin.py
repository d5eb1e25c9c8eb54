"""Superadmin: installed plugins and provinces; province admin: the province's plugins."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_login import login_required
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import Province, ProvincePlugin, Unit, User
from app.permissions import can, require
from app.services import snapshots
from app.services.provinces import SetupError, setup_province
from app.web import registry, render
from app.web.forms import ProvinceForm
from app.web.home import province_required

bp = Blueprint("admin", __name__)


@bp.route("/admin/plugins")
@login_required
@require("plugins.install")
def plugins():
    records = sorted(registry().records.values(), key=lambda r: (r.ok, r.code))
    with tenancy.unscoped():
        usage = dict(db.session.execute(
            select(ProvincePlugin.plugin_code, func.count()).where(ProvincePlugin.enabled)
            .group_by(ProvincePlugin.plugin_code)).all())
    return render("admin/plugins.html", records=records, usage=usage,
                  schemes=registry().schemes, drift=snapshots.drift(registry()))


@bp.route("/admin/provinces", methods=["GET", "POST"])
@login_required
def provinces():
    from flask_login import current_user
    if not can(current_user, "plugins.install"):
        return redirect(url_for("home.index"))
    form = ProvinceForm()
    form.plugin.choices = [(r.code, f"{r.info.province} ({r.code})")
                           for r in registry().records.values() if r.ok]
    if form.validate_on_submit():
        try:
            province, added = setup_province(registry(), form.plugin.data)
        except SetupError as exc:
            form.plugin.errors.append(str(exc))
        else:
            flash(f"Đã tạo tỉnh {province.name} và nạp {added} đơn vị.", "success")
            return redirect(url_for("admin.provinces"))
    with tenancy.unscoped():
        rows = db.session.execute(
            select(Province, func.count(Unit.id)).outerjoin(Unit, Unit.province_id == Province.id)
            .group_by(Province.id).order_by(Province.name)).all()
        users = dict(db.session.execute(
            select(User.province_id, func.count()).group_by(User.province_id)).all())
    return render("admin/provinces.html", rows=rows, users=users, form=form), \
        (422 if request.method == "POST" else 200)


@bp.route("/admin/provinces/<code>/enter", methods=["POST"])
@login_required
@require("plugins.install")
def enter_province(code):
    """A superadmin looks at one province's data, read-only."""
    with tenancy.unscoped():
        province = db.session.scalar(select(Province).where(Province.code == code))
    if province is None:
        abort(404)
    session["province_id"] = province.id
    return redirect(url_for("home.index"))


@bp.route("/province/plugins", methods=["GET", "POST"])
@login_required
@require("province.plugins")
def province_plugins():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    if request.method == "POST":
        code = request.form.get("plugin", "")
        record = registry().plugin(code)
        if record is None:
            abort(404)
        link = next((p for p in province.plugins if p.plugin_code == code), None)
        if request.form.get("enabled") == "1" and not record.info.serves(province.code):
            # Another province's catalogue and calendar would appear here (turning one off
            # that was on before this rule stays possible).
            flash(f"Plugin «{code}» là của tỉnh khác, không bật được cho {province.name}. "
                  "Chỉ plugin của tỉnh mình hoặc plugin dùng chung mới bật được.", "error")
            return redirect(url_for("admin.province_plugins"))
        if link is None:
            link = ProvincePlugin(plugin_code=code, enabled=False)
            province.plugins.append(link)
        link.enabled = request.form.get("enabled") == "1"
        db.session.commit()
        state = "bật" if link.enabled else "tắt"
        flash(f"Đã {state} plugin «{code}» cho {province.name}.", "success")
        return redirect(url_for("admin.province_plugins"))
    records = [r for r in registry().records.values() if r.ok and (
        r.info.serves(province.code) or province.plugin_enabled(r.code))]
    return render("admin/province_plugins.html", province=province, records=records,
                  schemes=registry().schemes)
