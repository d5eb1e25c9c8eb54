"""Evidence on the assessment form: upload a file or a link, reuse, remove, download."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.models import Evidence, EvidenceLink
from app.permissions import require
from app.services import assessments as svc
from app.services import evidence as ev
from app.storage import StorageError, content_disposition, inline_allowed
from app.tenancy import get_or_404
from app.web import render
from app.web.entry import _context, _rows, row_response, today

bp = Blueprint("evidence", __name__)
ROW = "/assessments/<scheme_code>/<period_code>/<unit_code>/rows/<code>/evidence"


def _row_context(scheme_code, period_code, unit_code, code, create=False):
    scheme, period, unit, assessment, writer = _context(scheme_code, period_code, unit_code,
                                                        create=create)
    row = scheme.by_code.get(code)
    if row is None or writer is False or row not in _rows(scheme, period, writer):
        abort(404)
    return scheme, period, unit, assessment, writer, row


def _done(ctx, status=200, errors=None, message=None):
    scheme, period, unit, assessment, writer, row = ctx
    if not request.headers.get("HX-Request"):
        if status == 200:
            flash(message or "Đã cập nhật tài liệu kiểm chứng.", "success")
            return redirect(url_for("entry.form", scheme_code=scheme.code, period_code=period.code,
                                    unit_code=unit.code) + f"#row-{row.code}")
        return render("entry/evidence.html", scheme=scheme, period=period, unit=unit, row=row,
                      assessment=assessment, errors=errors or {},
                      reusable=ev.reusable(assessment) if assessment else []), status
    return row_response(scheme, period, unit, assessment, writer, row, status,
                        evidence_errors={row.code: errors or {}},
                        saved={} if errors else {})


@bp.route(ROW, methods=["GET"])
@login_required
@require("entry.own_unit")
def page(scheme_code, period_code, unit_code, code):
    """Without JavaScript: the upload form of one indicator on a page of its own."""
    ctx = _row_context(scheme_code, period_code, unit_code, code)
    scheme, period, unit, assessment, writer, row = ctx
    return render("entry/evidence.html", scheme=scheme, period=period, unit=unit, row=row,
                  assessment=assessment, errors={},
                  reusable=ev.reusable(assessment) if assessment else [])


@bp.route(ROW, methods=["POST"])
@login_required
@require("entry.own_unit")
def upload(scheme_code, period_code, unit_code, code):
    ctx = _row_context(scheme_code, period_code, unit_code, code, create=True)
    scheme, period, unit, assessment, writer, row = ctx
    blocked = svc.edit_block(assessment, period, today(), code)
    if blocked:
        return _done(ctx, 409, {"_": blocked})
    fields = _fields(code)
    upload_file = request.files.get(f"{code}__ev_file") or request.files.get("file")
    url = (fields.get("url") or "").strip()
    try:
        meta = ev.parse_meta(fields)
        if upload_file and upload_file.filename:
            evidence, created = ev.attach_file(assessment, code, upload_file.stream,
                                               upload_file.filename, meta, current_user)
            message = None if created else "Tệp này đã có (cùng nội dung): dùng lại bản đã lưu."
        elif url:
            ev.attach_url(assessment, code, url, meta, current_user)
            message = None
        else:
            raise ev.EvidenceError({"file": "Hãy chọn một tệp hoặc nhập đường dẫn."})
        db.session.commit()
    except ev.EvidenceError as exc:
        db.session.rollback()
        return _done(ctx, 422, exc.errors)
    except StorageError as exc:
        db.session.rollback()
        return _done(ctx, exc.http_status, {"file": str(exc)})
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
    scheme, period, unit, assessment, writer, row = ctx
    blocked = svc.edit_block(assessment, period, today(), code)
    if blocked:
        return _done(ctx, 409, {"_": blocked})
    evidence = get_or_404(Evidence, id=request.form.get("evidence_id", type=int) or 0,
                          unit_id=assessment.unit_id)
    ev.link(assessment, code, evidence, current_user)
    db.session.commit()
    return _done(ctx, message=f"Đã gắn «{evidence.label}» cho chỉ tiêu {code}.")


@bp.route(ROW + "/<int:link_id>/remove", methods=["POST"])
@login_required
@require("entry.own_unit")
def remove(scheme_code, period_code, unit_code, code, link_id):
    ctx = _row_context(scheme_code, period_code, unit_code, code)
    scheme, period, unit, assessment, writer, row = ctx
    if assessment is None:
        abort(404)
    link_row = get_or_404(EvidenceLink, id=link_id, assessment_id=assessment.id, code=code)
    blocked = svc.edit_block(assessment, period, today(), code)
    if blocked:
        return _done(ctx, 409, {"_": blocked})
    try:
        ev.unlink(assessment, link_row, current_user)
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
        return redirect(evidence.url)
    inline = inline_allowed(evidence.kind) and request.args.get("download") != "1"
    response = send_file(ev.store().open(evidence.sha256), mimetype=ev.mime_of(evidence),
                         max_age=0, conditional=True, etag=evidence.sha256)
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


def _may_read(evidence: Evidence) -> bool:
    role = current_user.role
    if role in ("superadmin", "province_admin", "appraiser"):
        return True
    if role != "unit_user" or current_user.unit is None:
        return False
    if evidence.unit_id == current_user.unit_id:
        return True
    # An agency writing the province's KPIs reads the evidence filed on the province's rows.
    return evidence.unit.type == "tinh" and current_user.unit.type in ("so", "co_quan") and \
        db.session.scalar(select(EvidenceLink.id).where(EvidenceLink.evidence_id == evidence.id)) \
        is not None
