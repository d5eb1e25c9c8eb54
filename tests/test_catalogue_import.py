"""Schemes a province imports: stored in the database, served with the plugins' at once, all or
nothing, a 404 for every other province, and never replaced once results are published."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import ImportedScheme
from tests.conftest import province_id

PLUGINS = Path(__file__).parent.parent / "plugins"
HUYEN = PLUGINS / "dienbien" / "schemes" / "dienbien-huyen-2022.toml"


def toml_version(code: str, *, family="dienbien-huyen", version=2, first_year=2026,
                 source: Path = HUYEN, edit=lambda text: text) -> bytes:
    """A plugin file re-headed as another version (the TOML form of an import)."""
    text = source.read_text(encoding="utf-8")
    head, rest = text.split("[[row]]", 1)
    lines = []
    for line in head.splitlines():
        key = line.split("=", 1)[0].strip()
        values = {"code": f'"{code}"', "family": f'"{family}"', "version": str(version),
                  "first_year": str(first_year)}
        lines.append(f"{key} = {values[key]}" if key in values else line)
    return edit("\n".join(lines) + "\n[[row]]" + rest).encode("utf-8")


def stored_count(app) -> int:
    with app.app_context(), tenancy.unscoped():
        return db.session.scalar(select(func.count(ImportedScheme.id)))


def cli_import(app, tmp_path, data: bytes, name: str, *args):
    path = tmp_path / name
    path.write_bytes(data)
    return app.test_cli_runner().invoke(args=["catalogue", "import", str(path), *args])


def test_a_new_version_of_a_plugin_family_is_served_at_once_with_the_plugins(app, tmp_path):
    result = cli_import(app, tmp_path, toml_version("dienbien-huyen-2026"), "v2.toml",
                        "--province", "dienbien")
    assert result.exit_code == 0, result.output
    listed = app.test_cli_runner().invoke(args=["catalogue", "list"]).output.split()
    assert "dienbien-huyen-2026" in listed and "dienbien-huyen-2022" in listed
    registry = app.extensions["chiso"]
    with app.app_context():
        new = registry.schemes["dienbien-huyen-2026"]
        old = registry.schemes["dienbien-huyen-2022"]
        assert (new.origin, new.owner, new.plugin) == ("imported", "dienbien", "dienbien")
        assert registry.last_year(old) == 2025  # the import ended the plugin's version
        assert registry.version_for(old, 2026) is new
    shown = app.test_cli_runner().invoke(args=["catalogue", "show", "dienbien-huyen-2026",
                                               "--json"])
    original = app.test_cli_runner().invoke(args=["catalogue", "show", "dienbien-huyen-2022",
                                                  "--json"])
    assert json.loads(shown.output) == json.loads(original.output)


def test_dry_run_stores_nothing_and_says_so(app, tmp_path):
    result = cli_import(app, tmp_path, toml_version("dienbien-huyen-2026"), "v2.toml",
                        "--province", "dienbien", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "chưa lưu gì" in result.output
    assert stored_count(app) == 0


def test_overlapping_years_are_refused_and_nothing_is_stored(app, tmp_path):
    result = cli_import(app, tmp_path, toml_version("dienbien-huyen-x", first_year=2022),
                        "v2.toml", "--province", "dienbien")
    assert result.exit_code == 1
    assert "trùng với phiên bản 1" in result.output and "Năm đầu" in result.output
    assert stored_count(app) == 0


def test_a_plugin_code_or_another_provinces_code_is_refused(app, tmp_path):
    taken = cli_import(app, tmp_path, toml_version("dienbien-so-2022"), "a.toml",
                       "--province", "dienbien")
    assert taken.exit_code == 1 and "mã «dienbien-so-2022»" in taken.output
    mine = toml_version("xa-2026", family="thanhhoa-xa-moi", version=1)
    assert cli_import(app, tmp_path, mine, "b.toml", "--province", "thanhhoa").exit_code == 0
    theirs = toml_version("xa-2026", family="dienbien-xa-moi", version=1)
    refused = cli_import(app, tmp_path, theirs, "c.toml", "--province", "dienbien")
    assert refused.exit_code == 1 and "đã có bộ chỉ số khác dùng" in refused.output
    assert stored_count(app) == 1


def test_a_family_of_a_plugin_the_province_has_not_enabled_is_refused(app, tmp_path):
    result = cli_import(app, tmp_path, toml_version("th-2026", family="thanhhoa-huyen"),
                        "a.toml", "--province", "dienbien")
    assert result.exit_code == 1 and "tỉnh chưa bật" in result.output
    assert stored_count(app) == 0


def test_a_wrong_sum_is_refused_naming_the_row(app, tmp_path):
    wrong = toml_version("dienbien-huyen-2026",
                         edit=lambda t: t.replace("max_points = 5\n", "max_points = 6\n", 1))
    result = cli_import(app, tmp_path, wrong, "v2.toml", "--province", "dienbien")
    assert result.exit_code == 1 and "khác tổng các chỉ số con" in result.output
    assert stored_count(app) == 0


def upload(client, data: bytes, name: str):
    import io
    return client.post("/catalogue/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def confirm_url(page: str) -> str:
    import re
    return re.search(r'action="(/catalogue/import/[^"]+/confirm)"', page).group(1)


def test_the_web_preview_stores_nothing_until_confirmed(app, as_user):
    client = as_user("province_admin", "dienbien")
    index = client.get("/catalogue").get_data(as_text=True)
    assert "/catalogue/import" in index
    preview = upload(client, toml_version("dienbien-huyen-2026"), "v2.toml")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "dienbien-huyen-2022" in page  # the earlier version
    assert stored_count(app) == 0
    done = client.post(confirm_url(page), data={"filename": "v2.toml"})
    assert done.status_code == 302 and done.location.endswith("/catalogue/dienbien-huyen-2026")
    shown = client.get("/catalogue/dienbien-huyen-2026").get_data(as_text=True)
    assert "Tỉnh nhập từ tệp Excel ngày" in shown and "v2.toml" in shown
    source = client.get("/catalogue/dienbien-huyen-2026/source")
    assert source.status_code == 200 and source.data == toml_version("dienbien-huyen-2026")
    assert stored_count(app) == 1


def test_problems_are_listed_by_sheet_row_and_column_with_an_error_summary(app, as_user):
    client = as_user("province_admin", "dienbien")
    refused = upload(client, toml_version("x-2022", first_year=2022), "v2.toml")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'class="error-summary"' in page
    assert "<th scope=\"col\">Trang</th>" in page and "trùng với phiên bản 1" in page
    assert "/confirm" not in page and stored_count(app) == 0


def test_only_a_province_admin_may_import(app, as_user):
    client = as_user("appraiser", "dienbien")
    assert client.get("/catalogue/import").status_code == 403
    assert upload(client, toml_version("dienbien-huyen-2026"), "v2.toml").status_code == 403


def test_an_imported_scheme_is_a_404_for_another_province(app, as_user, tmp_path):
    data = toml_version("dienbien-huyen-2026")
    assert cli_import(app, tmp_path, data, "v2.toml", "--province", "dienbien").exit_code == 0
    client = as_user("province_admin", "yenbai")
    for url in ("/catalogue/dienbien-huyen-2026", "/catalogue/dienbien-huyen-2026.xlsx",
                "/catalogue/dienbien-huyen-2026/source"):
        assert client.get(url).status_code == 404, url
    assert "dienbien-huyen-2026" not in client.get("/catalogue").get_data(as_text=True)


def test_a_staged_upload_of_another_province_cannot_be_confirmed(app, as_user):
    client = as_user("province_admin", "dienbien")
    page = upload(client, toml_version("dienbien-huyen-2026"), "v2.toml").get_data(as_text=True)
    client.post("/logout")
    other = as_user("province_admin", "yenbai")
    answer = other.post(confirm_url(page), data={"filename": "v2.toml"})
    assert answer.status_code == 302 and answer.location.endswith("/catalogue/import")
    assert stored_count(app) == 0
