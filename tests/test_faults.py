"""What an official sees when the database is down: a Vietnamese page (JSON under /api/), a
readiness check that says so, and the liveness check untouched.

"Down" is an app on the same secret pointed at a closed port: the same on both test passes,
and no shared server is stopped. tests/test_faults_pg.py stops, restarts and freezes a private
PostgreSQL server."""
from __future__ import annotations

import socket

import pytest

from app import create_app
from tests.conftest import _config, demo, login


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed once the socket is: connections are refused


@pytest.fixture
def down(app, tmp_path):
    """An app whose database refuses connections, with the same secret as ``app``."""
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/chiso"
    return create_app({**_config(url, tmp_path), "PROPAGATE_EXCEPTIONS": False})


def _logged_in(app, down, role="unit_user", province="dienbien"):
    client = app.test_client()
    login(client, demo(role, province))
    other = down.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


@pytest.mark.parametrize("url", ["/", "/assessments/dienbien-so-2022/2022/dienbien.so-tttt",
                                 "/units"])
def test_a_logged_in_official_gets_the_vietnamese_outage_page(app, down, url):
    response = _logged_in(app, down).get(url)
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Cơ sở dữ liệu đang bận hoặc gặp sự cố" in page
    assert "Internal Server Error" not in page and response.mimetype == "text/html"


