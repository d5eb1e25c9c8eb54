"""The profile's API tokens: make one (shown once), list them, revoke one."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.services import tokens
from app.web import render

bp = Blueprint("account", __name__)
PAGE = "account/tokens.html"


@bp.route("/account/tokens")
@login_required
def token_list():
    return render(PAGE, tokens=tokens.of_user(current_user), new_token=None, errors={}, name="")


@bp.route("/account/tokens", methods=["POST"])
@login_required
def token_create():
    name = (request.form.get("name") or "").strip()
    try:
        # Shown in this response only (never flashed: the session cookie is not a safe place).
        new_token = tokens.create(current_user, name)
    except tokens.TokenError as exc:
        return render(PAGE, tokens=tokens.of_user(current_user), new_token=None,
                      errors={"name": str(exc)}, name=name), 422
    return render(PAGE, tokens=tokens.of_user(current_user), new_token=new_token, errors={},
                  name="")


@bp.route("/account/tokens/revoke", methods=["POST"])
@login_required
def token_revoke():
    revoked = tokens.revoke(current_user, request.form.get("token_id", type=int) or 0)
    if revoked is None:
        flash("Không tìm thấy mã truy cập này trong tài khoản của bạn.", "error")
    else:
        flash(f"Đã thu hồi mã truy cập «{revoked.name or revoked.id}».", "success")
    return redirect(url_for("account.token_list"))
