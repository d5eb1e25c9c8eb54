"""«Quên mật khẩu?»: ask for a link (/forgot-password), then set a new password with it."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import EqualTo, Length

from app.services import password_reset
from app.web import render
from app.web.forms import required

bp = Blueprint("password_reset", __name__)
SAME_ANSWER = ("Nếu địa chỉ này có tài khoản, một thư có liên kết đặt lại mật khẩu (dùng được một "
               "lần, trong 60 phút) sẽ được gửi tới. Hãy kiểm tra hộp thư.")


class ForgotForm(FlaskForm):
    email = EmailField("Thư điện tử", validators=[required("thư điện tử")])


class NewPasswordForm(FlaskForm):
    password = PasswordField("Mật khẩu mới", validators=[
        required("mật khẩu mới"), Length(min=10, message="Mật khẩu mới cần ít nhất 10 ký tự.")])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[
        required("lại mật khẩu mới"),
        EqualTo("password", message="Hai mật khẩu mới không khớp.")])


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        if not password_reset.ask(form.email.data, request.remote_addr):
            # The same for every address, existing or not: the throttle counts what was typed.
            return render("auth/forgot.html", form=form, done=None,
                          error="Đã yêu cầu quá nhiều lần. Vui lòng thử lại sau khoảng 15 phút."), \
                429, {"Retry-After": "900"}
        return render("auth/forgot.html", form=ForgotForm(formdata=None), done=SAME_ANSWER)
    status = 422 if request.method == "POST" else 200
    return render("auth/forgot.html", form=form, done=None, error=None), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset(token):
    if password_reset.valid(token) is None:
        return render("auth/reset.html", form=None, expired=True), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        if password_reset.use(token, form.password.data) is None:
            return render("auth/reset.html", form=None, expired=True), 410
        flash("Đã đặt mật khẩu mới. Các phiên đăng nhập và mã API cũ đã hết hiệu lực; "
              "hãy đăng nhập lại.", "success")
        return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render("auth/reset.html", form=form, expired=False), status
