"""Bulk import of users from Excel or CSV: upload → preview → confirm, all or nothing.

Between preview and confirm the uploaded file waits under
``UPLOAD_DIR/imports/<province id>/<random token>.<ext>``; confirm re-reads and re-checks it,
so nothing the browser sends back about the rows is trusted.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Unit
from app.permissions import require
from app.services import user_import
from app.services.user_import import ImportFileError
from app.services.users import UserError
from app.web import render, staged_uploads
from app.web.forms import ImportUsersForm
from app.web.home import province_required

bp = Blueprint("user_import", __name__)
PAGE = "users/import.html"
WAITING = "imports"  # the folder of staged_uploads where uploads wait for confirmation


@bp.route("/users/import", methods=["GET", "POST"])
@login_required
@require("users.manage")
def upload():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    form = ImportUsersForm()
    if request.method == "GET":
        return render(PAGE, form=form)
    form.validate()  # only the CSRF token; the file is checked below
    file = request.files.get("file")
    if file is None or not file.filename:
        form.file.errors.append("Hãy chọn tệp Excel (.xlsx) hoặc CSV để tải lên.")
        return render(PAGE, "import_area", form=form), 422
    data = file.read()
    try:
        sheet = user_import.validate(user_import.parse(file.filename, data), province)
    except ImportFileError as exc:
        form.file.errors.append(str(exc))
        return render(PAGE, "import_area", form=form), 422
    try:
        token = staged_uploads.keep(WAITING, province.id, user_import.extension(file.filename),
                                    data)
    except staged_uploads.QuotaError as exc:
        form.file.errors.append(str(exc))
        return render(PAGE, "import_area", form=form), 422
    return render(PAGE, "import_area", form=form, sheet=sheet, token=token,
                  filename=file.filename)


@bp.route("/users/import/confirm", methods=["POST"])
@login_required
@require("users.manage")
def confirm():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    token, filename = request.form.get("token", ""), request.form.get("filename", "")
    path = staged_uploads.find(WAITING, province.id, token, user_import.EXTENSIONS)
    if path is None:
        flash("Tệp đã tải lên không còn: có thể đã được nhập rồi, hoặc đã quá một ngày. "
              "Hãy tải tệp lên lại.", "error")
        return redirect(url_for("user_import.upload"))
    sheet = user_import.validate(user_import.parse(path.name, path.read_bytes()), province)
    problem = None
    if sheet.ready:
        try:
            user_import.create_users(sheet, province)
            db.session.commit()
        except (UserError, IntegrityError):  # someone took an e-mail since the check above
            db.session.rollback()
            problem = ("Một thư điện tử trong tệp vừa được dùng cho tài khoản khác. Chưa tạo "
                       "tài khoản nào; hãy tải tệp lên lại để kiểm tra.")
        else:
            path.unlink(missing_ok=True)
            response = current_app.make_response(
                render("users/import_done.html", rows=sheet.rows, province=province))
            response.headers["Cache-Control"] = "no-store"  # the page shows passwords
            return response
    # The rows changed since the preview (or the confirm was forced): show why, create nothing.
    return render(PAGE, "import_area", form=ImportUsersForm(), sheet=sheet, token=token,
                  filename=filename, problem=problem), 422


@bp.route("/users/import/template.xlsx")
@login_required
@require("users.manage")
def template():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    units = db.session.scalars(select(Unit).where(Unit.valid_to.is_(None))
                               .order_by(Unit.code)).all()
    return Response(user_import.template_workbook(units), headers={
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": "attachment; filename=mau-nhap-nguoi-dung.xlsx"})


@bp.route("/users/import/passwords.csv", methods=["POST"])
@login_required
@require("users.manage")
def passwords():
    """The result page's generated passwords as a file: echoed back, never kept on the server."""
    fields = [request.form.getlist(name) for name in ("email", "full_name", "unit", "password")]
    return Response(user_import.passwords_csv(list(zip(*fields))), headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": "attachment; filename=mat-khau-tai-khoan-moi.csv",
        "Cache-Control": "no-store"})
