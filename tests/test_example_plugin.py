"""The worked example of docs/plugins.md: a fourth, fictional province («Ví Dụ») written as an
outside package under tests/example_plugin, installed the way pip would (its package on the
path and a dist-info carrying the entry point its pyproject.toml declares), then run end to
end: the province is created, a period opened, values entered, appraised, published and the
ranking read."""
from __future__ import annotations

import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

from app import create_app
from tests.conftest import SHIPPED_PLUGINS, _config
from tests.test_hooks_meta import HOOKS

EXAMPLE = Path(__file__).parent / "example_plugin"
API = "/api/v1"
PASSWORD = "Mat-khau-vi-du-2024"


@pytest.fixture
def installed_example(tmp_path, monkeypatch):
    """pip install, offline: the entry points declared in pyproject.toml, as a dist-info."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    site = tmp_path / "site"
    dist = site / f"chiso_vidu-{project['version']}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    group = project["entry-points"]["chiso.plugins"]
    (dist / "entry_points.txt").write_text(
        "[chiso.plugins]\n" + "".join(f"{name} = {value}\n" for name, value in group.items()))
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(EXAMPLE))
    yield project
    for name in [m for m in sys.modules if m.startswith("chiso_vidu")]:
        del sys.modules[name]


def test_the_example_is_not_one_of_the_project_s_plugins():
    root = tomllib.loads((EXAMPLE.parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert "vidu" not in root["project"]["entry-points"]["chiso.plugins"]


def _cli(app, *args, stdin=None):
    result = app.test_cli_runner().invoke(args=list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_the_example_plugin_runs_from_setup_to_a_published_ranking(
        installed_example, database_url, tmp_path, on_day):
    on_day(date(2025, 1, 10))
    app = create_app({**_config(database_url, tmp_path), "PLUGINS": SHIPPED_PLUGINS + ("vidu",)})
    registry = app.extensions["chiso"]
    assert registry.plugin("vidu").ok, registry.records["vidu"].error
    assert "vidu\t0.1.0\tok" in _cli(app, "plugins", "list")

    assert _cli(app, "provinces", "setup", "vidu") == "vidu: Ví Dụ, 4 đơn vị mới"
    assert "vidu-huyen-2024 2024: đã mở, hạn 15/02/2025" == \
        _cli(app, "periods", "open", "vidu-huyen-2024", "2024")
    for email, role, unit in (("admin@vidu.vn", "province_admin", None),
                              ("huyen1@vidu.vn", "unit_user", "981"),
                              ("huyen2@vidu.vn", "unit_user", "982"),
                              ("thamdinh@vidu.vn", "appraiser", None)):
        _cli(app, "users", "create", email, "--role", role, "--province", "vidu",
             *(("--unit", unit) if unit else ()), stdin=PASSWORD + "\n")

    client = app.test_client()
    tokens = {}

    def call(email, method, url, **kwargs):
        tokens.setdefault(email, _cli(app, "tokens", "create", email))
        response = client.open(f"{API}{url}", method=method,
                               headers={"Authorization": f"Bearer {tokens[email]}"}, **kwargs)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    base = "/assessments/vidu-huyen-2024/2024"
    reason = {"no_evidence_reason": "Văn bản đang chờ ký"}
    # 981 has its plan and 95% online: the plugin's own method gives all 20 points;
    # 982 has no plan and 60%: half of them.
    for email, unit, plan, online in (("huyen1@vidu.vn", "981", True, 95),
                                      ("huyen2@vidu.vn", "982", False, 60)):
        values = {"1.1": {"value": plan, **reason}, "2.1": {"value": online, **reason}}
        entered = call(email, "PUT", f"{base}/{unit}", json={"values": values})
        assert call(email, "POST", f"{base}/{unit}/submit")["state"] == "submitted"
        scores = {i["code"]: {"score": i["score"]} for i in entered["indicators"]}
        appraised = call("thamdinh@vidu.vn", "PUT", f"{base}/{unit}/appraisal",
                         json={"scores": scores})
        assert appraised["state"] == "appraised"
    assert call("admin@vidu.vn", "POST", "/rankings/vidu-huyen-2024/2024/publish")["published"]

    ranking = call("huyen2@vidu.vn", "GET", "/rankings/vidu-huyen-2024/2024")
    assert [(r["rank"], r["unit"], r["total"], r["max"]) for r in ranking["rows"]] == [
        (1, "981", 30, 30), (2, "982", 10, 30)]


def test_the_guide_shows_the_example_s_files_as_they_are_and_names_every_hook():
    guide = (EXAMPLE.parent.parent / "docs" / "plugins.md").read_text(encoding="utf-8")
    for path in ("pyproject.toml", "chiso_vidu/__init__.py", "chiso_vidu/units.csv",
                 "chiso_vidu/schemes/vidu-huyen-2024.toml"):
        assert (EXAMPLE / path).read_text(encoding="utf-8").strip() in guide, path
    readme = (EXAMPLE.parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("| hook | answers |")[1].split("\n\n")[0]
    for hook in HOOKS:
        assert f"`{hook}(" in table, f"the README's hook table leaves out {hook}"
        assert hook in guide, f"docs/plugins.md does not mention {hook}"
    for name in ("FolderPlugin", "PluginInfo", "Calendar(", "fixed_day(", "ScoringMethod("):
        assert name in guide
