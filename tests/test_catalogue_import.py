"""Schemes a province imports: stored in the database, served with the plugins' at once, all or
nothing, a 404 for every other province, and never replaced once results are published."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.catalogue_workbooks import edited, exported, line_of

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


def next_version(app, tmp_path, code="dienbien-huyen-2022", new="dienbien-huyen-2026",
                 first_year=2026, rows=None, **header) -> bytes:
    return edited(exported(app, tmp_path, code),
                  {"code": new, "version": 2, "first_year": first_year, **header}, rows)


def stored_count(app) -> int:
    with app.app_context(), tenancy.unscoped():
        return db.session.scalar(select(func.count(ImportedScheme.id)))


def cli_import(app, tmp_path, data: bytes, name: str, *args):
    path = tmp_path / name
    path.write_bytes(data)
    return app.test_cli_runner().invoke(args=["catalogue", "import", str(path), *args])


SHIPPED = ["dienbien-huyen-2022", "dienbien-so-2022", "thanhhoa-huyen-2022", "yenbai-kpi-2022",
           "yenbai-xa-2022"]


@pytest.mark.parametrize("code", SHIPPED)
def test_each_shipped_catalogue_comes_back_the_same_through_export_and_import(app, tmp_path,
                                                                           code):
    new = f"{code}-nhap"
    data = next_version(app, tmp_path, code, new, first_year=2030)
    province = code.split("-")[0]
    result = cli_import(app, tmp_path, data, f"{new}.xlsx", "--province", province)
    assert result.exit_code == 0, result.output
    assert "Không khác phiên bản trước" in result.output
    runner = app.test_cli_runner()
    assert new in runner.invoke(args=["catalogue", "list"]).output.split()
    shown = runner.invoke(args=["catalogue", "show", new, "--json"]).output
    original = runner.invoke(args=["catalogue", "show", code, "--json"]).output
    assert json.loads(shown) == json.loads(original)
    with app.app_context():
        registry = app.extensions["chiso"]
        scheme, plugin = registry.schemes[new], registry.schemes[code]
        assert (scheme.origin, scheme.owner, scheme.plugin) == ("imported", province, province)
        assert registry.last_year(plugin) == 2029  # the import ended the plugin's version
        assert registry.version_for(plugin, 2030) is scheme


def test_the_export_command_writes_the_web_download(app, as_user, tmp_path):
    path = exported(app, tmp_path, "dienbien-so-2022")
    download = as_user("viewer", "dienbien").get("/catalogue/dienbien-so-2022.xlsx").data
    assert workbook_cells(path.read_bytes()) == workbook_cells(download)


def workbook_cells(data: bytes) -> dict:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: [[c.value for c in line] for line in sheet.iter_rows()] for sheet in book}


def test_dry_run_prints_the_differences_and_stores_nothing(app, tmp_path):
    data = next_version(app, tmp_path, rows={("1.3", "Chỉ số"): "Chuyên trang chuyển đổi số"})
    result = cli_import(app, tmp_path, data, "v2.xlsx", "--province", "dienbien", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dòng 1.3: đổi tên" in result.output and "chưa lưu gì" in result.output
    assert stored_count(app) == 0


def refused(app, tmp_path, data, *args, province="dienbien"):
    result = cli_import(app, tmp_path, data, "v2.xlsx", "--province", province, *args)
    assert result.exit_code == 1, result.output
    assert stored_count(app) == 0
    return result.output


def test_a_wrong_sum_is_refused_naming_the_sheet_and_row(app, tmp_path):
    path = exported(app, tmp_path, "dienbien-huyen-2022")
    data = edited(path, {"code": "dienbien-huyen-2026", "version": 2, "first_year": 2026},
                  {("1", "Điểm tối đa"): 51})  # its children still add up to 50
    for extra in ((), ("--dry-run",)):
        output = refused(app, tmp_path, data, *extra)
        assert f"Trang «Chỉ số», dòng {line_of(path, '1')}" in output
        assert "khác tổng các chỉ số con" in output


def test_a_repeated_code_is_refused_naming_the_sheet_and_row(app, tmp_path):
    path = exported(app, tmp_path, "dienbien-huyen-2022")
    data = edited(path, {"code": "dienbien-huyen-2026", "version": 2, "first_year": 2026},
                  {("1.2", "STT/Mã"): "1.1"})
    output = refused(app, tmp_path, data)
    assert f"Trang «Chỉ số», dòng {line_of(path, '1.2')}" in output and "trùng" in output


def test_an_unknown_method_is_refused_naming_the_sheet_and_row(app, tmp_path):
    path = exported(app, tmp_path, "dienbien-huyen-2022")
    data = edited(path, {"code": "dienbien-huyen-2026", "version": 2, "first_year": 2026},
                  {("1.2", "Cách chấm"): "Chấm theo cảm tính"})
    output = refused(app, tmp_path, data)
    assert f"Trang «Chỉ số», dòng {line_of(path, '1.2')}" in output
    assert "Chấm theo cảm tính" in output


def test_overlapping_years_are_refused_naming_the_header_line(app, tmp_path):
    output = refused(app, tmp_path, next_version(app, tmp_path, first_year=2022))
    assert "Trang «Thông tin chung», dòng" in output and "(Áp dụng từ năm)" in output
    assert "trùng với phiên bản 1 của họ «dienbien-huyen»" in output
    same_version = next_version(app, tmp_path, version=1)
    assert "đã có phiên bản 1" in refused(app, tmp_path, same_version)


def test_a_plugin_code_or_another_provinces_code_is_refused(app, tmp_path):
    taken = refused(app, tmp_path, next_version(app, tmp_path, new="dienbien-so-2022"))
    assert "mã «dienbien-so-2022»" in taken and "(Mã bộ chỉ số)" in taken
    mine = next_version(app, tmp_path, "thanhhoa-huyen-2022", "bo-moi-2026", family="bo-moi",
                        version=1)
    assert cli_import(app, tmp_path, mine, "b.xlsx", "--province", "thanhhoa").exit_code == 0
    theirs = next_version(app, tmp_path, new="bo-moi-2026", family="dienbien-moi", version=1)
    result = cli_import(app, tmp_path, theirs, "c.xlsx", "--province", "dienbien")
    assert result.exit_code == 1 and "đã có bộ chỉ số khác dùng" in result.output
    assert stored_count(app) == 1


def test_a_family_of_a_plugin_the_province_has_not_enabled_is_refused(app, tmp_path):
    data = next_version(app, tmp_path, "thanhhoa-huyen-2022", "th-2026")
    assert "tỉnh chưa bật" in refused(app, tmp_path, data, province="dienbien")


def test_a_file_that_is_no_workbook_is_refused(app, tmp_path):
    result = cli_import(app, tmp_path, b"not a workbook", "v2.xlsx", "--province", "dienbien")
    assert result.exit_code == 1 and "v2.xlsx: không đọc được tệp" in result.output
    assert stored_count(app) == 0

def upload(client, data: bytes, name: str):
    import io
    return client.post("/catalogue/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def staged(page: str) -> str:
    import re
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def test_the_web_preview_lists_exactly_the_edits_and_confirm_stores(app, as_user, tmp_path):
    client = as_user("province_admin", "dienbien")
    assert "/catalogue/import" in client.get("/catalogue").get_data(as_text=True)
    data = next_version(app, tmp_path, rows={
        ("1.1", "Điểm tối đa"): 4, ("1.2", "Điểm tối đa"): 11,  # the sum of 1 stays 50
        ("1.3", "Chỉ số"): "Có chuyên trang chuyển đổi số của huyện"})
    preview = upload(client, data, "v2.xlsx")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page[:500]
    assert "dienbien-huyen-2022" in page and "3 thay đổi" in page
    import re
    changes = re.findall(r'<tr class="change-(\w+)"><td class="code">([^<]+)</td>', page)
    assert changes == [("max_changed", "1.1"), ("max_changed", "1.2"), ("retitled", "1.3")]
    assert stored_count(app) == 0
    done = client.post("/catalogue/import/confirm",
                       data={"token": staged(page), "filename": "v2.xlsx"})
    assert done.status_code == 302 and done.location.endswith("/catalogue/dienbien-huyen-2026")
    shown = client.get("/catalogue/dienbien-huyen-2026").get_data(as_text=True)
    assert "Tỉnh nhập từ tệp Excel ngày" in shown and "v2.xlsx" in shown
    source = client.get("/catalogue/dienbien-huyen-2026/source")
    assert source.status_code == 200 and source.data == data
    assert stored_count(app) == 1
    with app.app_context():
        assert app.extensions["chiso"].schemes["dienbien-huyen-2026"].by_code["1.1"].max_points == 4


def test_problems_are_listed_by_sheet_row_and_column_with_an_error_summary(app, as_user,
                                                                             tmp_path):
    client = as_user("province_admin", "dienbien")
    path = exported(app, tmp_path, "dienbien-huyen-2022")
    data = edited(path, {"code": "dienbien-huyen-2026", "version": 2, "first_year": 2026},
                  {("1", "Điểm tối đa"): 51})
    answer = upload(client, data, "v2.xlsx")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'class="error-summary"' in page
    assert '<th scope="col">Trang</th>' in page and "khác tổng các chỉ số con" in page
    assert f'<td>Chỉ số</td><td class="num">{line_of(path, "1")}</td>' in page
    assert "/confirm" not in page and stored_count(app) == 0


def test_only_a_province_admin_may_import(app, as_user, tmp_path):
    client = as_user("appraiser", "dienbien")
    assert client.get("/catalogue/import").status_code == 403
    assert upload(client, next_version(app, tmp_path), "v2.xlsx").status_code == 403


def test_an_imported_scheme_is_a_404_for_another_province(app, as_user, tmp_path):
    data = next_version(app, tmp_path)
    assert cli_import(app, tmp_path, data, "v2.xlsx", "--province", "dienbien").exit_code == 0
    client = as_user("province_admin", "yenbai")
    for url in ("/catalogue/dienbien-huyen-2026", "/catalogue/dienbien-huyen-2026.xlsx",
                "/catalogue/dienbien-huyen-2026/source", "/rankings/dienbien-huyen-2026/2026",
                "/assessments/dienbien-huyen-2026/2026/yenbai.so-tttt"):
        assert client.get(url).status_code == 404, url
    assert "dienbien-huyen-2026" not in client.get("/catalogue").get_data(as_text=True)
    from tests.test_api import token
    api = app.test_client()
    for province, seen in (("yenbai", 404), ("dienbien", 200)):
        headers = {"Authorization": f"Bearer {token(app, 'viewer', province)}"}
        answer = api.get("/api/v1/schemes/dienbien-huyen-2026/indicators", headers=headers)
        assert answer.status_code == seen, province
        listed = [s["code"] for s in api.get("/api/v1/schemes", headers=headers).get_json()]
        assert ("dienbien-huyen-2026" in listed) == (seen == 200)


def test_a_staged_upload_of_another_province_cannot_be_confirmed(app, as_user, tmp_path):
    client = as_user("province_admin", "dienbien")
    page = upload(client, next_version(app, tmp_path), "v2.xlsx").get_data(as_text=True)
    client.post("/logout")
    other = as_user("province_admin", "yenbai")
    answer = other.post("/catalogue/import/confirm",
                        data={"token": staged(page), "filename": "v2.xlsx"})
    assert answer.status_code == 302 and answer.location.endswith("/catalogue/import")
    assert stored_count(app) == 0


def test_a_code_that_cannot_be_part_of_an_address_is_refused(app, tmp_path):
    output = refused(app, tmp_path, next_version(app, tmp_path, new="Bộ/2026"))
    assert "(Mã bộ chỉ số)" in output and "chữ thường không dấu" in output


def test_the_import_takes_the_workbook_only_and_says_so(app, as_user, tmp_path):
    client = as_user("province_admin", "dienbien")
    form = client.get("/catalogue/import").get_data(as_text=True)
    assert 'accept=".xlsx"' in form
    answer = upload(client, toml_version("dienbien-huyen-2026"), "v2.toml")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "«v2.toml» không phải bảng Excel (.xlsx)" in page
    assert "/confirm" not in page and stored_count(app) == 0
    result = cli_import(app, tmp_path, toml_version("dienbien-huyen-2026"), "v2.toml",
                        "--province", "dienbien")
    assert result.exit_code == 1 and "không phải bảng Excel (.xlsx)" in result.output


def test_a_row_code_longer_than_the_answer_column_is_refused_at_its_cell(app, tmp_path):
    path = exported(app, tmp_path, "dienbien-huyen-2022")
    data = edited(path, {"code": "dienbien-huyen-2026", "version": 2, "first_year": 2026},
                  {("1.3", "STT/Mã"): "1." + "3" * 19})
    output = refused(app, tmp_path, data)
    assert f"Trang «Chỉ số», dòng {line_of(path, '1.3')}, cột A" in output
    assert "quá giới hạn 20 ký tự" in output


def test_the_catalogue_page_does_not_load_the_uploaded_workbook(app, as_user, tmp_path):
    from sqlalchemy import event, inspect

    from app.services.imported_schemes import source_file, source_of
    data = next_version(app, tmp_path)
    assert cli_import(app, tmp_path, data, "v2.xlsx", "--province", "dienbien").exit_code == 0
    client = as_user("province_admin", "dienbien")
    client.get("/catalogue")  # the registry reads the new scheme's content once, here
    statements = []
    with app.app_context():
        engine = db.engine
    listen = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement…)
    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert client.get("/catalogue/dienbien-huyen-2026").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    read = [s for s in statements if "FROM imported_scheme" in s]
    assert read and not any("imported_scheme.workbook" in s or "imported_scheme.content" in s
                            for s in read)
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        assert {"workbook", "content"} <= inspect(source_of("dienbien-huyen-2026")).unloaded
        db.session.expunge_all()
        assert source_file("dienbien-huyen-2026").workbook == data


def test_a_new_import_reparses_only_itself(app, tmp_path):
    first = next_version(app, tmp_path)
    assert cli_import(app, tmp_path, first, "v2.xlsx", "--province", "dienbien").exit_code == 0
    with app.app_context():
        before = app.extensions["chiso"].schemes["dienbien-huyen-2026"]
    mine = next_version(app, tmp_path, "thanhhoa-huyen-2022", "bo-moi-2026", family="bo-moi",
                        version=1)
    assert cli_import(app, tmp_path, mine, "b.xlsx", "--province", "thanhhoa").exit_code == 0
    with app.app_context():
        schemes = app.extensions["chiso"].schemes
        assert schemes["bo-moi-2026"].owner == "thanhhoa"
        assert schemes["dienbien-huyen-2026"] is before  # unchanged: not parsed again