def test_an_htmx_save_while_down_says_not_saved_in_a_line(app, down):
    client = _logged_in(app, down)
    response = client.post("/assessments/dienbien-so-2022/2022/dienbien.so-tttt/rows/1.2",
                           data={"1.2__self_score": "10"}, headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert "chưa lưu được" in response.get_data(as_text=True)


def test_the_api_answers_a_database_outage_in_json(down):
    response = down.test_client().get("/api/v1/units",
                                      headers={"Authorization": "Bearer chiso_abc"})
    assert response.status_code == 503
    assert response.is_json and "Cơ sở dữ liệu" in response.get_json()["error"]


def test_readyz_says_whether_the_database_answers_healthz_stays_liveness(client, down):
    assert client.get("/readyz").status_code == 200
    assert client.get("/readyz").get_data(as_text=True) == "ok"
    outage = down.test_client()
    assert outage.get("/readyz").status_code == 503
    assert outage.get("/healthz").status_code == 200


def test_an_unexpected_error_is_a_branded_vietnamese_page_and_json_in_the_api(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("boom")
    app.add_url_rule("/test-broken", "test_broken", broken)
    app.add_url_rule("/api/v1/test-broken", "api_test_broken", broken)
    client = app.test_client()
    page = client.get("/test-broken")
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert "Máy chủ gặp lỗi" in text and "Chỉ số" in text and "Internal Server Error" not in text
    api = client.get("/api/v1/test-broken")
    assert api.status_code == 500 and "lỗi ngoài dự kiến" in api.get_json()["error"]


# -- a failure after the commit ------------------------------------------------------------
FORM = "/assessments/dienbien-so-2022/2022/dienbien.so-tttt"
HX = {"HX-Request": "true"}


@pytest.fixture
def lost_after_commit(app):
    """Once a transaction writing an answer commits, every later statement fails as when
    PostgreSQL restarts under the request (the connection is gone)."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from app.extensions import db
    from app.models import Answer
    state = {"wrote": False, "down": False}

    def after_flush(session, _context):
        state["wrote"] |= any(isinstance(o, Answer) for o in (*session.new, *session.dirty))

    def after_commit(_session):
        state["down"] = state["down"] or state["wrote"]

    def before_execute(*_args):
        if state["down"]:
            raise OperationalError("SELECT", {}, sqlite3.OperationalError(
                "server closed the connection unexpectedly"))
    with app.app_context():
        engine = db.engine
    event.listen(db.session, "after_flush", after_flush)
    event.listen(db.session, "after_commit", after_commit)
    event.listen(engine, "before_cursor_execute", before_execute)
    yield state
    event.remove(db.session, "after_flush", after_flush)
    event.remove(db.session, "after_commit", after_commit)
    event.remove(engine, "before_cursor_execute", before_execute)


def _self_score(app, code="1.2"):
    from sqlalchemy import select

    from app import tenancy
    from app.extensions import db
    from app.models import Answer
    from tests.conftest import province_id
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        return db.session.scalar(select(Answer.self_score).where(Answer.code == code))


def test_an_htmx_save_committed_before_the_database_went_away_says_saved(app, as_user,
                                                                           lost_after_commit):
    client = as_user("unit_user", "dienbien")
    response = client.post(f"{FORM}/rows/1.2", data={"1.2__self_score": "10"}, headers=HX)
    lost_after_commit["down"] = lost_after_commit["wrote"] = False
    assert lost_after_commit is not None and response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Đã lưu chỉ tiêu 1.2" in text and "chưa lưu" not in text.lower()
    assert response.headers["HX-Reswap"] == "none"  # the typed values stay on the page
    assert _self_score(app) == 10


def test_an_api_put_committed_before_the_database_went_away_answers_what_was_saved(
        app, lost_after_commit):
    from tests.test_api import token
    bearer = {"Authorization": f"Bearer {token(app, 'unit_user')}"}
    client = app.test_client()
    assert client.get("/api/v1/units", headers=bearer).status_code == 200  # last use noted
    response = client.put(f"/api/v1{FORM}", json={"values": {"1.2": {"self_score": 10}}},
                          headers=bearer)
    lost_after_commit["down"] = lost_after_commit["wrote"] = False
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    saved = {v["code"]: v for v in response.get_json()["indicators"]}
    assert saved["1.2"]["self_score"] == 10
    assert _self_score(app) == 10


# -- two first writes at once ----------------------------------------------------------------
def test_two_first_writes_at_once_share_the_assessment(app, as_user, monkeypatch):
    """The second of two first saves on a unit without an assessment did not see the first's
    row (not committed when it looked), then hit the unique constraint: a 503. It now writes
    into the first's row. The race is replayed in order: the row exists, the look-up misses."""
    from app.services import assessments as svc
    client = as_user("unit_user", "dienbien")
    first = client.post(f"{FORM}/rows/1.2", data={"1.2__self_score": "10"}, headers=HX)
    assert first.status_code == 200
    real, missed = svc._find_assessment, []

    def not_yet_committed(period, unit):
        if not missed:
            missed.append(True)
            return None
        return real(period, unit)
    monkeypatch.setattr(svc, "_find_assessment", not_yet_committed)
    # The form's look-up of the unit reads its assessment too: it misses it as well.
    from app.web import assessment_lookups
    real_lookup = assessment_lookups.unit_and_assessment
    monkeypatch.setattr(assessment_lookups, "unit_and_assessment",
                        lambda code, period: (real_lookup(code, period)[0], None))
    second = client.post(f"{FORM}/rows/1.3", data={"1.3__self_score": "5"}, headers=HX)
    assert missed and second.status_code == 200, second.get_data(as_text=True)[:300]
    assert _self_score(app, "1.2") == 10 and _self_score(app, "1.3") == 5


# -- read-only, then writable again ----------------------------------------------------------
@pytest.fixture
def read_only(app, database_url):
    """``read_only(True)`` makes new connections read-only, as PostgreSQL's
    ``ALTER DATABASE … SET default_transaction_read_only = on`` does (SQLite: query_only);
    connections opened meanwhile keep that default once it is switched off again."""
    from sqlalchemy import create_engine, event, text

    from app.extensions import db
    from tests.conftest import PG_URL
    with app.app_context():
        engine = db.engine
    flag = {"on": False}
    if PG_URL:
        name = database_url.rsplit("/", 1)[1]
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")

        def switch(on: bool):
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only '
                                  f'= {"on" if on else "off"}'))
            if on:
                engine.dispose()  # the workers' next connections are opened read-only
        yield switch
        admin.dispose()
        return

    def on_connect(dbapi_conn, _record):
        if flag["on"]:
            dbapi_conn.execute("PRAGMA query_only = ON")

    def switch(on: bool):
        flag["on"] = on
        if on:
            engine.dispose()
    event.listen(engine, "connect", on_connect)
    yield switch
    event.remove(engine, "connect", on_connect)


