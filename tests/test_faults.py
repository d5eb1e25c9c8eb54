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
