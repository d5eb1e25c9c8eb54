"""A plugin's answers are checked when the site starts (and again by `provinces setup`): a
wrong answer marks that plugin broken with a message naming the file and the row, shown on the
superadmin page and by `plugins list`, while the other plugins work. A plugin scoring method
that fails while serving marks its plugin broken and answers a page, not a 500."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app import create_app, tenancy
from app.extensions import db
from app.models import Province
from tests.conftest import SHIPPED_PLUGINS, _config, demo, login, shipped_registry
from tests.test_plugins import TEST_SCHEME, installed_plugin  # noqa: F401

FOLDER_PLUGIN = '''
from pathlib import Path
from app import hookimpl
from app.calendar import Calendar, fixed_day
from app.plugin_support import FolderPlugin
from app.plugins import PluginInfo
from app.scoring.methods import ScoringMethod


def _explode(row, entry, context):
    # Works until the test drops a file named "fail" beside the data: a plugin that starts
    # failing while the site serves.
    if (Path(__file__).parent / "testprov_data" / "fail").exists():
        raise ZeroDivisionError("chia cho 0 trong plugin")
    return entry.value


class Thu(FolderPlugin):
    @hookimpl
    def chiso_calendar(self, scheme):
        if self.owns(scheme):
            return Calendar(("year",), fixed_day(3, 31, years_after=1), "31/3 năm sau")
        return None

    @hookimpl
    def chiso_scoring_methods(self):
        return [ScoringMethod("explodes", "Phương pháp hỏng", "number", _explode)]


plugin = Thu(Path(__file__).parent / "testprov_data",
             PluginInfo(code="testprov", province="Tỉnh Thử", official_code="99", version="0.1"))
'''
UNITS = ("code,official,name,type,parent,valid_from,valid_to\n"
         "99,1,Tỉnh Thử,tinh,,2024-01-01,\n"
         "991,1,Huyện Một,huyen,99,2024-01-01,\n")


def _folder_plugin(installed_plugin, units=UNITS, scheme=TEST_SCHEME):  # noqa: F811
    folder = installed_plugin("testprov", FOLDER_PLUGIN, "testprov:plugin")
    data = folder / "testprov_data"
    (data / "schemes").mkdir(parents=True)
    (data / "schemes" / "testprov-2024.toml").write_text(scheme, encoding="utf-8")
    (data / "units.csv").write_text(units, encoding="utf-8")
    return data


def _app(database_url, tmp_path):
    return create_app({**_config(database_url, tmp_path),
                       "PLUGINS": SHIPPED_PLUGINS + ("testprov",)})


def test_chiso_plugin_answering_a_dict_is_broken_and_the_pages_still_work(
        installed_plugin, database_url, tmp_path):  # noqa: F811
    installed_plugin("testprov", '''
from app import hookimpl

@hookimpl
def chiso_plugin():
    return {"code": "testprov", "province": "Tỉnh Thử", "official_code": "99", "version": "1"}
''')
    app = _app(database_url, tmp_path)
    record = app.extensions["chiso"].records["testprov"]
    assert not record.ok and "PluginInfo, không phải dict" in record.error
    listed = app.test_cli_runner().invoke(args=["plugins", "list"])
    assert listed.exit_code == 0, listed.output
    assert "testprov\t-\tbroken: chiso_plugin phải trả về app.plugins.PluginInfo" in listed.output
    client = app.test_client()
    login(client, demo("superadmin"))
    page = client.get("/admin/plugins")
    assert page.status_code == 200 and "PluginInfo, không phải dict" in page.get_data(as_text=True)


BAD_UNITS = {
    "unknown type": ("991,1,Huyện Một,quan,99,2024-01-01,\n",
                     "loại đơn vị «quan» không có"),
    "another province": ("38,1,Tỉnh Thanh Hóa,tinh,,2024-01-01,\n",
                         "tỉnh mã «38» không phải tỉnh của plugin «testprov» (mã tỉnh 99)"),
    "date not ISO": ("991,1,Huyện Một,huyen,99,01/01/2024,\n",
                     "cột «valid_from»: «01/01/2024» không phải ngày dạng YYYY-MM-DD"),
    "child before parent": ("9911,1,Xã Một,xa,992,2024-01-01,\n",
                            "đơn vị cha «992» của «9911» chưa được khai báo ở dòng trước"),
}


@pytest.mark.parametrize("case", sorted(BAD_UNITS))
def test_a_wrong_unit_row_breaks_the_plugin_naming_file_and_line(installed_plugin, case):  # noqa: F811
    line, message = BAD_UNITS[case]
    _folder_plugin(installed_plugin, UNITS + line)
    registry = shipped_registry("testprov")
    record = registry.records["testprov"]
    assert not record.ok
    assert record.error.startswith(f"testprov_data/units.csv, dòng 4: {message}")
    assert "testprov-2024" not in registry.schemes and registry.plugin("dienbien").ok


def test_provinces_setup_of_a_plugin_broken_at_start_up_says_why(
        installed_plugin, database_url, tmp_path):  # noqa: F811
    _folder_plugin(installed_plugin, UNITS + BAD_UNITS["unknown type"][0])
    app = _app(database_url, tmp_path)
    result = app.test_cli_runner().invoke(args=["provinces", "setup", "testprov"])
    assert result.exit_code == 1
    assert "Plugin «testprov» bị lỗi: testprov_data/units.csv, dòng 4: loại đơn vị «quan»" \
        in result.output


def test_provinces_setup_checks_the_units_again_and_stores_nothing(
        installed_plugin, database_url, tmp_path):  # noqa: F811
    data = _folder_plugin(installed_plugin)
    app = _app(database_url, tmp_path)
    assert app.extensions["chiso"].plugin("testprov").ok
    # The file is edited after the site started: setup refuses it, naming the file and row.
    (data / "units.csv").write_text(UNITS + "992,1,Huyện Hai,huyen,99,2024-13-01,\n",
                                    encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["provinces", "setup", "testprov"])
    assert result.exit_code == 1
    assert "testprov_data/units.csv, dòng 4: cột «valid_from»: «2024-13-01» không phải ngày" \
        in result.output
    assert "Traceback" not in result.output
    listed = app.test_cli_runner().invoke(args=["plugins", "list"]).output
    assert "testprov" in listed
    with app.app_context(), tenancy.unscoped():
        assert db.session.scalar(select(Province).where(Province.code == "testprov")) is None


def test_a_scoring_method_failing_while_serving_breaks_its_plugin_not_the_page(
        installed_plugin, database_url, tmp_path, on_day):  # noqa: F811
    scheme = TEST_SCHEME.replace('method = "boolean"', 'method = "explodes"')
    data = _folder_plugin(installed_plugin, scheme=scheme)
    on_day(date(2025, 1, 10))
    app = _app(database_url, tmp_path)
    assert app.extensions["chiso"].plugin("testprov").ok
    runner = app.test_cli_runner()
    for args in (["provinces", "setup", "testprov"], ["periods", "open", "testprov-2024", "2024"],
                 ["users", "create", "admin@thu.vn", "--role", "province_admin",
                  "--province", "testprov"]):
        result = runner.invoke(args=args, input="Mat-khau-thu-2024\n")
        assert result.exit_code == 0, result.output
    client = app.test_client()
    login(client, "admin@thu.vn", "Mat-khau-thu-2024")
    url = "/assessments/testprov-2024/2024/991"
    token = runner.invoke(args=["tokens", "create", "admin@thu.vn"]).output.strip()
    bearer = {"Authorization": f"Bearer {token}"}
    api = f"/api/v1{url}"
    assert client.put(api, json={"values": {"1.1": {"value": 5}}}, headers=bearer).status_code \
        == 200
    assert client.get(url).status_code == 200
    (data / "fail").touch()
    page = client.get(url)
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "Chấm điểm của bộ chỉ số này tạm không dùng được" in text and "«explodes»" in text
    record = app.extensions["chiso"].records["testprov"]
    assert not record.ok and "«explodes» lỗi khi chấm" in record.error
    assert "chia cho 0 trong plugin" in record.error
    listed = runner.invoke(args=["plugins", "list"]).output
    assert "testprov\t0.1\tbroken: phương pháp chấm «explodes» lỗi khi chấm" in listed
    answer = client.get(api, headers=bearer)  # the API says the same, in JSON
    assert answer.status_code == 503 and "tạm không dùng được" in answer.get_json()["error"]
