"""Who may do what: one table of action × role, the only place that decides.

The README prints this table (tests/test_permissions.py keeps the two in step).
"""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

SA, PA, AP, UU, VW = "superadmin", "province_admin", "appraiser", "unit_user", "viewer"
# Not a person: a named system of one province calling the API with a system token
# (app.services.system_tokens). It appears in one action only, so everything else refuses it.
SY = "system"

PERMISSIONS: dict[str, tuple[str, frozenset[str]]] = {
    # action: (what it means, roles allowed)
    "plugins.install": ("Xem plugin đã cài, tạo tỉnh", frozenset({SA})),
    "provinces.pick": ("Chọn tỉnh để xem, ở chế độ chỉ đọc", frozenset({SA})),
    "province.view": ("Xem dữ liệu của tỉnh (đơn vị, kỳ, bộ chỉ số)", frozenset({SA, PA, AP, UU, VW})),
    "province.plugins": ("Bật / tắt plugin của tỉnh", frozenset({PA})),
    "units.manage": ("Thêm, sửa đơn vị", frozenset({PA})),
    "users.view": ("Xem danh sách người dùng của tỉnh", frozenset({SA, PA})),
    "users.manage": ("Tạo, khóa, đặt lại mật khẩu, nhập hàng loạt người dùng", frozenset({PA})),
    "catalogue.import": ("Nhập bộ chỉ số (phiên bản mới) từ tệp Excel", frozenset({PA})),
    "periods.manage": ("Mở, khóa kỳ báo cáo, đổi hạn nộp", frozenset({PA})),
    "entry.any_unit": ("Nhập số liệu cho mọi đơn vị của tỉnh", frozenset({PA})),
    "entry.own_unit": ("Nhập số liệu của đơn vị mình", frozenset({PA, UU})),
    # A unit user's province is its own unit: another unit's assessment, dashboard or evidence
    # is not there for it (404), where the province-wide roles read them.
    "units.own_only": ("Chỉ thấy đơn vị của mình (hồ sơ nó điền, bảng điều khiển, minh chứng)",
                       frozenset({UU})),
    "assessment.read_any": ("Đọc hồ sơ đánh giá của mọi đơn vị trong tỉnh", frozenset({SA, PA, AP})),
    "communes.participants": ("Chọn các xã, phường tham gia kế hoạch của năm", frozenset({PA})),
    "appraisal.do": ("Thẩm định hồ sơ đã nộp", frozenset({AP})),
    "appraisal.review": ("Xem hàng đợi thẩm định; mở lại một chỉ tiêu đã thẩm định",
                         frozenset({PA, AP})),
    "results.view": ("Xem kết quả đã công bố và bảng điều khiển", frozenset({SA, PA, AP, UU, VW})),
    "results.early": ("Xem điểm, xếp hạng của kỳ trước khi công bố", frozenset({SA, PA, AP})),
    "results.publish": ("Công bố, rút lại công bố kết quả của kỳ", frozenset({PA})),
    "results.compare": ("So sánh các tỉnh theo trụ cột chung", frozenset({SA})),
    "measured.write": ("Gửi số liệu đo tự động của tỉnh mình qua API (chỉ tài khoản hệ thống)",
                       frozenset({SY})),
    "mail.outbox": ("Xem hộp thư đi của tỉnh (chờ gửi, đã gửi, lỗi)", frozenset({PA})),
}


def can(user, action: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role in PERMISSIONS[action][1]


def permission_key(user):
    """All that ``can(user, action)`` reads of the user: markup kept per kind of user (the
    navigation, app/web/page_nav.py) is keyed on it, so it follows this table."""
    return user.role if getattr(user, "is_authenticated", False) else None


def is_system(user) -> bool:
    """Whether the caller is a system (a system token), not a person."""
    return getattr(user, "role", None) == SY


def require(action: str):
    """View decorator: 403 for a logged-in role the table does not allow."""
    if action not in PERMISSIONS:
        raise KeyError(action)

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_action = action
        return wrapped
    return decorate


def table_markdown() -> str:
    roles = [SA, PA, AP, UU, VW, SY]
    lines = ["| hành động | " + " | ".join(roles) + " |", "|---|" + "---|" * len(roles)]
    for action, (label, allowed) in PERMISSIONS.items():
        marks = " | ".join("✔" if role in allowed else "" for role in roles)
        lines.append(f"| `{action}` {label} | {marks} |")
    return "\n".join(lines)
