"""Versions of a scheme: a family, a version and the years it applies to (issue 12)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app import create_app, hookimpl, tenancy
from app.calendar import Calendar, fixed_day
from app.catalogue.loader import CatalogueError, load_scheme
from app.plugins import PluginInfo, Registry
from app.services.periods import PeriodError, open_period
from tests.conftest import shipped_registry, province_id

PLUGINS = Path(__file__).parent.parent / "plugins"
DIENBIEN_SO = PLUGINS / "dienbien" / "schemes" / "dienbien-so-2022.toml"


def later_version(tmp_path, first_year=2024, code="dienbien-so-2024", edit=lambda s: s) -> Path:
    """A copy of dienbien-so-2022 as a later decision of the same family."""
    text = DIENBIEN_SO.read_text(encoding="utf-8")
    text = text.replace('code = "dienbien-so-2022"', f'code = "{code}"', 1)
    text = text.replace("version = 1\nfirst_year = 2022", f"version = 2\nfirst_year = {first_year}", 1)
    path = tmp_path / f"{code}.toml"
    path.write_text(edit(text), encoding="utf-8")
    return path


def add_version(app, path: Path):
    """Install a later version beside the dienbien plugin's own file."""
    registry = app.extensions["chiso"]
    scheme = load_scheme(path, "dienbien")
    registry.schemes[scheme.code] = scheme
    return scheme


class TwoFilesOneCode:
    """A plugin whose two files carry one scheme code."""
    def __init__(self, first: Path, second: Path):
        self.files = [first, second]

    @hookimpl
    def chiso_plugin(self):
        return PluginInfo(code="testdup", province="Tỉnh Thử", official_code="98", version="0.1")

    @hookimpl
    def chiso_schemes(self):
        return self.files

    @hookimpl
    def chiso_calendar(self, scheme):
        if scheme.plugin == "testdup":
            return Calendar(("year",), fixed_day(3, 31, years_after=1), "31/3 năm sau")


def duplicate_plugin(tmp_path) -> TwoFilesOneCode:
    text = DIENBIEN_SO.read_text(encoding="utf-8")
    first, second = tmp_path / "so-a.toml", tmp_path / "so-b.toml"
    first.write_text(text, encoding="utf-8")
    second.write_text(text.replace("version = 1", "version = 2", 1), encoding="utf-8")
    return TwoFilesOneCode(first, second)


def test_shipped_schemes_declare_family_version_and_years():
    registry = shipped_registry()
    thanhhoa = registry.schemes["thanhhoa-huyen-2022"]
    assert (thanhhoa.family, thanhhoa.version, thanhhoa.first_year) == ("thanhhoa-huyen", 1, 2022)
    assert [d["number"] for d in thanhhoa.decisions] == ["3853/QĐ-UBND", "4162/QĐ-UBND"]
    assert {s.family for s in registry.schemes.values()} == {
        "dienbien-so", "dienbien-huyen", "thanhhoa-huyen", "yenbai-kpi", "yenbai-xa"}
    assert all(registry.last_year(s) is None for s in registry.schemes.values())


def test_a_scheme_without_family_or_with_years_reversed_is_refused(tmp_path):
    text = DIENBIEN_SO.read_text(encoding="utf-8")
    path = tmp_path / "x.toml"
    path.write_text(text.replace('family = "dienbien-so"\n', ""), encoding="utf-8")
    with pytest.raises(CatalogueError, match="thiếu khóa «family»"):
        load_scheme(path, "dienbien")
    path.write_text(text.replace("first_year = 2022", "first_year = 2022\nlast_year = 2021"),
                    encoding="utf-8")
    with pytest.raises(CatalogueError, match="last_year 2021 đứng trước first_year 2022"):
        load_scheme(path, "dienbien")


def test_two_files_with_one_scheme_code_break_the_plugin_naming_both(tmp_path):
    registry = Registry().discover([duplicate_plugin(tmp_path)])
    record = registry.records["TwoFilesOneCode"]
    assert not record.ok
    assert "so-a.toml" in record.error and "so-b.toml" in record.error
    assert "dienbien-so-2022" in record.error
    assert registry.schemes["dienbien-so-2022"].plugin == "dienbien"  # the real one stays
    assert registry.plugin("dienbien").ok


def test_plugins_list_prints_broken_with_the_reason(database_url, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url,
                      "EXTRA_PLUGINS": [duplicate_plugin(tmp_path)]})
    output = app.test_cli_runner().invoke(args=["plugins", "list"]).output
    line = next(line for line in output.splitlines() if line.startswith("testdup"))
    assert "\tbroken: " in line and "so-a.toml" in line and "so-b.toml" in line


