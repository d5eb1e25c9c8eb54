"""Plugin discovery through entry points, the contract's hooks, and broken-plugin isolation."""
from __future__ import annotations

import sys
import textwrap
from datetime import date

import pytest

from app import create_app
from app.periods import parse
from app.plugins import Registry
from tests.conftest import shipped_registry


# The entry-point names the test plugins below are installed under.
TEST_PLUGINS = ("testprov", "testprov_b", "testprov_broken", "testprov_typo")


@pytest.fixture
def installed_plugin(tmp_path, monkeypatch):
    """Install a plugin the way pip would: a module plus a dist-info with an entry point."""
    def install(name: str, module_source: str, entry: str | None = None):
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(module_source), encoding="utf-8")
        dist = tmp_path / f"{name}-0.1.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
        (dist / "entry_points.txt").write_text(f"[chiso.plugins]\n{name} = {entry or name}\n")
        monkeypatch.syspath_prepend(str(tmp_path))
        return tmp_path
    yield install
    for name in [m for m in sys.modules if m.startswith("testprov")]:
        del sys.modules[name]


TEST_PLUGIN = '''
from pathlib import Path
from app import hookimpl
from app.calendar import Calendar, fixed_day
from app.plugins import PluginInfo

HERE = Path(__file__).parent

@hookimpl
def chiso_plugin():
    return PluginInfo(code="testprov", province="Tỉnh Thử", official_code="99", version="0.1")

@hookimpl
def chiso_schemes():
    return [HERE / "testprov-2024.toml"]

@hookimpl
def chiso_units():
    return [{"code": "99", "official": "1", "name": "Tỉnh Thử", "type": "tinh", "parent": ""},
            {"code": "991", "official": "1", "name": "Huyện Một", "type": "huyen", "parent": "99"}]

@hookimpl
def chiso_calendar(scheme):
    if scheme.plugin == "testprov":
        return Calendar(("year",), fixed_day(3, 31, years_after=1), "31/3 năm sau")
'''

TEST_SCHEME = '''
[scheme]
code = "testprov-2024"
family = "testprov"
version = 1
first_year = 2022
title = "Bộ chỉ số thử"
kind = "points"
max_points = 10
unit_types = ["huyen"]

[[row]]
code = "1"
title = "Nhận thức số"
max_points = 10
pillar = "nhan_thuc"

[[row]]
code = "1.1"
title = "Có kế hoạch"
max_points = 10
method = "boolean"
'''


def test_three_province_plugins_are_found_through_entry_points():
    registry = Registry().discover()  # every installed plugin: a fourth one may be there too
    assert {r.code for r in registry.records.values() if r.ok} >= {"yenbai", "dienbien", "thanhhoa"}
    assert registry.plugin("dienbien").info.province == "Điện Biên"
    assert sorted(shipped_registry().schemes) == [
        "dienbien-huyen-2022", "dienbien-so-2022", "thanhhoa-huyen-2022", "yenbai-kpi-2022",
        "yenbai-xa-2022"]


def test_hook_chiso_plugin(installed_plugin, tmp_path):
    folder = installed_plugin("testprov", TEST_PLUGIN)
    (folder / "testprov-2024.toml").write_text(TEST_SCHEME, encoding="utf-8")
    registry = shipped_registry(*TEST_PLUGINS)
    record = registry.plugin("testprov")
    assert record is not None and record.ok
    assert (record.info.province, record.info.version) == ("Tỉnh Thử", "0.1")


def test_hook_chiso_schemes(installed_plugin):
    folder = installed_plugin("testprov", TEST_PLUGIN)
    (folder / "testprov-2024.toml").write_text(TEST_SCHEME, encoding="utf-8")
    registry = shipped_registry(*TEST_PLUGINS)
    scheme = registry.schemes["testprov-2024"]
    assert scheme.plugin == "testprov" and scheme.max_points == 10
    assert [row.code for row in scheme.rows] == ["1", "1.1"]


def test_hook_chiso_units(installed_plugin):
    folder = installed_plugin("testprov", TEST_PLUGIN)
    (folder / "testprov-2024.toml").write_text(TEST_SCHEME, encoding="utf-8")
    registry = shipped_registry(*TEST_PLUGINS)
    assert [u["code"] for u in registry.units("testprov")] == ["99", "991"]
    yenbai = registry.units("yenbai")
    assert sum(u["type"] == "huyen" for u in yenbai) == 9
    assert sum(u["type"] in ("xa", "phuong", "thi_tran") for u in yenbai) == 173


def test_hook_chiso_calendar(installed_plugin):
    folder = installed_plugin("testprov", TEST_PLUGIN)
    (folder / "testprov-2024.toml").write_text(TEST_SCHEME, encoding="utf-8")
    registry = shipped_registry(*TEST_PLUGINS)
    calendar = registry.calendar(registry.schemes["testprov-2024"])
    assert calendar.deadline(parse("2024")) == date(2025, 3, 31)
    # each plugin answers only for its own schemes; the first answer wins
    kpi = registry.calendar(registry.schemes["yenbai-kpi-2022"])
    assert kpi.deadline(parse("202203")) == date(2022, 3, 25)


def test_a_plugin_that_fails_to_import_is_reported_and_the_others_work(installed_plugin, tmp_path):
    installed_plugin("testprov_broken", "raise ImportError('thiếu thư viện xyz')\n")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    registry = app.extensions["chiso"]
    broken = registry.records["testprov_broken"]
    assert not broken.ok and "thiếu thư viện xyz" in broken.error
    assert registry.plugin("dienbien").ok and "dienbien-so-2022" in registry.schemes


def test_a_plugin_with_an_invalid_catalogue_is_isolated(installed_plugin):
    folder = installed_plugin("testprov", TEST_PLUGIN)
    (folder / "testprov-2024.toml").write_text(TEST_SCHEME.replace("max_points = 10\nmethod",
                                                                   "max_points = 7\nmethod"))
    registry = shipped_registry(*TEST_PLUGINS)
    record = registry.records["testprov"]
    assert not record.ok
    assert "testprov-2024.toml" in record.error and "«1»" in record.error
    assert "testprov-2024" not in registry.schemes
    assert registry.plugin("yenbai").ok


def test_broken_plugin_shows_on_superadmin_page(installed_plugin, database_url, tmp_path):
    installed_plugin("testprov_broken", "raise ImportError('thiếu thư viện xyz')\n")
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    from tests.conftest import demo, login
    login(client, demo("superadmin"))
    page = client.get("/admin/plugins").get_data(as_text=True)
    assert "testprov_broken" in page and "thiếu thư viện xyz" in page and "Lỗi" in page
    assert "dienbien" in page and "Hoạt động" in page


def test_plugins_list_command(app):
    result = app.test_cli_runner().invoke(args=["plugins", "list"])
    lines = result.output.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["dienbien", "thanhhoa", "yenbai"]
    assert all(line.endswith("\tok") for line in lines)


def test_misspelled_hook_is_refused(installed_plugin):
    installed_plugin("testprov_typo", '''
from app import hookimpl
@hookimpl
def chiso_plugn():
    return None
''')
    registry = shipped_registry(*TEST_PLUGINS)
    assert not registry.records["testprov_typo"].ok
    assert "chiso_plugn" in registry.records["testprov_typo"].error
