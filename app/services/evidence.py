"""Evidence use cases: attach a file or a link to an indicator, reuse, remove, who may read."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app import clock
from app.extensions import db
from app.permissions import can
from app.models import Assessment, Evidence, EvidenceLink
from app.models.assessment import EDITABLE_STATES
from app.services import audit
from app.services.numbers import parse_date
from app.services.typed_text import without_bidi
from app.storage import EvidenceStore, MIME_TYPES

MAX_NAME = 255
_CLIENT_PATH = re.compile(r"^([A-Za-z]:)?[\\/]|\\")  # C:\…, \\server\…, /home/…


@dataclass
class EvidenceError(ValueError):
    """Bad metadata or link, by field, in Vietnamese."""
    errors: dict[str, str]


def store() -> EvidenceStore:
    root = current_app.config["UPLOAD_DIR"] + "/evidence"
    return EvidenceStore(root, int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)


def parse_meta(form) -> dict:
    """Official-document details: number, date of issue, issuer, title (all optional)."""
    errors = {}
    meta = {k: (form.get(k) or "").strip() or None for k in ("doc_number", "issuer", "title")}
    raw_date = (form.get("doc_date") or "").strip()
    meta["doc_date"] = None
    if raw_date:
        try:
            meta["doc_date"] = parse_date(raw_date)
        except ValueError:
            errors["doc_date"] = "Ngày ban hành không hợp lệ: dùng dạng 31/12/2022."
        else:
            if meta["doc_date"] > clock.today():
                errors["doc_date"] = "Ngày ban hành không được sau hôm nay."
    for key, limit, label in (("doc_number", 100, "Số hiệu"), ("issuer", 300, "Cơ quan ban hành"),
                              ("title", 500, "Trích yếu")):
        if meta[key] and len(meta[key]) > limit:
            errors[key] = f"{label} dài quá {limit} ký tự."
    if errors:
        raise EvidenceError(errors)
    return meta


def check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    # A control character (CR/LF, tab) or a space would break the redirect that serves the link.
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000 \
            or any(ord(char) < 33 or ord(char) == 127 for char in url):
        raise EvidenceError({"url": "Đường dẫn phải bắt đầu bằng http:// hoặc https://, "
                                    "ví dụ https://chinhphu.vn/chuyen-doi-so."})
    return url


def parse_upload(fields: dict, has_file: bool) -> tuple[dict, str | None]:
    """The document details and, without a file, the link of an upload form; every field's
    error at once, so that one round trip shows all there is to correct."""
    errors, meta = {}, {}
    try:
        meta = parse_meta(fields)
    except EvidenceError as exc:
        errors.update(exc.errors)
    url = None if has_file else (fields.get("url") or "").strip()
    if url == "":
        errors["file"] = "Hãy chọn một tệp hoặc nhập đường dẫn."
    elif url is not None:
        try:
            url = check_url(url)
        except EvidenceError as exc:
            errors.update(exc.errors)
    if errors:
        raise EvidenceError(errors)
    return meta, url


def attach_file(assessment: Assessment, code: str, stream, filename: str, meta: dict,
                user) -> tuple[Evidence, bool]:
    """Store the bytes (once) and link them to the indicator. Returns (evidence, created).

    The same bytes posted again by the unit return the existing record, now linked here too."""
    stored = store().save(stream)  # raises StorageError subclasses, nothing kept on failure
    if stored.created:  # removed again at the request's end unless a commit keeps it
        db.session.info.setdefault(_UNCOMMITTED, set()).add(stored.sha256)

    def existing():
        return db.session.scalar(select(Evidence).where(Evidence.unit_id == assessment.unit_id,
                                                        Evidence.sha256 == stored.sha256))
    evidence = existing()
    created = evidence is None
    if created:
        evidence, created = _insert_once(Evidence(
            unit_id=assessment.unit_id, sha256=stored.sha256, kind=stored.kind,
            size=stored.size, filename=_clean_name(filename, stored.kind),
            uploaded_by_id=getattr(user, "id", None), **meta), existing)
    link(assessment, code, evidence, user)
    return evidence, created


def _insert_once(row, existing):
    """(row, True) once ``row`` is flushed; (the row ``existing()`` finds, False) when a request
    running at the same time inserted the same one first (the unique index refused ours)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found, False
    return row, True


