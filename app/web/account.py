"""The profile's API tokens: make one (shown once), list them, revoke one."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField

from app.services import tokens
from app.web import render
from app.web.ids import form_id

bp = Blueprint("account", __name__)
PAGE = "account/tokens.html"


class TokenForm(FlaskForm):
    # The name's rule lives in tokens.create, which `tokens create` on the command line shares.
    name = StringField("Tên gợi nhớ", description="Ví dụ: Cổng DTI quốc gia. Không bắt buộc.",
                       render_kw={"maxlength": tokens.NAME_LIMIT})


def _page(form: TokenForm, new_token: str | None = None):
    return render(PAGE, tokens=tokens.of_user(current_user), form=form, new_token=new_token,
                  now=datetime.utcnow(), lifetime_days=tokens.LIFETIME.days)


@bp.route("/account/tokens")
@login_required
def token_list():
    return _page(TokenForm())


@bp.route("/account/tokens", methods=["POST"])
@login_required
def token_create():
    form = TokenForm()
    try:
        # Shown in this response only (never flashed: the session cookie is not a safe place).
        new_token = tokens.create(current_user, form.name.data)
    except tokens.TokenError as exc:
        form.name.errors = [str(exc)]
        return _page(form), 422
    return _page(TokenForm(formdata=None), new_token)


@bp.route("/account/tokens/revoke", methods=["POST"])
@login_required
def token_revoke():
    revoked = tokens.revoke(current_user, form_id(request.form, "token_id"))
    if revoked is None:
        flash("Không tìm thấy mã truy cập này trong tài khoản của bạn.", "error")
    else:
        flash(f"Đã thu hồi mã truy cập «{revoked.name or revoked.id}».", "success")
    return redirect(url_for("account.token_list"))
