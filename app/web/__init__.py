"""The web layer: one blueprint per concern; shared rendering and error pages here."""
from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block

from app import permissions
from app.catalogue.model import METHOD_LABELS, PILLARS, UNIT_TYPES
from app.models.user import ROLE_LABELS


def render(template: str, block: str | None = None, **context):
    """The whole page, or only ``block`` of it when htmx asks for a fragment. A history
    restore (Back after htmx pushed a URL, with the page gone from htmx's cache) and a boosted
    link both want the whole page."""
    headers = request.headers
    if (block and headers.get("HX-Request") and not headers.get("HX-Boosted")
            and not headers.get("HX-History-Restore-Request")):
        return render_block(template, block, **context)
    return render_template(template, **context)


def registry():
    return current_app.extensions["chiso"]


def init_app(app) -> None:
    from app import api
    from app.web import converters
    converters.init_app(app)
    from app.web import (account, admin, appraisal, auth, catalogue, communes, dashboards,
                         entry, evidence, exports, health, home, notifications, offices, periods,
                         public, rankings, reopen, units, user_import, users)
    for module in (auth, home, admin, units, users, user_import, periods, catalogue, entry,
                   evidence, offices, reopen, communes, appraisal, notifications, rankings,
                   account, api, dashboards, public, health, exports):
        app.register_blueprint(module.bp)
    auth.init_login(app)

    from app.web.ownership import check_view_args
    app.before_request(check_view_args)  # after the province is bound (registered earlier)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        can=lambda action: permissions.can(current_user, action),
        ROLE_LABELS=ROLE_LABELS, UNIT_TYPES=UNIT_TYPES, PILLARS=PILLARS,
        METHOD_LABELS=METHOD_LABELS,
    )
    app.jinja_env.filters["num"] = _number
    app.jinja_env.filters["vn"] = _vietnam_time

    @app.context_processor
    def _province_context():
        from app.web.home import current_province
        return {"current_province": current_province()}

    for code, title, text in (
        (403, "Không có quyền", "Vai trò của bạn không được thực hiện thao tác này."),
        (404, "Không tìm thấy", "Trang hoặc dữ liệu bạn tìm không có, hoặc không thuộc tỉnh của bạn."),
        (413, "Tệp quá lớn", "Tệp vượt quá giới hạn cho phép. Hãy chọn tệp nhỏ hơn."),
    ):
        app.register_error_handler(code, _error_page(code, title, text))

    from app.web import errors
    errors.init_app(app)

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        if request.headers.get("HX-Request") and not current_user.is_authenticated:
            # The session ended under an open form: the page offers to log in and save again.
            return "Phiên đăng nhập đã hết.", 401
        return render_template("error.html", code=400, title="Phiên làm việc đã hết hạn",
                               text="Mã bảo vệ biểu mẫu (CSRF) không hợp lệ hoặc đã hết hạn. "
                                    "Hãy tải lại trang và thử lại; dữ liệu đã lưu không bị mất."), 400


def _error_page(code, title, text):
    def handler(_error):
        return render_template("error.html", code=code, title=title, text=text), code
    return handler


VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def _vietnam_time(value, fmt: str = "%H:%M %d/%m/%Y") -> str:
    """Stored times are UTC; officials read Vietnam time."""
    if value is None:
        return "—"
    return value.replace(tzinfo=timezone.utc).astimezone(VIETNAM).strftime(fmt)


def _number(value, digits: int = 2) -> str:
    """Vietnamese number format: 891,195 and 1.000 (comma for decimals, dot for thousands)."""
    if value is None:
        return "—"
    value = float(value)
    if value == int(value):
        text = f"{int(value):,}"
    else:
        text = f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
