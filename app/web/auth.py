"""Login, logout, change of password."""
from __future__ import annotations

import functools
import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from app import tenancy, throttle
from app.extensions import db, login_manager
from app.models import Province, User
from app.services.notifications import unread_column
from app.web import notifications, render
from app.web.forms import ChangePasswordForm, LoginForm

bp = Blueprint("auth", __name__)


def init_login(app) -> None:
    @login_manager.unauthorized_handler
    def unauthorized():
        # htmx saves get a 401 the page can act on (the typed values stay where they are);
        # a page request goes to the login form and comes back afterwards.
        if request.headers.get("HX-Request"):
            return "Phiên đăng nhập đã hết.", 401
        flash("Vui lòng đăng nhập để tiếp tục.", "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @login_manager.user_loader
    def load_user(user_id: str):
        ident, _, token = user_id.partition(":")
        if not ident.isdigit():
            return None
        # The province (with its plugins: which schemes it uses) and the unit come in the same
        # query: the header names the province, nearly every page lists the province's schemes,
        # and most pages a unit user opens (its assessments, dashboards, form, row saves) read
        # the unit. A lazy load of each was one more statement per request.
        # A page request reads the bell's count in the same query too (notifications.py).
        bell = notifications.wants_bell()
        with tenancy.unscoped():
            row = db.session.execute(_user_query(bell), {"user_id": int(ident)}).unique().first()
        user = row[0] if row else None
        # A cookie made before logout, a password change or deactivation carries an old token.
        if user is None or not user.active or user.session_token != token:
            return None
        if bell:
            notifications.remember_unread(user, row[1])
        return user


@functools.cache
def _user_query(with_bell: bool):
    """The session loader's query, built once per process (a statement is immutable; building
    its options on every request cost as much as a third of running it)."""
    query = select(User).where(User.id == bindparam("user_id")).options(
        joinedload(User.province).joinedload(Province.plugins), joinedload(User.unit))
    return query.add_columns(unread_column()) if with_bell else query


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        wait = throttle.wait_seconds(email, request.remote_addr)
        if wait:
            minutes = max(1, round(wait / 60))
            error = (f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau khoảng {minutes} phút.")
            response = render("auth/login.html", form=form, error=error)
            return response, 429, {"Retry-After": str(wait)}
        with tenancy.unscoped():
            user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            User.check_no_password(form.password.data)
        if user is None or not user.check_password(form.password.data):
            throttle.record_failure(email, request.remote_addr)
            error = "Thư điện tử hoặc mật khẩu không đúng."
        elif not user.active:
            error = "Tài khoản đã bị khóa. Hãy liên hệ quản trị của tỉnh."
        else:
            throttle.clear(email)
            session.clear()  # a fresh session at login
            session["login_at"] = time.time()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    status = 422 if request.method == "POST" else 200
    return render("auth/login.html", form=form, error=error), status


def _safe_next(target: str | None) -> str:
    """``target`` when it is a path of this site; a control character (CR/LF would break the
    Location header) or a backslash (read by browsers as //) sends home instead."""
    if target and not urlsplit(target).netloc and target.startswith("/") \
            and not target.startswith("//") and "\\" not in target \
            and not any(ord(char) < 32 or ord(char) == 127 for char in target):
        return target
    return url_for("home.index")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("Mật khẩu hiện tại không đúng.")
        else:
            current_user.set_password(form.new.data)
            db.session.commit()
            login_user(current_user)  # this session goes on with the new token; others end
            flash("Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.", "success")
            return redirect(url_for("home.index"))
    status = 422 if request.method == "POST" else 200
    return render("auth/password.html", form=form), status


@bp.route("/csrf-token")
@login_required
def csrf_token():
    """A page left open while the session expired asks for its new token after a new login."""
    from flask_wtf.csrf import generate_csrf
    response = jsonify({"token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response
