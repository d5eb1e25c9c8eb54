"""Chỉ số: the core. ``create_app()`` builds the Flask app; plugins import ``hookimpl`` here."""
from __future__ import annotations

import logging
import os

from flask import Flask, g, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app.hookspecs import hookimpl

__all__ = ["create_app", "hookimpl"]


def create_app(test_config: dict | None = None) -> Flask:
    # CHISO_INSTANCE_PATH: each app server its own folder (two servers side by side must not
    # need anything from each other's: README, "Running in production").
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.environ.get("CHISO_INSTANCE_PATH") or None,
                static_folder=os.path.join(os.path.dirname(__file__), "..", "static"))
    from app import config
    app.config.from_object(config.Defaults)
    app.config.from_prefixed_env("CHISO")
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    config.finish(app)
    _refuse_default_secret(app)
    logging.basicConfig(level=logging.WARNING)

    from app.extensions import babel, csrf, db, login_manager, migrate
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.session_protection = "basic"  # "strong" would log out officials behind one NAT

    from app import tenancy
    tenancy.install()
    with app.app_context():
        _sqlite_pragmas(db)
        _heal_read_only(db)

    from app.plugins import Registry
    # PLUGINS: the entry points to load (None: every installed one; the tests name theirs)
    app.extensions["chiso"] = Registry().discover(app.config.get("EXTRA_PLUGINS"),
                                                  app.config.get("PLUGINS"))

    app.before_request(_bind_province)  # first: every later hook runs in the province
    app.teardown_request(lambda _exc: tenancy.set_province(None))
    from app import cli, web
    web.init_app(app)
    cli.init_app(app)
    app.after_request(_security_headers)
    proxies = int(app.config["PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    return app


def _refuse_default_secret(app: Flask) -> None:
    production = os.environ.get("CHISO_ENV") == "production"
    # Several app servers share one secret: production names it, none is made per server.
    if production and not app.config.get("SECRET_KEY"):
        raise RuntimeError("CHISO_SECRET_KEY chưa được đặt: production cần một khóa chung cho "
                           "mọi máy chủ ứng dụng.")
    if production:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True


def _locale() -> str:
    # Vietnamese only. The English switch translated about 20 strings of the interface and
    # was forgotten at login; it was removed rather than left half done (issue 14). The _()
    # markers stay in the templates for a complete translation later.
    return "vi"


def _sqlite_pragmas(db) -> None:
    from sqlalchemy import event
    if db.engine.dialect.name != "sqlite":
        return

    @event.listens_for(db.engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(db.engine, "savepoint")
    def _begin_before_savepoint(conn, _name):
        # pysqlite opens a transaction only before INSERT/UPDATE/DELETE. A SAVEPOINT issued
        # outside one starts a transaction of its own that its RELEASE commits: a row written
        # in a savepoint (a first answer's assessment) would stay even when the request then
        # refuses the save. A deferred BEGIN first keeps the savepoint inside the request's
        # transaction, as on PostgreSQL.
        dbapi_conn = conn.connection.dbapi_connection
        if not dbapi_conn.in_transaction:
            dbapi_conn.execute("BEGIN")


def _bind_province() -> None:
    """Every request runs in one province: the user's own, or the one a superadmin picked."""
    from app import tenancy
    from app.permissions import can
    province_id = None
    _expire_session()
    if current_user.is_authenticated:
        province_id = current_user.province_id
        if can(current_user, "provinces.pick"):
            province_id = session.get("province_id")
    g.province_id = province_id
    tenancy.set_province(province_id)


def _expire_session() -> None:
    """Idle and absolute timeouts (config IDLE_TIMEOUT_MINUTES, ABSOLUTE_TIMEOUT_HOURS)."""
    import time

    from flask import current_app
    from flask_login import logout_user
    if "_user_id" not in session:
        return
    now = time.time()
    idle = current_app.config["IDLE_TIMEOUT_MINUTES"] * 60
    absolute = current_app.config["ABSOLUTE_TIMEOUT_HOURS"] * 3600
    if now - session.get("seen_at", now) > idle or now - session.get("login_at", now) > absolute:
        logout_user()
        session.clear()
        return
    session["seen_at"] = now


def _security_headers(response):
    csp = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    # A response over plain HTTP cannot set HSTS (browsers ignore it there, RFC 6797 §8.1);
    # behind nginx, CHISO_PROXIES makes X-Forwarded-Proto count as HTTPS.
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security",
                                    "max-age=31536000; includeSubDomains")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def _heal_read_only(db) -> None:
    """A connection that refused a write because it is read-only (PostgreSQL's
    default_transaction_read_only, 25006; SQLite's query_only) is dropped with the whole pool,
    like a lost one: connections opened while the database was read-only keep that default,
    and would refuse every write after it is switched back until the workers restart."""
    from sqlalchemy import event

    @event.listens_for(db.engine, "handle_error")
    def _on_error(context):
        reason = context.original_exception
        read_only = getattr(reason, "sqlstate", None) == "25006" or \
            "readonly database" in str(reason).lower()
        if read_only:
            context.is_disconnect = True
            context.invalidate_pool_on_disconnect = True
