"""Evidence on the assessment form: upload a file or a link, reuse, remove, download."""
from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, redirect, request, send_file,
                   url_for)
from flask_login import current_user, login_required
from sqlalchemy import select

from app.catalogue.model import Row, Scheme
from app.extensions import db
from app.models import Assessment, Evidence, EvidenceLink, Period, Unit
from app.permissions import can, require
from app.services import assessments as svc
from app.services import evidence as ev
from app.storage import StorageError, content_disposition, inline_allowed
from app.tenancy import get_or_404
from app.web import render
from app.web.entry import _context, _rows, row_response, today
from app.web.ids import form_id

bp = Blueprint("evidence", __name__)
ROW = "/assessments/<scheme_code>/<period_code>/<unit_code>/rows/<code>/evidence"


class RowContext(NamedTuple):
    scheme: Scheme
    period: Period
    unit: Unit
    assessment: Assessment | None
    writer: Unit | None
    row: Row


def _row_context(scheme_code, period_code, unit_code, code, create=False) -> RowContext:
    scheme, period, unit, assessment, writer = _context(scheme_code, period_code, unit_code,
                                                        create=create)
    row = scheme.by_code.get(code)
    if row is None or writer is False or row not in _rows(scheme, period, writer):
        abort(404)
    return RowContext(scheme, period, unit, assessment, writer, row)


def _blocked(ctx: RowContext):
    """The 409 answer saying why the row cannot take evidence now; None when it can."""
    reason = svc.edit_block(ctx.assessment, ctx.period, today(), ctx.row.code)
    return _done(ctx, 409, {"_": reason}) if reason else None


def _page(ctx: RowContext, errors=None):
    """Without JavaScript: the upload form of one indicator on a page of its own."""
    return render("entry/evidence.html", scheme=ctx.scheme, period=ctx.period, unit=ctx.unit,
                  row=ctx.row, assessment=ctx.assessment, errors=errors or {},
                  reusable=ev.reusable(ctx.assessment) if ctx.assessment else [])


def _done(ctx: RowContext, status=200, errors=None, message=None, typed=None):
    """The answer to a change of a row's evidence: the row (htmx) or the form page. After a
    refusal the errors show by field, and what was typed (``typed``) stays in the fields."""
    if not request.headers.get("HX-Request"):
        if status == 200:
            flash(message or "Đã cập nhật tài liệu kiểm chứng.", "success")
            # The form with this row drawn whole: its evidence list shows what changed.
            return redirect(url_for("entry.row_details", scheme_code=ctx.scheme.code,
                                    period_code=ctx.period.code, unit_code=ctx.unit.code,
                                    code=ctx.row.code) + f"#row-{ctx.row.code}")
        return _page(ctx, errors), status  # the page's fields show request.form again
    return row_response(*ctx, status, evidence_errors={ctx.row.code: errors or {}},
                        evidence_typed={ctx.row.code: typed or {}})


@bp.route(ROW, methods=["GET"])
@login_required
@require("entry.own_unit")
def page(scheme_code, period_code, unit_code, code):
    return _page(_row_context(scheme_code, period_code, unit_code, code))


@bp.route(ROW, methods=["POST"])
@login_required
@require("entry.own_unit")
def upload(scheme_code, period_code, unit_code, code):
    ctx = _row_context(scheme_code, period_code, unit_code, code, create=True)
    if refused := _blocked(ctx):
        return refused
    fields = _fields(code)
    upload_file = request.files.get(f"{code}__ev_file") or request.files.get("file")
    has_file = bool(upload_file and upload_file.filename)
    try:
        meta, url = ev.parse_upload(fields, has_file)
        if has_file:
            evidence, created = ev.attach_file(ctx.assessment, code, upload_file.stream,
                                               upload_file.filename, meta, current_user)
            message = (f"Đã tải lên «{evidence.label}»." if created
                       else "Tệp này đã có (cùng nội dung): dùng lại bản đã lưu.")
        else:
            ev.attach_url(ctx.assessment, code, url, meta, current_user)
            message = "Đã thêm đường dẫn."
        db.session.commit()
    except ev.EvidenceError as exc:
        db.session.rollback()
        return _done(ctx, 422, exc.errors, typed=fields)
    except StorageError as exc:
        db.session.rollback()
        return _done(ctx, exc.http_status, {"file": str(exc)}, typed=fields)
    return _done(ctx, 200, {"_info": message} if message else None)


