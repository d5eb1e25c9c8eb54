"""Excel and CSV downloads, and the import of an assessment's values from Excel.

Downloads follow the pages' visibility: an assessment's workbook goes to whoever may open its
form (a unit user: its own), a period's ranking and score sheet to unit users and viewers only
once published. The import is upload → preview → confirm, all or nothing; between preview and
confirm the file waits under ``UPLOAD_DIR/value-imports/<province id>/<random token>.xlsx`` and
confirm re-reads and re-checks it, storing only if the changes are still those previewed.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from app import workbooks
from app.permissions import require
from app.services import assessments as svc
from app.services import rankings as ranks
from app.services import value_import
# Building the files is shared with the API.
from app.services.export_files import (assessment_file, assessment_name, download,
                                       ranking_download, table_ranking)
from app.web import registry, render, staged_uploads
from app.web.assessment_lookups import assessment_context as entry_context
from app.web.assessment_lookups import today
from app.web.ownership import scheme_and_period

bp = Blueprint("exports", __name__)
ASSESSMENT = "/assessments/<scheme_code>/<period_code>/<unit_code>"
RANKING = "/rankings/<scheme_code>/<period_code>"
PAGE = "exports/import.html"
WAITING = "value-imports"  # the folder of staged_uploads where uploads wait for confirmation


class ValuesFileForm(FlaskForm):
    file = FileField("Tệp Excel (.xlsx) của hồ sơ", render_kw={"accept": ".xlsx"})


# -- one assessment -------------------------------------------------------------------------
@bp.route(ASSESSMENT + "/export.xlsx")
@login_required
@require("province.view")
def assessment(scheme_code, period_code, unit_code):
    scheme, period, unit, found, writer = entry_context(scheme_code, period_code, unit_code)
    data = assessment_file(scheme, period, unit, found, writer or None)
    return download(data, assessment_name(scheme, period, unit), workbooks.XLSX_TYPE)


@bp.route(ASSESSMENT + "/import-template.xlsx")
@login_required
@require("entry.own_unit")
def template(scheme_code, period_code, unit_code):
    scheme, period, unit, found, writer = _writable(scheme_code, period_code, unit_code)
    data = assessment_file(scheme, period, unit, found, writer, template=True)
    return download(data, assessment_name(scheme, period, unit, True), workbooks.XLSX_TYPE)


def _writable(scheme_code, period_code, unit_code):
    """The URL's assessment, for someone who enters its values (404 for anyone else)."""
    scheme, period, unit, found, writer = entry_context(scheme_code, period_code, unit_code)
    if writer is False:
        abort(404)
    return scheme, period, unit, found, writer


# -- the import -----------------------------------------------------------------------------
@bp.route(ASSESSMENT + "/import", methods=["GET", "POST"])
@login_required
@require("entry.own_unit")
def upload(scheme_code, period_code, unit_code):
    scheme, period, unit, found, writer = _writable(scheme_code, period_code, unit_code)
    page = _page_context(scheme, period, unit, found, ValuesFileForm())
    if request.method == "GET":
        return render(PAGE, **page)
    page["form"].validate()  # only the CSRF token; the file is checked below
    file = request.files.get("file")
    if file is None or not file.filename:
        page["form"].file.errors.append("Hãy chọn tệp Excel (.xlsx) của hồ sơ để tải lên.")
        return render(PAGE, "import_area", **page), 422
    data = file.read()
    try:
        upload_ = value_import.read(file.filename, data)
    except value_import.ImportFileError as exc:
        page["form"].file.errors.append(str(exc))
        return render(PAGE, "import_area", **page), 422
    plan = _plan(upload_, scheme, period, unit, found, writer)
    try:
        token = staged_uploads.keep(WAITING, g.province_id, "xlsx", data)
    except staged_uploads.QuotaError as exc:
        page["form"].file.errors.append(str(exc))
        return render(PAGE, "import_area", **page), 422
    status = 422 if plan.problems else 409 if plan.blocked else 200
    return render(PAGE, "import_area", **page, plan=plan, token=token,
                  filename=file.filename), status


