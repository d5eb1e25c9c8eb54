"""The web layer: one blueprint per concern; shared rendering and error pages here."""
from __future__ import annotations

from datetime import timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block

from app import permissions
from app.catalogue.model import PILLARS, UNIT_TYPES
from app.tenancy import TenancyError
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
    from app.web import (account, admin, appraisal, auth, catalogue, catalogue_import,
                         communes, dashboards,
                         entry, evidence, exports, health, home, mail, notifications, offices,
                         password_reset, periods, public, rankings, reopen, reporting_calendar,
                         system_tokens, units, user_import, users)
    from app.web.ids import IdConverter
    app.url_map.converters["int"] = IdConverter  # before any route is added
    for module in (auth, home, admin, units, users, user_import, periods, catalogue,
                   catalogue_import, entry,
                   evidence, offices, reopen, communes, appraisal, notifications, rankings,
                   account, api, dashboards, public, health, exports, mail, password_reset,
                   reporting_calendar, system_tokens):
        app.register_blueprint(module.bp)
    auth.init_login(app)

    from app.web.ownership import check_view_args
    app.before_request(check_view_args)  # after the province is bound (registered earlier)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.add_extension("app.web.compact.CompactIndent")
    from app.web.page_nav import main_nav
    app.jinja_env.globals.update(
        can=lambda action: permissions.can(current_user, action), main_nav=main_nav,
        ROLE_LABELS=ROLE_LABELS, UNIT_TYPES=UNIT_TYPES, PILLARS=PILLARS,
        # every registered method's label, the plugins' own too (collected at start-up)
        METHOD_LABELS=app.extensions["chiso"].method_labels,
    )
    app.jinja_env.filters["num"] = _number
    _gettext_once_per_request(app)
    app.jinja_env.filters["vn"] = _vietnam_time
    from app.web import labels
    labels.init_app(app)

    @app.context_processor
    def _province_context():
        from app.web.home import current_province
        return {"current_province": current_province(), "province_merger": _province_merger}

    for code, title, text in (
        (403, "Không có quyền", "Vai trò của bạn không được thực hiện thao tác này."),
        (404, "Không tìm thấy", "Trang hoặc dữ liệu bạn tìm không có."),
        (413, "Tệp quá lớn", "Tệp vượt quá giới hạn cho phép. Hãy chọn tệp nhỏ hơn."),
    ):
        app.register_error_handler(code, _error_page(code, title, text))

    @app.errorhandler(TenancyError)
    def _no_province(error):
        """A superadmin (the one role without a province) reaching a province's row before
        picking one: that row is not there for them yet. Anyone else reaching it is a bug."""
        if not permissions.can(current_user, "provinces.pick"):
            raise error
        text = "Hãy chọn tỉnh trước (trang Tỉnh) rồi mở lại trang này."
        if request.path.startswith("/api/"):
            from app.api.errors import response
            return response(404, "Không tìm thấy: tài khoản quản trị hệ thống chưa chọn tỉnh.")
        return render_template("error.html", code=404, title="Chưa chọn tỉnh", text=text), 404

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


def _gettext_once_per_request(app) -> None:
    """Templates' _() with the request's translations looked up once per request: Flask-Babel
    looks up the context, the locale and the domain again for every string (~12 us each, a
    third of base.html's time before its navigation was kept)."""
    from flask import g, has_app_context
    from flask_babel import get_locale, get_translations

    def translations():
        if not has_app_context():
            return get_translations()
        # Kept on g by locale: g lives as long as the app context, which a request may share
        # with an outer one (a command, a test), and force_locale may change the locale.
        kept = g.setdefault("_chiso_translations", {})
        locale = str(get_locale())
        if locale not in kept:
            kept[locale] = get_translations()
        return kept[locale]
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)


def _province_merger(province):
    """The page's province (a template's `province`, else the user's) as merged since 2025, or
    None: every page of a merged province says so (app/services/province_merger.py)."""
    from app.models import Province
    from app.services.province_merger import merger_of
    return merger_of(province) if isinstance(province, Province) else None


def _error_page(code, title, text):
    def handler(_error):
        shown = text
        if code == 404 and current_user.is_authenticated:
            # Only someone signed in has a province; an anonymous visitor is not told of one.
            shown = text.rstrip(".") + ", hoặc không thuộc tỉnh của bạn."
        return render_template("error.html", code=code, title=title, text=shown), code
    return handler


VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def _vietnam_time(value, fmt: str = "%H:%M %d/%m/%Y") -> str:
    """Stored times are UTC; officials read Vietnam time."""
    if value is None:
        return "—"
    return value.replace(tzinfo=timezone.utc).astimezone(VIETNAM).strftime(fmt)


def _number(value, digits: int = 3) -> str:
    """Vietnamese number format: 891,195 and 1.000 (comma for decimals, dot for thousands).
    Points have up to three decimals (seed 004 publishes 83.125): shown as they are, rounded
    half up past ``digits``, trailing zeros dropped."""
    if value is None:
        return "—"
    try:
        exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    except ArithmeticError:  # a stored text that is no number, or one too long to round
        return str(value)
    if not exact.is_finite():  # an infinite value stored before numbers were bounded
        return str(value)
    text = f"{exact:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
