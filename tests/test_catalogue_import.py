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