def _fields(code: str) -> dict:
    """Evidence fields of one row, posted as <code>__ev_<field> (plain names on the own page)."""
    prefix = f"{code}__ev_"
    fields = {k[len(prefix):]: v for k, v in request.form.items() if k.startswith(prefix)}
    return fields or request.form.to_dict()


@bp.route(ROW + "/reuse", methods=["POST"])
@login_required
@require("entry.own_unit")
def reuse(scheme_code, period_code, unit_code, code):
    ctx = _row_context(scheme_code, period_code, unit_code, code, create=True)
    if refused := _blocked(ctx):
        return refused
    evidence = get_or_404(Evidence, id=form_id(request.form, "evidence_id"),
                          unit_id=ctx.assessment.unit_id)
    ev.link(ctx.assessment, code, evidence, current_user)
    db.session.commit()
    return _done(ctx, message=f"Đã gắn «{evidence.label}» cho chỉ tiêu {code}.")


@bp.route(ROW + "/<int:link_id>/remove", methods=["POST"])
@login_required
@require("entry.own_unit")
def remove(scheme_code, period_code, unit_code, code, link_id):
    ctx = _row_context(scheme_code, period_code, unit_code, code)
    if ctx.assessment is None:
        abort(404)
    link_row = get_or_404(EvidenceLink, id=link_id, assessment_id=ctx.assessment.id, code=code)
    if refused := _blocked(ctx):
        return refused
    try:
        ev.unlink(ctx.assessment, link_row, current_user)
        db.session.commit()
    except ev.EvidenceError as exc:
        return _done(ctx, 409, exc.errors)
    return _done(ctx, message="Đã gỡ tài liệu khỏi chỉ tiêu (tệp vẫn được lưu để dùng lại).")


@bp.route("/evidence/<int:evidence_id>")
@login_required
@require("province.view")
def download(evidence_id):
    """The file, to those who may see the assessments it backs; another's is a 404."""
    evidence = get_or_404(Evidence, id=evidence_id)
    if not _may_read(evidence):
        abort(404)
    if evidence.kind == "link":
        # The address was typed by a unit: say where it leads instead of sending the reader
        # there unseen (a 302 would make a lookalike address one click from a phishing page).
        back = request.referrer if request.referrer and urlsplit(request.referrer).netloc == \
            request.host else url_for("home.index")
        return render("evidence/leaving.html", evidence=evidence, back=back,
                      host=urlsplit(evidence.url).hostname or "")
    inline = inline_allowed(evidence.kind) and request.args.get("download") != "1"
    response = _file_response(evidence)
    response.headers["Content-Disposition"] = content_disposition(evidence.filename, inline)
    if inline:
        # Shown in an <iframe> beside the appraisal panel: only our own pages may frame it.
        # Chrome's PDF viewer needs object-src and its own inline styles; nothing else runs.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; object-src 'self'; img-src 'self'; style-src 'unsafe-inline'; "
            "frame-ancestors 'self'")
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _file_response(evidence: Evidence):
    """The file's bytes from this worker, or, behind nginx (CHISO_ACCEL_REDIRECT=1), an empty
    answer telling nginx which stored file to send from its internal location /_evidence/
    (deploy/nginx.conf.template): the permission check above stays the app's, the copying is
    nginx's. The headers set here (type, disposition, CSP) go out with nginx's answer."""
    store = ev.store()
    if not current_app.config["ACCEL_REDIRECT"]:
        return send_file(store.open(evidence.sha256), mimetype=ev.mime_of(evidence),
                         max_age=0, conditional=True, etag=evidence.sha256)
    response = current_app.response_class(mimetype=ev.mime_of(evidence))
    relative = store.path(evidence.sha256).relative_to(store.root).as_posix()
    response.headers["X-Accel-Redirect"] = "/_evidence/" + relative
    return response


def _may_read(evidence: Evidence) -> bool:
    if can(current_user, "assessment.read_any"):
        return True
    if not can(current_user, "units.own_only") or current_user.unit is None:
        return False
    if evidence.unit_id == current_user.unit_id:
        return True
    # An agency writing the province's KPIs reads the evidence filed on the province's rows.
    return evidence.unit.type == "tinh" and current_user.unit.type in ("so", "co_quan") and \
        db.session.scalar(select(EvidenceLink.id).where(EvidenceLink.evidence_id == evidence.id)) \
        is not None