@bp.route(ASSESSMENT + "/import/confirm", methods=["POST"])
@login_required
@require("entry.own_unit")
def confirm(scheme_code, period_code, unit_code):
    scheme, period, unit, found, writer = _writable(scheme_code, period_code, unit_code)
    base = {"scheme_code": scheme.code, "period_code": period.code, "unit_code": unit.code}
    token = request.form.get("token", "")
    filename = request.form.get("filename", "")[:120]  # only shown: the stored file is read
    path = staged_uploads.find(WAITING, g.province_id, token)
    if path is None:
        flash("Tệp đã tải lên không còn: có thể đã được nhập rồi, hoặc đã quá một ngày. Hãy tải "
              "tệp lên lại.", "error")
        return redirect(url_for("exports.upload", **base))
    plan = _plan(value_import.read(path.name, path.read_bytes()), scheme, period, unit, found,
                 writer)
    problem = None
    if plan.ready and plan.digest != request.form.get("digest"):
        problem = ("Hồ sơ hoặc tệp đã thay đổi từ lúc xem trước. Chưa lưu gì; hãy xem lại "
                   "các thay đổi dưới đây rồi xác nhận lại.")
    elif plan.ready:
        try:
            stored = value_import.apply(plan, scheme, period, unit, found, current_user,
                                        f"Nhập từ tệp Excel «{filename}»")
        except value_import.ImportConflict as exc:
            problem = str(exc)
        else:
            path.unlink(missing_ok=True)
            flash(f"Đã nhập {stored} chỉ tiêu từ tệp «{filename}» ({plan.count('new')} mới, "
                  f"{plan.count('changed')} thay đổi).", "success")
            return redirect(url_for("entry.form", **base))
    page = _page_context(scheme, period, unit, found, ValuesFileForm())
    return render(PAGE, "import_area", **page, plan=plan, token=token, filename=filename,
                  problem=problem), 409 if problem else 422


def _plan(upload_, scheme, period, unit, found, writer):
    leaves = svc.visible_rows(scheme, period, writer)
    scored = ranks.unit_totals(registry(), scheme, period, found).leaves
    proposed = {code: leaf.proposed for code, leaf in scored.items() if leaf.typed is None}
    return value_import.plan(upload_, scheme, period, unit, found, leaves, today(), proposed)


def _page_context(scheme, period, unit, found, form) -> dict:
    return {"scheme": scheme, "period": period, "unit": unit, "assessment": found, "form": form,
            "base": {"scheme_code": scheme.code, "period_code": period.code,
                     "unit_code": unit.code},
            "blocked": svc.edit_block(found, period, today())}


# -- a period's ranking and score sheet -----------------------------------------------------
def visible_ranking(scheme_code: str, period_code: str, table: str):
    """The period's ranking for ``table``, or an error page (404) for who may not see it yet."""
    scheme, period = scheme_and_period(scheme_code, period_code)
    if scheme.kind != "points":
        return None, _not_here("Bộ chỉ số này không chấm điểm nên không có bảng điểm và xếp "
                               "hạng để tải về.")
    ranking = table_ranking(scheme, period, table)
    if not ranks.may_see(current_user, ranking):
        # 404 rather than 403: the role may see results, just not these ones yet.
        return None, _not_here(f"Kết quả {period.label.lower()} chưa được công bố; tệp tải về "
                               "có sau khi quản trị tỉnh công bố kết quả.")
    return ranking, None


def _not_here(text: str):
    return render_template("error.html", code=404, title="Chưa có tệp để tải", text=text), 404


def _visible_download(scheme_code: str, period_code: str, table: str, extension: str):
    ranking, refusal = visible_ranking(scheme_code, period_code, table)
    return refusal or ranking_download(ranking, table, extension)


@bp.route(RANKING + "/ranking.xlsx")
@login_required
@require("results.view")
def ranking_xlsx(scheme_code, period_code):
    return _visible_download(scheme_code, period_code, "ranking", "xlsx")


@bp.route(RANKING + "/ranking.csv")
@login_required
@require("results.view")
def ranking_csv(scheme_code, period_code):
    return _visible_download(scheme_code, period_code, "ranking", "csv")


@bp.route(RANKING + "/scoresheet.xlsx")
@login_required
@require("results.view")
def scoresheet_xlsx(scheme_code, period_code):
    return _visible_download(scheme_code, period_code, "scoresheet", "xlsx")


@bp.route(RANKING + "/scoresheet.csv")
@login_required
@require("results.view")
def scoresheet_csv(scheme_code, period_code):
    return _visible_download(scheme_code, period_code, "scoresheet", "csv")