def test_writes_work_again_once_read_only_is_switched_off(app, as_user, read_only):
    client = as_user("unit_user", "dienbien")
    url = f"{FORM}/rows/1.2"
    assert client.post(url, data={"1.2__self_score": "10"}, headers=HX).status_code == 200
    read_only(True)
    refused = client.post(url, data={"1.2__self_score": "11", "1.2__version": "1"}, headers=HX)
    assert refused.status_code == 503 and "chưa lưu được" in refused.get_data(as_text=True)
    read_only(False)
    healed = client.post(url, data={"1.2__self_score": "12", "1.2__version": "1"}, headers=HX)
    assert healed.status_code == 200, healed.get_data(as_text=True)[:200]
    assert _self_score(app) == 12


def test_an_upload_the_database_refused_leaves_no_file(app, as_user, read_only):
    """The file is written before the row; when the commit fails (read-only, full) it is
    removed again, unless a committed row already names the same bytes."""
    import io
    import os
    from tests.test_evidence import PDF, stored_files
    client = as_user("unit_user", "dienbien")

    def upload(code, data):
        return client.post(f"{FORM}/rows/{code}/evidence", headers=HX,
                           content_type="multipart/form-data",
                           data={f"{code}__ev_file": (io.BytesIO(data), "ke-hoach.pdf")})
    assert upload("2.1", PDF).status_code == 200
    kept = stored_files(app)
    read_only(True)
    refused = upload("2.2", PDF + b"% khac\n")
    again = upload("2.3", PDF)  # bytes a committed row already names
    read_only(False)
    assert refused.status_code == 503 and again.status_code == 503
    assert stored_files(app) == kept and len(kept) == 1
    assert not os.listdir(os.path.join(app.config["UPLOAD_DIR"], "evidence", "tmp"))
    assert upload("2.2", PDF + b"% khac\n").status_code == 200
    assert len(stored_files(app)) == 2


# -- an upload cut off -----------------------------------------------------------------------
CUT = (b'--XX\r\nContent-Disposition: form-data; name="indicator"\r\n\r\n2.1\r\n'
       b'--XX\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
       b'Content-Type: application/pdf\r\n\r\n%PDF-1.4\n1 0 obj')  # no closing boundary


def test_a_cut_off_upload_says_it_was_incomplete(app, as_user):
    from tests.test_api import token
    bearer = {"Authorization": f"Bearer {token(app, 'unit_user')}"}
    api = app.test_client().post(f"/api/v1{FORM}/evidence", data=CUT, headers=bearer,
                                 content_type="multipart/form-data; boundary=XX")
    assert api.status_code == 400 and "chưa trọn vẹn" in api.get_json()["error"]
    client = as_user("unit_user", "dienbien")
    web = client.post(f"{FORM}/rows/2.1/evidence", data=CUT, headers=HX,
                      content_type="multipart/form-data; boundary=XX")
    assert web.status_code == 400 and "chưa trọn vẹn" in web.get_data(as_text=True)


def test_a_rollback_failing_at_the_end_of_a_request_does_not_undo_its_answer(app, as_user,
                                                                            monkeypatch):
    """The teardown's rollback on a connection the database dropped raised, turning a saved
    row into a raw 500."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from app.extensions import db
    client = as_user("unit_user", "dienbien")
    real, raised = db.session.remove, []

    def dropped():  # the first close fails; after it there is no session left to close
        real()
        if not raised:
            raised.append(True)
            raise OperationalError("ROLLBACK", {}, sqlite3.OperationalError("connection lost"))
    monkeypatch.setattr(db.session, "remove", dropped)
    response = client.post(f"{FORM}/rows/1.2", data={"1.2__self_score": "10"}, headers=HX)
    monkeypatch.undo()
    assert raised and response.status_code == 200
    assert _self_score(app) == 10
