"""The result of record (issue 12): only appraised work is ranked, publishing keeps a snapshot
that pages, exports, the public site, the comparison and the API read back unchanged whatever
the scheme file says later, and a changed file is reported."""
from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
from pathlib import Path

from sqlalchemy import func, select

from app.catalogue.loader import load_scheme
from app.extensions import db
from app.models import Assessment, PublicationSnapshot, Unit
from app.services import province_comparison
from tests.test_api import token
from tests.test_public import turn_on
from tests.test_rankings import departments, make, publish, scoped, scores_summing

SO = "dienbien-so-2022"
SO_FILE = Path(__file__).parent.parent / "plugins" / "dienbien" / "schemes" / f"{SO}.toml"
API = f"/api/v1/rankings/{SO}/2022"


def published_period(app):
    """Two appraised departments (ratio rows 4.2 and 4.3 scored from their values), one draft;
    then the period is published."""
    a, b, c = departments(app)
    skip = ("4.2", "4.3")
    make(app, a, scores_summing(app, 300, skip=skip), values={"4.2": 100, "4.3": 20})
    make(app, b, scores_summing(app, 250, skip=skip), values={"4.2": 40, "4.3": 90})
    make(app, c, {}, state="draft", values={"4.2": 100})
    publish(app)
    return a, b, c


def edit_published_file(app, tmp_path):
    """The plugin's file changed after publication: 4.2 from 15 to 10 points (a lowered
    maximum), 4.3 from 15 to 20 (sums kept, so the file still validates)."""
    text = SO_FILE.read_text(encoding="utf-8")
    head, rest = text.split('code = "4.2"', 1)
    rest = rest.replace("max_points = 15", "max_points = 10", 1)
    middle, tail = rest.split('code = "4.3"', 1)
    tail = tail.replace("max_points = 15", "max_points = 20", 1)
    changed = tmp_path / f"{SO}.toml"
    changed.write_text(head + 'code = "4.2"' + middle + 'code = "4.3"' + tail, encoding="utf-8")
    scheme = load_scheme(changed, "dienbien")
    assert scheme.by_code["4.2"].max_points == 10 and scheme.by_code["4.3"].max_points == 20
    app.extensions["chiso"].schemes[SO] = scheme


