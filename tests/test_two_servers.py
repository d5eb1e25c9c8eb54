"""Two app servers behind nginx (deploy/cluster.py), as in production: separate gunicorn
processes, ports and instance folders, one database (the PG test database, or on SQLite one
file both servers open, which is as good for correctness on one machine) and one shared upload
directory. Nothing a request needs may live in one server's memory or disk.

The servers start once for the module; each test uses its own accounts so that they stay apart.
"""
from __future__ import annotations

import gzip
import io
import os
import re
import shutil

import pytest
import requests
from sqlalchemy import create_engine, text

from app.cli import DEMO_PASSWORD
from deploy.cluster import Cluster
from tests.conftest import PG_URL, _pg_admin, _pg_url, demo
from tests.test_evidence import PDF
from tests.test_user_import import HEADER, csv_file

FORM = "/assessments/dienbien-so-2022/2022/dienbien.so-tttt"
# What an app server may keep in its own folder: nothing (the app creates the folder).
ALLOWED_IN_INSTANCE: set[str] = set()


@pytest.fixture(scope="module")
def cluster(template_db, tmp_path_factory):
    base = tmp_path_factory.mktemp("two-servers")
    if PG_URL:
        name = f"chiso_cluster_{os.getpid()}"
        with _pg_admin().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
        url = _pg_url(name)
    else:
        shutil.copy(template_db, base / "shared.sqlite")
        url = f"sqlite:///{base / 'shared.sqlite'}"
    servers = Cluster(url, upload_dir=str(base / "uploads"), servers=2, workers=1,
                      base_dir=str(base / "servers"), max_upload_mb=1).start()
    yield servers
    servers.stop()
    if PG_URL:
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'"X-CSRFToken": "([^"]+)"', page)
    return found.group(1)


