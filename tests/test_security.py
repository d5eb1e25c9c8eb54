"""Login throttling, session timeouts, an append-only audit trail, security headers."""
import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from app import tenancy
from app.extensions import db
from app.models import AuditEvent
from tests.conftest import demo, login, province_id


def test_login_is_throttled_per_account_with_the_time_to_wait(client):
    for _ in range(5):
        client.post("/login", data={"email": demo("viewer", "yenbai"), "password": "sai-mat-khau"})
    blocked = client.post("/login", data={"email": demo("viewer", "yenbai"),
                                          "password": "chiso-demo-2022"})
    assert blocked.status_code == 429
    assert "Vui lòng thử lại sau khoảng 15 phút" in blocked.get_data(as_text=True)
    assert 800 < int(blocked.headers["Retry-After"]) <= 901


def test_login_is_throttled_per_address_allowing_an_office_behind_one_nat(client):
    # Five officials of one office, each mistyping once: the office can still log in.
    for i in range(5):
        client.post("/login", data={"email": f"khong-co-{i}@demo.chiso.vn", "password": "x"})
    login(client, demo("viewer", "dienbien"))
    client.post("/logout")
    for i in range(5, 20):  # a guesser trying accounts from one address is stopped
        client.post("/login", data={"email": f"khong-co-{i}@demo.chiso.vn", "password": "x"})
    other_account = client.post("/login", data={"email": demo("viewer", "yenbai"),
                                                "password": "chiso-demo-2022"})
    assert other_account.status_code == 429


def test_a_success_clears_the_accounts_failures(client):
    for _ in range(3):
        client.post("/login", data={"email": demo("viewer", "thanhhoa"), "password": "sai"})
    login(client, demo("viewer", "thanhhoa"))


def test_a_failed_login_forgets_failures_older_than_the_window(app, client):
    """The table holds only the window's failures: without this it grew by two rows for every
    failed login, for ever."""
    from datetime import datetime, timedelta

    from sqlalchemy import select

    from app.models import LoginAttempt
    from app.throttle import WINDOW
    with app.app_context():
        old = datetime.utcnow() - WINDOW - timedelta(minutes=1)
        db.session.add_all([LoginAttempt(key="email:cu@demo.chiso.vn", at=old),
                            LoginAttempt(key="ip:10.0.0.9", at=old)])
        db.session.commit()
    client.post("/login", data={"email": demo("viewer", "yenbai"), "password": "sai"})
    with app.app_context():
        kept = db.session.scalars(select(LoginAttempt.key)).all()
    assert sorted(kept) == ["email:" + demo("viewer", "yenbai"), "ip:127.0.0.1"]


def test_idle_session_ends(app, client):
    login(client, demo("viewer", "yenbai"))
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] -= app.config["IDLE_TIMEOUT_MINUTES"] * 60 + 5
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_absolute_session_limit(app, client):
    login(client, demo("viewer", "yenbai"))
    with client.session_transaction() as session:
        session["login_at"] -= app.config["ABSOLUTE_TIMEOUT_HOURS"] * 3600 + 5
    assert client.get("/").status_code == 302


def test_audit_rows_cannot_be_changed_or_deleted(app, as_user):
    client = as_user("unit_user", "dienbien")
    client.post("/assessments/dienbien-so-2022/2022/dienbien.so-tttt/rows/1.1",
                data={"1.1__value": "1"}, headers={"HX-Request": "true"})
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        with pytest.raises(DBAPIError):
            db.session.execute(update(AuditEvent).values(new="sửa lén"))
        db.session.rollback()
        with pytest.raises(DBAPIError):
            db.session.execute(delete(AuditEvent))
        db.session.rollback()
        assert db.session.execute(text("select count(*) from audit_event")).scalar() >= 1


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_in_pages(as_user):
    import re
    client = as_user("province_admin", "dienbien")
    for url in ("/", "/units", "/periods", "/users", "/catalogue/dienbien-so-2022", "/assessments",
                "/assessments/dienbien-so-2022/2022/dienbien.so-tttt"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert " style=" not in html, url
        assert "onclick=" not in html.lower(), url


def test_production_refuses_the_default_secret(monkeypatch, tmp_path):
    from app import create_app
    monkeypatch.setenv("CHISO_ENV", "production")
    with pytest.raises(RuntimeError, match="CHISO_SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}"})


def _fill_the_disk(app):
    """Make the next write fail as a full disk does: SQLite through its page limit, PostgreSQL
    through a trigger raising the server's own disk_full error (SQLSTATE 53100)."""
    from sqlalchemy import event
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            @event.listens_for(db.engine, "connect")
            def _cap(dbapi_conn, _record):
                pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
                dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")
            db.engine.dispose()

            def undo_cap():
                with app.app_context():
                    event.remove(db.engine, "connect", _cap)
                    db.engine.dispose()
            return undo_cap
        with db.engine.begin() as conn:
            conn.execute(text("""CREATE FUNCTION full_disk() RETURNS trigger AS $$ BEGIN
                RAISE EXCEPTION 'could not extend file: No space left on device'
                USING ERRCODE = 'disk_full'; END; $$ LANGUAGE plpgsql"""))
            conn.execute(text("CREATE TRIGGER full_disk BEFORE UPDATE ON answer "
                              "FOR EACH ROW EXECUTE FUNCTION full_disk()"))

        def undo():
            with app.app_context(), db.engine.begin() as conn:
                conn.execute(text("DROP TRIGGER full_disk ON answer"))
        return undo


def test_a_full_disk_keeps_earlier_data_and_says_so(app, as_user):
    client = as_user("unit_user", "dienbien")
    url = "/assessments/dienbien-so-2022/2022/dienbien.so-tttt/rows/1.2"
    hx = {"HX-Request": "true"}
    assert client.post(url, data={"1.2__self_score": "10"}, headers=hx).status_code == 200
    undo = _fill_the_disk(app)
    long_text = "giải trình " * 500
    failed = client.post(url, data={"1.2__self_score": "12", "1.2__explanation": long_text[:4900],
                                    "1.2__no_evidence_reason": long_text[:4900],
                                    "1.2__version": "1"}, headers=hx)
    undo()
    assert failed.status_code == 507  # the page's htmx swaps 507 and shows why
    assert "hết dung lượng" in failed.get_data(as_text=True)
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        from sqlalchemy import select

        from app.models import Answer
        assert db.session.scalar(select(Answer.self_score).where(Answer.code == "1.2")) == 10


def test_behind_a_proxy_throttling_counts_the_officials_address(app):
    """With CHISO_PROXIES=1 (nginx in front), twenty failures from one office do not lock out
    another office that reaches the app through the same proxy."""
    from app import create_app
    proxied = create_app({**app.config, "PROXIES": 1})
    client = proxied.test_client()
    for i in range(20):
        client.post("/login", data={"email": f"khong-co-{i}@demo.chiso.vn", "password": "x"},
                    headers={"X-Forwarded-For": "203.0.113.7"})
    blocked = client.post("/login", data={"email": demo("viewer", "yenbai"), "password": "x"},
                          headers={"X-Forwarded-For": "203.0.113.7"})
    assert blocked.status_code == 429
    other = client.post("/login", data={"email": demo("viewer", "dienbien"),
                                        "password": "chiso-demo-2022"},
                        headers={"X-Forwarded-For": "198.51.100.20"})
    assert other.status_code == 302
