"""Errors of the API: always JSON, always with a Vietnamese ``error``."""
from __future__ import annotations

from flask import jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, default_exceptions

from app.api import bp

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Thiếu hoặc sai mã truy cập: gửi tiêu đề «Authorization: Bearer <mã truy cập>».",
    403: "Vai trò của bạn không được thực hiện thao tác này.",
    404: "Không tìm thấy, hoặc không thuộc tỉnh của bạn.",
    405: "Phương thức không được hỗ trợ ở địa chỉ này.",
    409: "Trạng thái hiện tại không cho phép thao tác này.",
    413: "Tệp hoặc nội dung gửi lên quá lớn.",
    415: "Loại tệp không được chấp nhận.",
    422: "Dữ liệu không hợp lệ.",
}


class ApiError(Exception):
    """An error response: status, message and, for 422, every problem (by indicator code)."""

    def __init__(self, status: int, message: str | None = None, **extra):
        super().__init__(message or MESSAGES.get(status, ""))
        self.status = status
        self.message = message or MESSAGES.get(status, "")
        self.extra = extra


def response(status: int, message: str, **extra):
    errors = _by_row(extra.pop("errors", None))
    if errors:  # no "errors": null for a client to trip over
        extra["errors"] = errors
    body = {"error": message, **extra}
    result = jsonify(body)
    result.status_code = status
    if status == 401:
        result.headers["WWW-Authenticate"] = 'Bearer realm="chiso"'
    return result


def _by_row(errors: dict | None) -> dict | None:
    """The documented shape, {indicator code: {field: message}} ("_" for the whole row, or for
    no row at all): a message given for a whole row (a 409's reason) is put under "_"."""
    if not errors:
        return None
    return {code: problems if isinstance(problems, dict) else {"_": problems}
            for code, problems in errors.items()}


def message_for(status: int) -> str:
    return MESSAGES.get(status) or f"Yêu cầu không thực hiện được (mã lỗi HTTP {status})."


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return response(error.status, error.message, **error.extra)


def _http_error(error: HTTPException):
    # abort(404) from the shared look-ups, a request over the size limit (413), …
    result = response(error.code, message_for(error.code))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        result.headers["Allow"] = ", ".join(error.valid_methods)
    return result


# Flask prefers an app handler for the exact status (the site's HTML pages for 403, 404, 413)
# over a blueprint handler for HTTPException, so the API names each client-error status.
for _status in (code for code in default_exceptions if 400 <= code < 500):
    bp.register_error_handler(_status, _http_error)


def _unrouted():
    """A URL under /api/ that matches no route, or a method its route lacks, fails before any
    API view runs, so the blueprint's handlers never see it. Flask runs the before-request
    hooks before it raises that routing error: answer it here, in JSON. (An app error handler
    for 404 would lose to the site's HTML page, which is registered after the blueprint.)"""
    error = request.routing_exception
    if isinstance(error, (NotFound, MethodNotAllowed)) and request.path.startswith("/api/"):
        return _http_error(error)
    return None


@bp.record_once
def _register_app_hooks(state) -> None:
    state.app.before_request(_unrouted)