def attach_url(assessment: Assessment, code: str, url: str, meta: dict, user) -> Evidence:
    url = check_url(url)
    evidence = db.session.scalar(select(Evidence).where(Evidence.unit_id == assessment.unit_id,
                                                        Evidence.url == url))
    if evidence is None:
        evidence = Evidence(unit_id=assessment.unit_id, kind="link", url=url,
                            uploaded_by_id=getattr(user, "id", None), **meta)
        db.session.add(evidence)
        db.session.flush()
    link(assessment, code, evidence, user)
    return evidence


def link(assessment: Assessment, code: str, evidence: Evidence, user) -> EvidenceLink:
    def existing():
        return db.session.scalar(select(EvidenceLink).where(
            EvidenceLink.assessment_id == assessment.id, EvidenceLink.code == code,
            EvidenceLink.evidence_id == evidence.id))
    found = existing()
    if found is not None:
        return found
    created, new = _insert_once(EvidenceLink(assessment_id=assessment.id, code=code,
                                             evidence_id=evidence.id), existing)
    if not new:
        return created
    audit.record("evidence.add", assessment=assessment, code=code, field="evidence",
                 new=evidence.label, user=user)
    return created


def unlink(assessment: Assessment, link_row: EvidenceLink, user) -> None:
    """Removing is allowed while the assessment is a draft (or returned); it is recorded."""
    if assessment.state not in EDITABLE_STATES:
        raise EvidenceError({"_": "Hồ sơ đã nộp: không gỡ được tài liệu kiểm chứng."})
    audit.record("evidence.remove", assessment=assessment, code=link_row.code, field="evidence",
                 old=link_row.evidence.label, user=user)
    db.session.delete(link_row)


def reusable(assessment: Assessment) -> list[Evidence]:
    """The unit's evidence from any period (a five-year plan backs several years)."""
    return db.session.scalars(select(Evidence).where(Evidence.unit_id == assessment.unit_id)
                              .order_by(Evidence.uploaded_at.desc())).all()


def _clean_name(filename: str, kind: str) -> str:
    """The name as shown on the form. A client that sends a whole path (C:\\…\\x.pdf, /home/…)
    loses the folders; a name that merely contains a slash («Kế hoạch </2022>.pdf») is kept
    whole. Bidi controls go: they would show the name reversed."""
    name = without_bidi(filename or "").strip()
    if _CLIENT_PATH.search(name):
        name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:MAX_NAME] or f"tai-lieu.{kind}"


def mime_of(evidence: Evidence) -> str:
    return MIME_TYPES.get(evidence.kind, "application/octet-stream")


_UNCOMMITTED = "chiso.evidence_files_not_committed"


@event.listens_for(db.session, "after_commit")
def _files_committed(session) -> None:
    session.info.pop(_UNCOMMITTED, None)


def discard_uncommitted_files() -> None:
    """At the request's end: files this request wrote whose row was never committed (the
    database refused it: read-only, full) are removed, so a full disk does not fill further.
    Only a file no committed row names, checked on a connection of its own; when the database
    cannot say (it is down), the file stays: an orphan is better than a lost document."""
    written = db.session.info.pop(_UNCOMMITTED, None)
    if not written:
        return
    try:
        with db.engine.connect() as conn:
            named = set(conn.scalars(select(Evidence.sha256).where(Evidence.sha256.in_(written))))
    except SQLAlchemyError:
        current_app.logger.warning("Giữ lại %d tệp chưa ghi được vào cơ sở dữ liệu", len(written))
        return
    for sha256 in written - named:
        store().path(sha256).unlink(missing_ok=True)


def may_read(user, evidence: Evidence) -> bool:
    """Whether ``user`` may open this file (the web download and the API's)."""
    if can(user, "assessment.read_any"):
        return True
    if not can(user, "units.own_only") or user.unit is None:
        return False
    if evidence.unit_id == user.unit_id:
        return True
    # An agency writing the province's KPIs reads the evidence filed on the province's rows.
    return evidence.unit.type == "tinh" and user.unit.type in ("so", "co_quan") and \
        db.session.scalar(select(EvidenceLink.id).where(EvidenceLink.evidence_id == evidence.id)) \
        is not None