def test_a_period_outside_the_versions_years_is_refused_naming_the_version(app, tmp_path):
    add_version(app, later_version(tmp_path))
    registry = app.extensions["chiso"]
    today = date(2026, 11, 23)
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        with pytest.raises(PeriodError) as refused:
            open_period(registry, "dienbien-so-2022", "2025", today)
        assert "năm 2022–2023" in str(refused.value)
        assert "năm 2025 áp dụng «dienbien-so-2024» (phiên bản 2)" in str(refused.value)
        with pytest.raises(PeriodError, match="chưa có phiên bản nào"):
            open_period(registry, "dienbien-so-2022", "2021", today)
        period, created = open_period(registry, "dienbien-so-2024", "2025", today)
        assert created and period.code == "2025"


def test_periods_open_command_names_the_applicable_version(app, tmp_path):
    add_version(app, later_version(tmp_path))
    result = app.test_cli_runner().invoke(args=["periods", "open", "dienbien-so-2022", "2024"])
    assert result.exit_code == 1
    assert "năm 2024 áp dụng «dienbien-so-2024»" in result.output


def test_periods_page_refuses_a_year_outside_the_version(as_user):
    client = as_user("province_admin", "thanhhoa")
    page = client.post("/periods", data={"scheme": "thanhhoa-huyen-2022", "code": "2021"})
    assert page.status_code == 422
    assert "chỉ áp dụng từ năm 2022" in page.get_data(as_text=True)


def test_api_schemes_carry_family_version_and_years(app, tmp_path):
    from tests.test_api import token
    add_version(app, later_version(tmp_path))
    headers = {"Authorization": f"Bearer {token(app, 'province_admin')}"}
    answer = app.test_client().get("/api/v1/schemes", headers=headers).get_json()
    schemes = {s["code"]: s for s in answer}
    assert {k: schemes["dienbien-so-2022"][k] for k in
            ("family", "version", "first_year", "last_year")} == {
        "family": "dienbien-so", "version": 1, "first_year": 2022, "last_year": 2023}
    assert schemes["dienbien-so-2024"]["last_year"] is None
    assert schemes["dienbien-huyen-2022"]["last_year"] is None


THANHHOA = PLUGINS / "thanhhoa" / "schemes" / "thanhhoa-huyen-2022.toml"


def thanhhoa_2024(app, tmp_path):
    """A later Thanh Hóa decision from 2024: 1.4 worth 15 points instead of 20, 1.5 worth 15
    instead of 10. Its 2024 period is opened."""
    text = THANHHOA.read_text(encoding="utf-8")
    text = text.replace('code = "thanhhoa-huyen-2022"', 'code = "thanhhoa-huyen-2024"', 1)
    text = text.replace("version = 1\nfirst_year = 2022", "version = 2\nfirst_year = 2024", 1)
    head, rest = text.split('code = "1.4"', 1)
    rest = rest.replace("max_points = 20", "max_points = 15", 1)
    middle, tail = rest.split('code = "1.5"', 1)
    tail = tail.replace("max_points = 10", "max_points = 15", 1)
    path = tmp_path / "thanhhoa-huyen-2024.toml"
    path.write_text(head + 'code = "1.4"' + middle + 'code = "1.5"' + tail, encoding="utf-8")
    scheme = load_scheme(path, "thanhhoa")
    app.extensions["chiso"].schemes[scheme.code] = scheme
    with app.app_context(), tenancy.scoped(province_id(app, "thanhhoa")):
        from app.extensions import db
        period, _ = open_period(app.extensions["chiso"], scheme.code, "2024", date(2024, 3, 1))
        period.deadline = date(2099, 12, 15)  # the form judges lateness by the real today
        db.session.commit()
    return scheme


def test_last_period_compares_across_versions_in_percent_where_the_maximum_changed(
        app, tmp_path, as_user):
    thanhhoa_2024(app, tmp_path)
    client = as_user("unit_user", "thanhhoa")
    form = "/assessments/thanhhoa-huyen-2024/2024/394"
    saved = client.post(f"{form}/rows/1.4", data={"1.4__self_score": "12"},
                        headers={"HX-Request": "true"})
    assert saved.status_code == 200, saved.get_data(as_text=True)[:300]
    def details(code):  # last period shows in a row's details, loaded when «Chi tiết» opens
        return client.get(f"{form}/rows/{code}", headers={"HX-Request": "true"}).get_data(
            as_text=True)
    row = details("1.4")
    # Yên Định 2022 (version 1) is the last period of the family, though its code differs
    assert "Kỳ trước (Năm 2022)" in row
    assert "điểm tối đa đã đổi: 20 kỳ trước, 15 kỳ này" in row
    assert "kỳ trước 75%, kỳ này 80%" in row  # 15 of 20, 12 of 15
    assert "điểm so với kỳ trước" not in row  # no raw-points difference across maxima
    assert "điểm tối đa đã đổi" not in details("1.1")
