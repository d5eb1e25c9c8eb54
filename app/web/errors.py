"""Error pages that render whatever state the database is in.

A database failure (and any unexpected error) answers from ``outage.html``, which reads nothing
from the database, rendered straight from the Jinja environment so that no context processor
(the current province, the bell) runs either: with PostgreSQL stopped a logged-in official still
gets a Vietnamese page, not the framework's English 500. Under /api/ the same errors answer JSON
``{"error": …}`` like every other API status.
"""
from __future__ import annotations

from flask import current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import InternalServerError

from app.plugins import ScoringUnavailable

BUSY = ("Cơ sở dữ liệu đang bận hoặc gặp sự cố nên chưa lưu được. Dữ liệu đã lưu trước đó vẫn "
        "nguyên vẹn; vui lòng thử lại sau ít phút.")
FULL = ("Máy chủ hết dung lượng lưu trữ nên chưa lưu được. Dữ liệu đã lưu trước đó vẫn nguyên "
        "vẹn. Vui lòng báo quản trị hệ thống.")
CUT_OFF = ("Tệp tải lên chưa trọn vẹn: kết nối bị ngắt trước khi máy chủ nhận hết dữ liệu. "
           "Chưa lưu gì; hãy tải lên lại.")
UNEXPECTED = ("Máy chủ gặp lỗi ngoài dự kiến khi xử lý yêu cầu này. Lỗi đã được ghi lại cho quản "
              "trị hệ thống. Dữ liệu đã lưu trước đó vẫn nguyên vẹn; vui lòng thử lại sau.")

SCORING_UNAVAILABLE = ("Chấm điểm của bộ chỉ số này tạm không dùng được: phương pháp chấm "
                       "«{method}» của plugin «{plugin}» bị lỗi. Quản trị hệ thống đã được báo "
                       "(trang Plugin). Dữ liệu đã lưu vẫn nguyên vẹn.")


def init_app(app) -> None:
    # First of all before-request hooks: CSRF would otherwise call a cut-off upload an
    # expired form (its token was in the part that never arrived).
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_cut_off_upload)
    app.register_error_handler(SQLAlchemyError, _database_error)
    app.register_error_handler(InternalServerError, _unexpected_error)
    app.register_error_handler(ScoringUnavailable, _scoring_unavailable)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (teardowns run in
    # reverse): a rollback on a connection the database dropped must not turn an answer that
    # was already decided (maybe "saved") into a raw 500.
    app.teardown_appcontext(_remove_session_quietly)


def _refuse_cut_off_upload():
    """A multipart body that ended before its closing boundary (a dropped connection, a killed
    proxy) parses as no fields at all; the views would then name an empty indicator. Say what
    happened instead."""
    if request.mimetype != "multipart/form-data" or not request.content_length:
        return None
    if request.form or request.files:
        return None
    # A complete body without any field is only its closing line, "--<boundary>--\r\n".
    closing = len(request.mimetype_params.get("boundary", "")) + 8
    if request.content_length <= closing:
        return None
    return answer(400, "Tải lên chưa trọn vẹn", CUT_OFF)


def _database_error(error: SQLAlchemyError):
    # Roll back so nothing half-written stays; the user's typing stays on their page.
    rollback_quietly()
    current_app.logger.exception("Lỗi cơ sở dữ liệu: %s", error)
    full = disk_full(error)
    status, text = (507, FULL) if full else (503, BUSY)
    return answer(status, "Chưa lưu được", text)


def _unexpected_error(error: InternalServerError):
    rollback_quietly()
    return answer(500, "Máy chủ gặp lỗi", UNEXPECTED)


def _scoring_unavailable(error: ScoringUnavailable):
    # The registry has marked the plugin broken (superadmin's plugins page, `plugins list`).
    rollback_quietly()
    current_app.logger.error("Chấm điểm tạm ngừng: %s", error, exc_info=error.__cause__)
    return answer(503, "Chấm điểm tạm không dùng được", SCORING_UNAVAILABLE.format(
        method=error.method, plugin=error.plugin))


def answer(status: int, title: str, text: str):
    """The error in the form the caller reads: JSON for the API, a line for an htmx swap (the
    page keeps the typed values), the standalone page otherwise."""
    if request.path.startswith("/api/"):
        result = jsonify({"error": text})
        result.status_code = status
        return result
    if request.headers.get("HX-Request"):
        return text, status, {"Content-Type": "text/plain; charset=utf-8"}
    page = current_app.jinja_env.get_template("outage.html").render(
        code=status, title=title, text=text)
    return page, status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def disk_full(error: SQLAlchemyError) -> bool:
    """Whether the database said its disk is full (PostgreSQL's disk_full, SQLite's FULL).
    Only its own message counts: str(error) holds the SQL too, and a column like full_name or
    a table's words would make a locked database look like a full disk."""
    reason = getattr(error, "orig", None)
    if getattr(reason, "sqlstate", None) == "53100":
        return True
    message = str(reason if reason is not None else error).lower()
    return "disk is full" in message or "no space left" in message


def rollback_quietly() -> None:
    from app.extensions import db
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone: nothing was left to undo on it
        current_app.logger.warning("Không hoàn tác được phiên cơ sở dữ liệu", exc_info=True)


def _remove_session_quietly(_exc) -> None:
    from app.extensions import db
    from app.services.evidence import discard_uncommitted_files
    try:
        discard_uncommitted_files()
        db.session.remove()
    except Exception:  # noqa: BLE001 — see init_app: the answer has been decided already
        current_app.logger.warning("Không đóng được phiên cơ sở dữ liệu", exc_info=True)
