"""Secrets, headers and login timing: what an outsider could learn or forge."""
from __future__ import annotations

import urllib.request

import pytest

from app import create_app
from tests.conftest import _config, demo, login


def _without_secret(database_url, tmp_path, secret_file):
    config = _config(database_url, tmp_path)
    del config["SECRET_KEY"]
    return create_app({**config, "SECRET_KEY_FILE": str(secret_file)})


def test_without_a_secret_one_is_made_on_first_start_and_kept(database_url, tmp_path, monkeypatch):
    monkeypatch.delenv("CHISO_SECRET_KEY", raising=False)
    monkeypatch.delenv("CHISO_ENV", raising=False)
    secret_file = tmp_path / "secret_key"
    first = _without_secret(database_url, tmp_path, secret_file)
    again = _without_secret(database_url, tmp_path, secret_file)
    elsewhere = _without_secret(database_url, tmp_path, tmp_path / "other_secret")
    key = first.config["SECRET_KEY"]
    assert len(key) >= 64 and secret_file.read_text().strip() == key
    assert again.config["SECRET_KEY"] == key  # a restart keeps everyone logged in
    assert elsewhere.config["SECRET_KEY"] != key  # random, not a value from the code
    assert oct(secret_file.stat().st_mode & 0o777) == "0o600"
    # A cookie signed before the restart is accepted after it.
    client = first.test_client()
    login(client, demo("viewer", "dienbien"))
    other = again.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    assert 'action="/logout"' in other.get("/").get_data(as_text=True)  # still logged in


def test_hsts_only_over_https_even_in_production(client, monkeypatch):
    monkeypatch.setenv("CHISO_ENV", "production")
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_production_server_header_names_no_version(database_url, tmp_path):
    """gunicorn (./manage.sh serve) says "Server: gunicorn", without its version or Python's."""
    import os
    import subprocess
    import sys
    import time
    port = _free_port()
    env = {**os.environ, "CHISO_DATABASE_URL": database_url, "CHISO_SECRET_KEY": "t",
           "CHISO_UPLOAD_DIR": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "1", "--bind",
                               f"127.0.0.1:{port}", "wsgi:app"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):  # until it listens (not a timing assertion: it just waits)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
                    headers = answer.headers.get_all("Server")
                break
            except OSError:
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait()
    assert headers == ["gunicorn"]


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("email", ["khong-co-ai@demo.chiso.vn", "unit_user.dienbien@demo.chiso.vn"])
def test_login_hashes_the_password_whether_or_not_the_account_exists(client, monkeypatch, email):
    """Login time must not tell whether an account exists: an unknown e-mail costs one hash
    verification, like a known one with a wrong password."""
    from app.models import user as user_module
    calls = []
    real = user_module._hasher

    class Counting:
        def verify(self, hash_, password):
            calls.append(password)
            return real.verify(hash_, password)

        def hash(self, password):
            return real.hash(password)
    monkeypatch.setattr(user_module, "_hasher", Counting())
    response = client.post("/login", data={"email": email, "password": "sai-mat-khau"})
    assert response.status_code == 422
    assert calls == ["sai-mat-khau"]


@pytest.mark.parametrize("role,province,url", [
    ("province_admin", "dienbien", "/periods"),
    ("province_admin", "dienbien", "/units/new"),
    ("province_admin", "dienbien", "/users/new"),
    ("superadmin", None, "/admin/provinces"),
    ("superadmin", None, "/"),
])
def test_a_required_select_starts_with_an_empty_placeholder(as_user, role, province, url):
    """The Nu validator's rule: a required <select> opens on an empty option, so no first
    scheme, province or role is picked by not looking."""
    import re
    client = as_user(role, province)
    html = client.get(url, follow_redirects=True).get_data(as_text=True)
    selects = re.findall(r"<select[^>]*\brequired\b[^>]*>\s*<option([^>]*)>", html)
    assert selects or url != "/periods"
    for first in selects:
        assert 'value=""' in first, (url, first)


def test_an_id_in_a_url_is_ascii_digits_only(app, as_user):
    """/units/١٢ and /units/１２ opened unit 12: an address is not typed as a number."""
    from sqlalchemy import select

    from app import tenancy
    from app.extensions import db
    from app.models import Unit
    from tests.conftest import province_id
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        unit_id = db.session.scalar(select(Unit.id).order_by(Unit.id))
    client = as_user("province_admin", "dienbien")
    arabic = "".join(chr(0x0660 + int(d)) for d in str(unit_id))
    full_width = "".join(chr(0xFF10 + int(d)) for d in str(unit_id))
    assert client.get(f"/units/{unit_id}").status_code == 200
    assert client.get(f"/units/{arabic}").status_code == 404
    assert client.get(f"/units/{full_width}").status_code == 404


def test_bidi_controls_are_stripped_from_a_persons_name(app, as_user):
    from sqlalchemy import select

    from app import tenancy
    from app.extensions import db
    from app.models import User
    client = as_user("province_admin", "dienbien")
    client.post("/users/new", data={"email": "moi@dienbien.gov.vn",
                                    "full_name": "Nguyễn\u202e Văn A", "role": "viewer",
                                    "unit": "", "password": "mat-khau-dai-12345"})
    with app.app_context(), tenancy.unscoped():
        name = db.session.scalar(select(User.full_name).where(User.email == "moi@dienbien.gov.vn"))
    assert name == "Nguyễn Văn A"
