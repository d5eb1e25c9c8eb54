"""Errors of the API: always JSON, always with a Vietnamese ``error``."""
from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

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
    body = {"error": message, **extra}
    result = jsonify(body)
    result.status_code = status
    if status == 401:
        result.headers["WWW-Authenticate"] = 'Bearer realm="chiso"'
    return result


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return response(error.status, error.message, **error.extra)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    # abort(404) from the shared look-ups, a request over the size limit (413), …
    return response(error.code or 500, MESSAGES.get(error.code, error.description or ""))