def xlsx_content(data: bytes) -> dict[str, bytes]:
    """Every part of a workbook but its creation time (openpyxl stamps the current second)."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


def without_csrf(html: str) -> str:
    """A page with its CSRF tokens (new on each request) left out."""
    return re.sub(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}", "CSRF", html)


def everything_published(app, client, headers, unit_code):
    files = {}
    for table in ("ranking", "scoresheet"):
        files[f"{table}.csv"] = client.get(f"/rankings/{SO}/2022/{table}.csv").data
        files[f"{table}.xlsx"] = xlsx_content(client.get(f"/rankings/{SO}/2022/{table}.xlsx").data)
    files["page"] = without_csrf(client.get(f"/rankings/{SO}/2022").get_data(as_text=True))
    files["api"] = app.test_client().get(API, headers=headers).get_json()
    files["public"] = without_csrf(
        app.test_client().get("/cong-khai/dienbien").get_data(as_text=True))
    files["public unit"] = without_csrf(app.test_client().get(
        f"/cong-khai/dienbien/{SO}/2022/{unit_code}").get_data(as_text=True))
    with app.app_context():
        files["compare"] = province_comparison.compare(app.extensions["chiso"], "2022")
    return files


def test_a_changed_scheme_file_moves_no_published_figure(app, as_user, tmp_path):
    a, b, _ = published_period(app)
    turn_on(app, "dienbien")
    client = as_user("province_admin", "dienbien")
    headers = {"Authorization": f"Bearer {token(app, 'province_admin')}"}
    before = everything_published(app, client, headers, a)
    rows = {r["unit"]: r for r in before["api"]["rows"]}
    assert rows[a]["total"] == 318 and rows[b]["total"] == 269.5  # 15 + 3, 6 + 13.5
    edit_published_file(app, tmp_path)
    after = everything_published(app, client, headers, a)
    for name in before:
        assert after[name] == before[name], name


def test_the_api_names_the_snapshot_and_the_catalogue_it_was_published_with(app):
    published_period(app)
    answer = app.test_client().get(
        API, headers={"Authorization": f"Bearer {token(app, 'viewer')}"}).get_json()
    assert answer["snapshot"]["scheme_version"] == 1
    assert answer["snapshot"]["catalogue_sha256"] == hashlib.sha256(SO_FILE.read_bytes()).hexdigest()
    assert answer["snapshot"]["published_at"].endswith("Z")


def test_a_draft_is_never_ranked_nor_published(app, as_user):
    a, b, c = published_period(app)
    answer = app.test_client().get(
        API, headers={"Authorization": f"Bearer {token(app, 'viewer')}"}).get_json()
    assert [r["unit"] for r in answer["rows"]] == [a, b]
    waiting = {n["unit"]: n["state"] for n in answer["not_ranked"]}
    assert waiting[c] == "draft"
    assert set(waiting.values()) == {"draft", "none"}  # the other departments: no assessment
    with app.app_context(), scoped(app):
        assert db.session.scalar(select(Assessment.state).join(Assessment.unit)
                                 .where(Assessment.unit.has(code=c))) == "draft"
    page = as_user("viewer", "dienbien").get(f"/rankings/{SO}/2022").get_data(as_text=True)
    assert "Không xếp hạng" in page and "đang nhập" in page and "chưa có hồ sơ" in page
    csv = as_user("viewer", "dienbien").get(f"/rankings/{SO}/2022/ranking.csv").get_data(as_text=True)
    assert f"Không xếp hạng (hồ sơ chưa thẩm định): đang nhập,,{c}," in csv


def test_the_publish_confirmation_names_the_units_not_ranked(app, as_user):
    a, b, c = departments(app)
    make(app, a, scores_summing(app, 300))
    make(app, b, {}, state="draft")
    page = as_user("province_admin", "dienbien").get(f"/rankings/{SO}/2022").get_data(as_text=True)
    confirmation = page[page.index("<h2>Công bố kết quả</h2>"):]
    with app.app_context(), scoped(app):
        names = dict(db.session.execute(select(Unit.code, Unit.name)).all())
    assert "đơn vị sẽ không được xếp hạng" in confirmation
    assert f"{names[b]}: đang nhập" in confirmation and f"{names[c]}: chưa có hồ sơ" in confirmation
    assert names[a] not in confirmation


def test_a_changed_file_is_reported_to_the_superadmin_and_in_the_log(app, as_user, tmp_path,
                                                                      caplog, monkeypatch):
    # the test database was built by Alembic, whose fileConfig disables loggers already made
    monkeypatch.setattr(logging.getLogger("app.services.snapshots"), "disabled", False)
    published_period(app)
    plain = as_user("superadmin").get("/admin/plugins").get_data(as_text=True)
    assert "đã đổi sau khi công bố" not in plain
    edit_published_file(app, tmp_path)
    with caplog.at_level(logging.WARNING):
        page = as_user("superadmin").get("/admin/plugins").get_data(as_text=True)
    assert "Bộ chỉ số đã đổi sau khi công bố" in page and SO in page
    assert any(SO in r.getMessage() and "2022" in r.getMessage() for r in caplog.records)
    listed = app.test_cli_runner().invoke(args=["plugins", "list"]).output
    assert f"{SO}\tđã đổi sau khi công bố kỳ 2022 (dienbien)" in listed


def test_unpublishing_discards_the_snapshot(app, as_user, tmp_path):
    a, _b, _c = published_period(app)
    edit_published_file(app, tmp_path)
    admin = as_user("province_admin", "dienbien")
    admin.post(f"/rankings/{SO}/2022/unpublish", data={"reason": "Sai số liệu 4.2"})
    with app.app_context(), scoped(app):
        assert db.session.scalar(select(func.count()).select_from(PublicationSnapshot)) == 0
    answer = app.test_client().get(
        API, headers={"Authorization": f"Bearer {token(app, 'province_admin')}"}).get_json()
    assert "snapshot" not in answer
    # no longer of record: the figures follow the file again (4.2 now worth 10)
    assert {r["unit"]: r["total"] for r in answer["rows"]}[a] == 314


def test_a_units_dashboard_says_its_work_is_not_ranked_yet(app, as_user):
    a, b, _c = departments(app)
    make(app, a, scores_summing(app, 300))
    make(app, b, {}, state="submitted")
    page = as_user("appraiser", "dienbien").get(
        f"/dashboards/unit/{SO}/2022/{b}").get_data(as_text=True)
    assert "đã nộp, chưa thẩm định" in page and "chưa có hồ sơ đánh giá" not in page