def log_in(base_url: str, email: str, password: str = DEMO_PASSWORD) -> requests.Session:
    browser = requests.Session()
    token = _token(browser.get(f"{base_url}/login").text)
    response = browser.post(f"{base_url}/login", allow_redirects=False,
                            data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.text[:300]
    return browser


def _hx(browser: requests.Session, base_url: str) -> dict:
    """The headers htmx sends: the CSRF token of a page of the session."""
    return {"HX-Request": "true", "X-CSRFToken": _token(browser.get(f"{base_url}{FORM}").text)}


def test_a_session_made_on_one_server_works_on_the_other(cluster):
    a, b = (s.url for s in cluster.app_servers)
    browser = log_in(a, demo("unit_user", "dienbien"))
    headers = _hx(browser, a)  # the token of a page served by A …
    saved = browser.post(f"{b}{FORM}/rows/1.1", data={"1.1__value": "1"}, headers=headers)
    assert saved.status_code == 200  # … is good for a save on B
    page = browser.get(f"{b}{FORM}")
    assert page.status_code == 200 and page.url.endswith(FORM)
    assert 'action="/logout"' in page.text  # still logged in, on B (not sent to /login)


def test_failed_logins_count_across_both_servers(cluster):
    a, b = (s.url for s in cluster.app_servers)
    email = demo("viewer", "yenbai")
    for n in range(5):  # the account's allowance, spread over the two servers
        server = (a, b)[n % 2]
        browser = requests.Session()
        token = _token(browser.get(f"{server}/login").text)
        failed = browser.post(f"{server}/login", data={"email": email, "password": "sai-mat-khau",
                                                       "csrf_token": token})
        assert failed.status_code == 422 and "mật khẩu không đúng" in failed.text
    browser = requests.Session()
    token = _token(browser.get(f"{b}/login").text)
    refused = browser.post(f"{b}/login", data={"email": email, "password": DEMO_PASSWORD,
                                               "csrf_token": token})
    assert refused.status_code == 429


def test_an_import_previewed_on_one_server_is_confirmed_on_the_other(cluster):
    a, b = (s.url for s in cluster.app_servers)
    browser = log_in(a, demo("province_admin", "yenbai"))
    token = _token(browser.get(f"{a}/users/import").text)
    data = csv_file([["xem.hai.may@yenbai.gov.vn", "Người xem", "viewer", "", ""]], HEADER)
    preview = browser.post(f"{a}/users/import", data={"csrf_token": token},
                           files={"file": ("nguoi-dung.csv", io.BytesIO(data), "text/csv")})
    assert preview.status_code == 200, preview.text[:300]
    staged = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    done = browser.post(f"{b}/users/import/confirm",
                        data={"token": staged, "filename": "nguoi-dung.csv",
                              "csrf_token": _token(preview.text)})
    assert done.status_code == 200 and "xem.hai.may@yenbai.gov.vn" in done.text
    users = browser.get(f"{a}/users").text
    assert "xem.hai.may@yenbai.gov.vn" in users


def test_a_period_opened_on_one_server_is_there_on_the_other_at_once(cluster):
    a, b = (s.url for s in cluster.app_servers)
    admin = log_in(a, demo("province_admin", "thanhhoa"))
    assert "Năm 2026" not in log_in(b, demo("viewer", "thanhhoa")).get(f"{b}/periods").text
    token = _token(admin.get(f"{a}/periods").text)
    opened = admin.post(f"{a}/periods", data={"scheme": "thanhhoa-huyen-2022", "code": "2026",
                                              "csrf_token": token})
    assert "Đã mở kỳ Năm 2026" in opened.text
    assert "Năm 2026" in log_in(b, demo("appraiser", "thanhhoa")).get(f"{b}/periods").text


def _upload_through_nginx(cluster) -> tuple[requests.Session, int]:
    browser = log_in(cluster.url, demo("unit_user", "dienbien"))
    row = browser.post(f"{cluster.url}{FORM}/rows/2.1/evidence", headers=_hx(browser, cluster.url),
                       files={"2.1__ev_file": ("Kế hoạch CĐS.pdf", io.BytesIO(PDF),
                                               "application/pdf")})
    assert row.status_code == 200, row.text[:300]
    return browser, int(re.search(r'/evidence/(\d+)', row.text).group(1))


def test_evidence_is_sent_by_nginx_after_the_apps_check(cluster):
    browser, evidence_id = _upload_through_nginx(cluster)
    download = browser.get(f"{cluster.url}/evidence/{evidence_id}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("inline;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in download.headers["Content-Security-Policy"]
    assert download.headers["Cache-Control"] == "private, no-store"
    assert "X-Accel-Redirect" not in download.headers  # nginx took it
    # The app itself sends no bytes: only nginx's internal location does.
    direct = browser.get(f"{cluster.app_servers[1].url}/evidence/{evidence_id}")
    assert direct.content == b"" and direct.headers["X-Accel-Redirect"].startswith("/_evidence/")
    # The internal location cannot be reached from outside.
    assert requests.get(cluster.url + direct.headers["X-Accel-Redirect"]).status_code == 404
    other = log_in(cluster.url, demo("unit_user", "thanhhoa"))
    refused = other.get(f"{cluster.url}/evidence/{evidence_id}")
    assert refused.status_code == 404 and PDF not in refused.content


def test_an_upload_over_the_limit_gets_a_vietnamese_answer_from_app_or_nginx(cluster):
    """CHISO_MAX_UPLOAD_MB=1: just over it, the app answers (nginx lets 1 MB more through);
    far over it, nginx stops the body and answers in the same words."""
    browser = log_in(cluster.url, demo("unit_user", "dienbien"))
    headers = _hx(browser, cluster.url)
    for size, status_from in ((1024 * 1024, "app"), (3 * 1024 * 1024, "nginx")):
        big = PDF + b"0" * size
        refused = browser.post(f"{cluster.url}{FORM}/rows/2.2/evidence", headers=headers,
                               files={"2.2__ev_file": ("lon.pdf", io.BytesIO(big),
                                                       "application/pdf")})
        assert refused.status_code == 413, status_from
        assert "Tệp vượt quá giới hạn 1 MB." in refused.text, status_from
        assert ("X-Content-Type-Options" in refused.headers) == (status_from == "app")


def test_nginx_serves_static_files_compressed(cluster):
    css = requests.get(f"{cluster.url}/static/app.css", headers={"Accept-Encoding": "gzip"},
                       stream=True)
    assert css.status_code == 200 and css.headers["Content-Encoding"] == "gzip"
    with open(os.path.join(os.path.dirname(__file__), "..", "static", "app.css"), "rb") as f:
        assert gzip.decompress(css.raw.read()) == f.read()


def test_nginx_keeps_one_copy_of_a_public_page_for_everyone_without_a_session(cluster):
    engine = create_engine(cluster.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE province SET public_results = :on WHERE code = 'thanhhoa'"),
                     {"on": True})
    engine.dispose()
    page = f"{cluster.url}/cong-khai/thanhhoa"
    first, second = requests.get(page), requests.get(page)
    assert first.status_code == second.status_code == 200
    assert "Huyện Yên Định" in second.text and second.text == first.text
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert "Set-Cookie" not in second.headers
    reader = log_in(cluster.url, demo("viewer", "thanhhoa"))
    own = reader.get(page)
    assert own.headers["X-Cache"] == "BYPASS"  # the page names its reader: never shared
    assert "Đăng xuất" in own.text and "Đăng xuất" not in second.text


def test_nothing_is_written_outside_the_shared_upload_directory(cluster):
    _upload_through_nginx(cluster)  # a file stored, whatever ran before
    for server in cluster.app_servers:
        kept = {os.path.relpath(os.path.join(d, f), server.instance_dir)
                for d, _, files in os.walk(server.instance_dir) for f in files}
        assert kept <= ALLOWED_IN_INSTANCE, (server.instance_dir, kept)
    stored = [f for _, _, files in os.walk(os.path.join(cluster.upload_dir, "evidence"))
              for f in files]
    assert stored  # the evidence went where every server reads it


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_scheme_imported_through_one_server_is_served_by_the_other_at_once(cluster):
    from app.catalogue.excel import scheme_workbook
    from app.catalogue.loader import load_scheme
    from tests.catalogue_workbooks import edited
    from tests.test_catalogue_import import PLUGINS
    a, b = (s.url for s in cluster.app_servers)
    code = "thanhhoa-hai-may-2026"
    reader = log_in(b, demo("viewer", "thanhhoa"))
    assert code not in reader.get(f"{b}/catalogue").text  # B has read the schemes already
    admin = log_in(a, demo("province_admin", "thanhhoa"))
    scheme = load_scheme(PLUGINS / "thanhhoa" / "schemes" / "thanhhoa-huyen-2022.toml", "thanhhoa")
    data = edited(io.BytesIO(scheme_workbook(scheme)), {
        "code": code, "family": "thanhhoa-hai-may", "version": 1, "first_year": 2026})
    preview = admin.post(f"{a}/catalogue/import",
                         data={"csrf_token": _token(admin.get(f"{a}/catalogue/import").text)},
                         files={"file": ("bo-moi.xlsx", io.BytesIO(data), XLSX)})
    assert preview.status_code == 200, preview.text[:300]
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    done = admin.post(f"{b}/catalogue/import/confirm", data={  # staged on A
        "csrf_token": _token(preview.text), "token": token, "filename": "bo-moi.xlsx"})
    assert done.status_code == 200 and "Đã nhập bộ chỉ số" in done.text, done.text[:300]
    for server, browser in ((a, admin), (b, reader)):
        assert code in browser.get(f"{server}/catalogue").text, server
        assert browser.get(f"{server}/catalogue/{code}").status_code == 200, server
    other = log_in(a, demo("appraiser", "dienbien"))
    assert other.get(f"{a}/catalogue/{code}").status_code == 404
