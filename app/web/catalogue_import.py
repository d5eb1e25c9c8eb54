"""Importing a scheme: upload the edited workbook → preview (problems, or the differences from
the earlier version) → confirm, which stores it all or nothing.

Between preview and confirm the upload waits in the shared UPLOAD_DIR (app/web/staged_uploads),
so the confirm may reach another app server; it reads the file again and checks it again.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.permissions import require
from app.services import imported_schemes as imports
from app.web import registry, render, staged_uploads
from app.web.forms import ImportSchemeForm
from app.web.home import province_required
from app.web.ownership import scheme_or_404

bp = Blueprint("catalogue_import", __name__)
PAGE = "catalogue/import.html"
WAITING = "scheme-imports"  # the staged_uploads folder of previewed, unconfirmed workbooks
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/catalogue/import", methods=["GET", "POST"])
@login_required
@require("catalogue.import")
def upload():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    form = ImportSchemeForm()
    if request.method == "GET":
        return render(PAGE, form=form)
    form.validate()  # only the CSRF token; the file is checked by the service
    file = request.files.get("file")
    if file is None or not file.filename:
        form.file.errors.append("Hãy chọn tệp Excel (.xlsx) của bộ chỉ số để tải lên.")
        return render(PAGE, "import_area", form=form), 422
    filename = _name(file.filename)
    data = file.read(imports.MAX_BYTES + 1)
    result = imports.preview(registry(), province, data, filename)
    if not result.ok:
        return render(PAGE, "import_area", form=form, result=result), 422
    try:
        token = staged_uploads.keep(WAITING, province.id, imports.extension(filename), data)
    except staged_uploads.QuotaError as exc:
        form.file.errors.append(str(exc))
        return render(PAGE, "import_area", form=form), 422
    return render(PAGE, "import_area", form=form, result=result, token=token)


@bp.route("/catalogue/import/confirm", methods=["POST"])
@login_required
@require("catalogue.import")
def confirm():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    # the staged upload's token: found only in this province's folder (staged_uploads)
    token = request.form.get("token", "")
    path = staged_uploads.find(WAITING, province.id, token, imports.EXTENSIONS)
    if path is None:
        flash("Tệp đã tải lên không còn: có thể đã được nhập rồi, hoặc đã quá một ngày. "
              "Hãy tải tệp lên lại.", "error")
        return redirect(url_for("catalogue_import.upload"))
    filename = _name(request.form.get("filename", "")) or path.name
    if imports.extension(filename) != path.suffix.lstrip("."):
        filename = path.name  # the name is only shown and kept; the staged file decides
    data = path.read_bytes()
    try:
        result = imports.store(registry(), province, current_user, data, filename)
        db.session.commit()
    except IntegrityError:  # another admin stored the same code a moment ago
        db.session.rollback()
        flash("Mã bộ chỉ số này vừa được lưu bởi một lần nhập khác: chưa lưu gì. Hãy tải tệp "
              "lên lại để xem trước.", "error")
        return redirect(url_for("catalogue_import.upload"))
    except imports.ImportRefused as exc:
        # Something changed since the preview (another version imported, a period published):
        # show why; nothing was stored.
        db.session.rollback()
        result = imports.Preview(filename=filename, problems=exc.problems)
        return render(PAGE, "import_area", form=ImportSchemeForm(), result=result), 422
    imports.committed(registry())
    path.unlink(missing_ok=True)
    scheme = result.scheme
    flash(f"Đã nhập bộ chỉ số «{scheme.code}» ({scheme.family}, phiên bản {scheme.version}, "
          f"áp dụng {scheme.years_label}). Có thể mở kỳ báo cáo cho bộ này ngay.", "success")
    return redirect(url_for("catalogue.show", code=scheme.code))


@bp.route("/catalogue/<code>/source")
@login_required
@require("province.view")
def source(code):
    """The workbook the province admin uploaded, byte for byte (an imported scheme's source)."""
    _province, redirect_ = province_required()
    if redirect_:
        return redirect_
    scheme_or_404(code)
    stored = imports.source_file(code)
    if stored is None:
        abort(404)
    mimetype = XLSX if stored.filename.lower().endswith(".xlsx") else "application/octet-stream"
    response = Response(stored.workbook, mimetype=mimetype)
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{code}-goc{Path(stored.filename).suffix.lower()}"'
    return response


def _name(filename: str) -> str:
    """The file's own name (no folders a browser may send), bounded for the page and the row."""
    return Path(filename.replace("\\", "/")).name[:200]
