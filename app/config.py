"""Defaults; each can be overridden from the environment as CHISO_<NAME>."""
import os
import secrets


class Defaults:
    # None: CHISO_SECRET_KEY, else a random secret made on first start in the instance folder
    # (SECRET_KEY_FILE). No secret ships in the code: a known one would let anyone sign cookies.
    SECRET_KEY = None
    SECRET_KEY_FILE = None  # None: <instance>/secret_key
    DATABASE_URL = None  # None: SQLite in the instance folder
    UPLOAD_DIR = None  # None: <instance>/uploads
    MAX_UPLOAD_MB = 20
    # A form left open all afternoon must still save: the CSRF token lives as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # one working day
    # A session ends after 2 hours without a request, and 12 hours after login whatever happens.
    IDLE_TIMEOUT_MINUTES = 120
    ABSOLUTE_TIMEOUT_HOURS = 12
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Reverse proxies in front of the app (nginx for HTTPS: 1). Their X-Forwarded-For and
    # -Proto are trusted, so that login throttling sees the official's address, not the proxy's.
    PROXIES = 0
    # Behind nginx (deploy/): evidence downloads answer X-Accel-Redirect to the internal
    # location /_evidence/ after the permission check, so a large file never holds a worker.
    ACCEL_REDIRECT = 0
    # Public results pages: how long nginx and browsers may keep a copy before asking again
    # (with If-None-Match). A figure never moves once published; only a new publication or a
    # withdrawal changes a page, and that shows within this many seconds.
    PUBLIC_MAX_AGE = 30
    # E-mail. No server: mail waits in the outbox (the admin's outbox page says so).
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_USE_TLS = False  # STARTTLS after connecting (port 587)
    MAIL_SENDER = "Chỉ số <chiso@localhost>"
    # Links in e-mail are absolute: the address officials open the site at.
    BASE_URL = "http://127.0.0.1:5000"


def finish(app):
    """Fill the settings that depend on the instance folder and the environment."""
    url = app.config.get("DATABASE_URL") or (
        "sqlite:///" + os.path.join(app.instance_path, "chiso.sqlite")
    )
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault("UPLOAD_DIR", None)
    if not app.config["UPLOAD_DIR"]:
        app.config["UPLOAD_DIR"] = os.path.join(app.instance_path, "uploads")
    if not app.config.get("SECRET_KEY") and os.environ.get("CHISO_ENV") != "production":
        path = app.config.get("SECRET_KEY_FILE") or os.path.join(app.instance_path, "secret_key")
        app.config["SECRET_KEY"] = instance_secret(path)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024 + 64 * 1024


def instance_secret(path: str) -> str:
    """The secret kept in ``path``, made on first start. Created exclusively (O_EXCL), readable
    by the owner only: two workers starting together both end up with the one that was written."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, encoding="ascii") as existing:
            secret = existing.read().strip()
        if secret:
            return secret
        raise RuntimeError(f"Tệp khóa bí mật {path} rỗng: xóa tệp để tạo khóa mới.") from None
    secret = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as created:
        created.write(secret + "\n")
    return secret
