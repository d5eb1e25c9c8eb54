"""The province's systems that send measured values (app.services.system_tokens): their tokens,
made here (shown once) or by `tokens create-system`, listed and revoked by the province admin."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import StringField

from app.permissions import require
from app.services import system_tokens, tokens
from app.web import render
from app.web.home import enabled_schemes, province_required
from app.web.ids import form_id

bp = Blueprint("system_tokens", __name__)
PAGE = "users/systems.html"


class SystemTokenForm(FlaskForm):
    # The name's rule lives in system_tokens.create_system, which the command line shares.
    name = StringField("Tên hệ thống", description="Đúng tên nguồn số liệu ghi trong bộ chỉ số, "
                       "ví dụ: Cổng dịch vụ công.", render_kw={"maxlength": tokens.NAME_LIMIT,
                                                              "list": "measured-sources"})


def measured_sources(province) -> dict[str, int]:
    """The systems the province's schemes name as sources, with how many rows each measures."""
    found: dict[str, int] = {}
    for scheme in enabled_schemes(province):
        for row in scheme.leaves:
            if row.measured_source:
                found[row.measured_source] = found.get(row.measured_source, 0) + 1
    return dict(sorted(found.items()))


def _page(province, form: SystemTokenForm, new_token: str | None = None,
          new_name: str | None = None):
    return render(PAGE, province=province, tokens=system_tokens.of_province(province), form=form,
                  new_token=new_token, new_name=new_name, sources=measured_sources(province),
                  now=datetime.utcnow(), lifetime_days=tokens.LIFETIME.days)


@bp.route("/users/systems")
@login_required
@require("users.view")
def index():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    return _page(province, SystemTokenForm())


@bp.route("/users/systems", methods=["POST"])
@login_required
@require("users.manage")
def create():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    form = SystemTokenForm()
    try:
        # Shown in this response only (never flashed: the session cookie is not a safe place).
        new_token = system_tokens.create_system(province, form.name.data)
    except tokens.TokenError as exc:
        form.name.errors = [str(exc)]
        return _page(province, form), 422
    return _page(province, SystemTokenForm(formdata=None), new_token,
                 system_tokens.tidy_name(form.name.data))


@bp.route("/users/systems/revoke", methods=["POST"])
@login_required
@require("users.manage")
def revoke():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    revoked = system_tokens.revoke_system(province, form_id(request.form, "token_id"))
    if revoked is None:
        flash("Không tìm thấy mã truy cập hệ thống này trong tỉnh.", "error")
    else:
        flash(f"Đã thu hồi mã truy cập của hệ thống «{revoked.system_name}».", "success")
    return redirect(url_for("system_tokens.index"))
