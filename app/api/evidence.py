"""Evidence (tài liệu kiểm chứng) through the API: attach a file or a link, fetch a file."""
from __future__ import annotations

from flask import jsonify, redirect, request, send_file
from flask_login import current_user
from sqlalchemy import select

from app.api.assessments import PATH, today
from app.api.errors import ApiError
from app.api.lookups import context
from app.api.spec import MAX_ID, endpoint
from app.extensions import db
from app.models import Evidence, EvidenceLink
from app.services import assessments as svc
from app.services import evidence as ev
from app.storage import StorageError, content_disposition
from app.tenancy import get_or_404


@endpoint(PATH + "/evidence", "POST", summary="Gắn tài liệu kiểm chứng cho một chỉ tiêu",
          action="entry.own_unit", body="EvidenceUpload", multipart=True,
          description="multipart/form-data: indicator, và file hoặc url; tùy chọn doc_number, "
                      "doc_date, issuer, title. Cùng nội dung đã gửi trước đó → 200 với bản "
                      "đã lưu, nay gắn thêm cho chỉ tiêu này.",
          responses={201: ("Đã lưu tài liệu mới", "Evidence"),
                     200: ("Tài liệu đã có (cùng nội dung hoặc cùng đường dẫn)", "Evidence"),
                     400: ("Tải lên chưa trọn vẹn (kết nối bị ngắt giữa chừng)", "Error"),
                     409: ("Hồ sơ không còn sửa được", "Error"),
                     413: ("Tệp quá lớn", "Error"),
                     415: ("Loại tệp không được chấp nhận", "Error"),
                     422: ("Thiếu chỉ tiêu, tệp hoặc đường dẫn; thông tin văn bản sai", "Error")})
def attach(scheme_code, period_code, unit_code):
    scheme, period, unit, assessment, allowed = context(scheme_code, period_code, unit_code)
    code = (request.form.get("indicator") or "").strip()
    rows = {r.code for r in svc.visible_rows(scheme, period, allowed.writer)}
    if code not in rows:
        raise ApiError(422, f"Chỉ tiêu «{code}» không có trong hồ sơ này.",
                       errors={"_": {"indicator": f"Chỉ tiêu «{code}» không có trong hồ sơ này."}})
    blocked = svc.edit_block(assessment, period, today(), code)
    if blocked:
        raise ApiError(409, blocked)
    upload = request.files.get("file")
    url = (request.form.get("url") or "").strip()
    try:
        meta = ev.parse_meta(request.form)
        assessment = assessment or svc.get_assessment(scheme, period, unit, create=True)
        if upload is not None and upload.filename:
            evidence, created = ev.attach_file(assessment, code, upload.stream, upload.filename,
                                               meta, current_user)
        elif url:
            known = _link_known(assessment.unit_id, url)
            evidence, created = ev.attach_url(assessment, code, url, meta, current_user), not known
        else:
            raise ev.EvidenceError({"file": "Gửi một tệp (file) hoặc một đường dẫn (url)."})
        db.session.commit()
    except ev.EvidenceError as exc:
        db.session.rollback()
        raise ApiError(422, " ".join(exc.errors.values()), errors={code: exc.errors}) from None
    except StorageError as exc:
        db.session.rollback()
        raise ApiError(exc.http_status, str(exc)) from None
    return jsonify(_evidence_json(evidence, assessment)), (201 if created else 200)


def _link_known(unit_id: int, url: str) -> bool:
    return db.session.scalar(select(Evidence.id).where(Evidence.unit_id == unit_id,
                                                       Evidence.url == url.strip())) is not None


def _evidence_json(evidence: Evidence, assessment) -> dict:
    codes = db.session.scalars(select(EvidenceLink.code).where(
        EvidenceLink.evidence_id == evidence.id, EvidenceLink.assessment_id == assessment.id)
        .order_by(EvidenceLink.id)).all()
    return {"id": evidence.id, "sha256": evidence.sha256, "filename": evidence.filename,
            "size": evidence.size, "url": evidence.url, "indicators": list(codes)}


@endpoint("/evidence/<int:evidence_id>", summary="Tải tệp tài liệu kiểm chứng",
          action="province.view",
          description="Trả tệp cho người được xem hồ sơ mà tài liệu chứng minh; người khác: 404. "
                      "Tài liệu là đường dẫn: chuyển hướng (302) tới đường dẫn đó.",
          responses={200: ("Nội dung tệp", "file"), 302: ("Tài liệu là một đường dẫn", None)})
def download(evidence_id):
    if evidence_id > MAX_ID:  # no such id; SQLite cannot even bind a number past 64 bits
        raise ApiError(404)
    evidence = get_or_404(Evidence, id=evidence_id)
    if not ev.may_read(current_user, evidence):
        raise ApiError(404)
    if evidence.kind == "link":
        return redirect(evidence.url)
    response = send_file(ev.store().open(evidence.sha256), mimetype=ev.mime_of(evidence),
                         max_age=0, conditional=True, etag=evidence.sha256)
    response.headers["Content-Disposition"] = content_disposition(evidence.filename, False)
    response.headers["Cache-Control"] = "private, no-store"
    return response
