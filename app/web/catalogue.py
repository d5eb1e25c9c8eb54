"""Catalogue pages: the schemes of the province's enabled plugins."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

from app.permissions import require
from app.web import registry, render
from app.web.home import enabled_schemes, province_required

bp = Blueprint("catalogue", __name__)


@bp.route("/catalogue")
@login_required
@require("province.view")
def index():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    return render("catalogue/index.html", schemes=enabled_schemes(province), province=province)


@bp.route("/catalogue/<code>")
@login_required
@require("province.view")
def show(code):
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    scheme = registry().schemes.get(code)
    if scheme is None or not province.plugin_enabled(scheme.plugin):
        abort(404)
    return render("catalogue/show.html", scheme=scheme, province=province)
