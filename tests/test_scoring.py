"""The scoring engine: every method with worked numbers, groups, the score's source, the
"không đánh giá" exclusion, the real Thanh Hóa and Điện Biên schemes, and plugin methods."""
from __future__ import annotations

import tomllib
from decimal import Decimal as D
from pathlib import Path

import pytest

from app.catalogue.model import Row
from app.plugins import Registry
from app.scoring import Entry, leaf_score, propose, totals
from app.scoring.core import CORE
from app.scoring.group import family, recompute
from tests.conftest import shipped_registry
from tests.test_plugins import TEST_PLUGIN, TEST_PLUGINS, TEST_SCHEME, installed_plugin  # noqa: F401

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def schemes():
    return shipped_registry(*TEST_PLUGINS).schemes


def row(method, max_points, **extra):
    return Row(code="1.1", title="Chỉ tiêu thử", parent="1", method=method,
               max_points=D(max_points), **extra)


# -- each method, with worked numbers -------------------------------------------------------
def test_ratio_is_the_percentage_of_the_maximum():
    computers = row("ratio", 20)
    assert propose(computers, Entry(numerator=D(45), denominator=D(50)), CORE) == D("18.000")  # 90%
    assert propose(computers, Entry(value=D("37.5")), CORE) == D("7.500")
    assert propose(computers, Entry(value=D(130)), CORE) == D(20)  # never above the maximum


def test_boolean_is_all_or_nothing():
    plan = row("boolean", 10)
    assert propose(plan, Entry(value=D(1)), CORE) == 10
    assert propose(plan, Entry(value=D(0)), CORE) == 0
    assert propose(plan, Entry(), CORE) is None  # nothing entered: nothing proposed


def test_relative_compares_with_the_best_of_the_group():
    spending = row("relative", 10)
    scores = recompute(_scheme(spending), {"A": _val(40), "B": _val(30), "C": _val(0)}, CORE)
    assert [scores[u].total for u in "ABC"] == [D(10), D("7.500"), D(0)]
    # alone, a relative row cannot be scored: nothing is stored as if it were zero
    assert propose(spending, Entry(value=D(30)), CORE) is None


def test_inverse_gives_full_marks_at_zero_and_best_over_value_otherwise():
    incidents = row("inverse", 5)
    scores = recompute(_scheme(incidents), {"A": _val(2), "B": _val(4), "C": _val(0)}, CORE)
    assert [scores[u].total for u in "ABC"] == [D(5), D("2.500"), D(5)]


def test_target_is_met_against_the_threshold_of_the_units_type():
    online = row("target", 10, targets={"xa": 91, "phuong": 93})
    assert propose(online, Entry(value=D(92)), CORE, unit_type="xa") == 10
    assert propose(online, Entry(value=D(92)), CORE, unit_type="phuong") == 0
    at_most = row("target", 4, targets={"xa": 2}, target_op="<=")
    assert propose(at_most, Entry(value=D(3)), CORE, unit_type="xa") == 0


def test_monitored_and_manual_rows_propose_nothing():
    assert propose(row("monitor", 0), Entry(value=D(75)), CORE) is None
    assert propose(row("manual", 15), Entry(value=D(1)), CORE) is None


def test_a_relative_row_is_compared_within_its_own_group_of_units():
    spending = row("relative", 10)
    answers = {"so-a": _val(100), "so-b": _val(50), "huyen-a": _val(50)}
    types = {"so-a": "so", "so-b": "co_quan", "huyen-a": "huyen"}
    scores = recompute(_scheme(spending), answers, CORE, types)
    assert scores["so-b"].total == 5  # half of the best department
    assert scores["huyen-a"].total == 10  # the best (only) district
    assert family("xa") == family("phuong") == family("thi_tran") != family("huyen")


def test_the_score_says_where_it_comes_from():
    ratio = row("ratio", 20)
    entry = Entry(value=D(50))
    assert (leaf_score(ratio, entry, CORE).score, leaf_score(ratio, entry, CORE).source) == (10, "computed")
    entry.self_score = D(12)
    assert (leaf_score(ratio, entry, CORE).score, leaf_score(ratio, entry, CORE).source) == (12, "self")
    entry.appraised_score = D(9)
    assert (leaf_score(ratio, entry, CORE).score, leaf_score(ratio, entry, CORE).source) == (9, "appraised")
    entry.not_assessed = True
    assert leaf_score(ratio, entry, CORE).source == "not_assessed" and leaf_score(ratio, entry, CORE).max == 0


# -- the real schemes -----------------------------------------------------------------------
def test_dienbien_not_assessed_rows_leave_the_maximum(schemes):
    """A department with 5.7 and 6.13 not assessed and 380 points: 380 / (500 − 25) = 80.00%."""
    scheme = schemes["dienbien-so-2022"]
    excluded = {"5.7", "6.13"}
    assert sum(scheme.by_code[c].max_points for c in excluded) == 25
    answers, left = {}, D(380)
    for leaf in scheme.leaves:
        if leaf.code in excluded:
            answers[leaf.code] = Entry(not_assessed=True)
        else:
            given = min(leaf.max_points, left)
            answers[leaf.code] = Entry(appraised_score=given)
            left -= given
    result = totals(scheme, answers, CORE)
    assert (result.total, result.max, result.percent) == (380, 475, D("80.00"))


def test_dienbien_district_scheme_has_no_not_assessed_rows(schemes):
    assert not any(r.not_assessable for r in schemes["dienbien-huyen-2022"].leaves)
    assert schemes["dienbien-huyen-2022"].max_points == 500


def test_yen_dinh_2022_scores_sum_to_891_195_of_1000(schemes):
    scheme = schemes["thanhhoa-huyen-2022"]
    data = tomllib.loads((ROOT / "plugins/thanhhoa/yendinh_2022.toml").read_text("utf-8"))
    scores = {s["code"]: D(str(s["score"])) for s in data["score"]}
    answers = {leaf.code: Entry(appraised_score=scores[leaf.code]) for leaf in scheme.leaves}
    result = totals(scheme, answers, CORE)
    assert result.max == 1000
    assert result.total == D("891.195")
    main = {code: score for code, (score, _max) in result.main.items()}
    assert main == {"1": D("83.125"), "2": 100, "3": 95, "4": D("92.85"), "5": 95,
                    "6": D("184.08"), "7": D("136.74"), "8": D("104.4")}
    assert {leaf.source for leaf in result.leaves.values()} == {"appraised"}


def test_recomputing_a_province_scores_every_unit(schemes):
    """600 units' rows in one call (its speed is measured in benchmarks/, not here)."""
    scheme = schemes["thanhhoa-huyen-2022"]
    answers = {f"u{i}": {leaf.code: Entry(value=D(i % 97), numerator=D(i % 50), denominator=D(50))
                         for leaf in scheme.leaves} for i in range(600)}
    scores = recompute(scheme, answers, CORE, {u: "huyen" for u in answers})
    assert len(scores) == 600 and all(score.max == 1000 for score in scores.values())


# -- a plugin's own method ------------------------------------------------------------------
METHOD_PLUGIN = TEST_PLUGIN + '''
from decimal import Decimal

from app.scoring.methods import ScoringMethod

def _half_ratio(row, entry, context):
    value = entry.measured()
    return None if value is None else value / 200 * row.max_points

def _share_of_best(row, entry, context):
    value = entry.measured()
    return None if value is None or not context.best else value / context.best * row.max_points / 2

@hookimpl
def chiso_scoring_methods():
    return [ScoringMethod("half_ratio", "Nửa tỷ lệ", "percent", _half_ratio),
            ScoringMethod("half_of_best", "Nửa so với đơn vị cao nhất", "number", _share_of_best,
                          group="highest")]
'''


def test_hook_chiso_scoring_methods(installed_plugin, tmp_path):  # noqa: F811
    folder = installed_plugin("testprov", METHOD_PLUGIN)
    (folder / "testprov-2024.toml").write_text(TEST_SCHEME, encoding="utf-8")
    registry = shipped_registry(*TEST_PLUGINS)
    assert registry.plugin("testprov").ok
    methods = registry.scoring_methods
    assert set(methods) == set(CORE) | {"half_ratio", "half_of_best"}
    assert registry.method_labels["half_ratio"] == "Nửa tỷ lệ"
    custom = row("half_ratio", 10)
    assert propose(custom, Entry(value=D(60)), methods) == 3  # 60 / 200 × 10
    assert propose(custom, Entry(value=D(900)), methods) == 10  # kept within the max
    assert propose(custom, Entry(value=D(60)), CORE) is None  # unknown without the plugin's
    scores = recompute(_scheme(custom), {"A": _val(60)}, methods)
    assert scores["A"].leaves["1.1"].source == "computed" and scores["A"].total == 3


def test_a_plugin_group_method_gets_the_best_of_its_group(installed_plugin):  # noqa: F811
    folder = installed_plugin("testprov", METHOD_PLUGIN)
    (folder / "testprov-2024.toml").write_text(TEST_SCHEME, encoding="utf-8")
    methods = shipped_registry(*TEST_PLUGINS).scoring_methods
    scores = recompute(_scheme(row("half_of_best", 10)), {"A": _val(40), "B": _val(20)}, methods)
    assert (scores["A"].total, scores["B"].total) == (5, D("2.5"))  # 20 / 40 × 10 / 2


def test_the_core_methods_come_through_the_hook_as_a_plugin_s_do():
    registry = Registry()
    assert registry.scoring_methods == CORE  # registered by the built-in default plugin
    assert registry.pm.get_plugin("chiso-core") is not None
    assert registry.method_labels["boolean"] == "Có / không"


def test_a_plugin_method_named_like_a_core_one_breaks_it(installed_plugin):  # noqa: F811
    folder = installed_plugin("testprov", TEST_PLUGIN + '''
from app.scoring.methods import ScoringMethod

@hookimpl
def chiso_scoring_methods():
    return [ScoringMethod("ratio", "Tỷ lệ khác", "percent", lambda row, entry, context: 0)]
''')
    (folder / "testprov-2024.toml").write_text(TEST_SCHEME, encoding="utf-8")
    registry = shipped_registry(*TEST_PLUGINS)
    record = registry.records["testprov"]
    assert not record.ok and "«ratio»" in record.error
    assert "testprov-2024" not in registry.schemes and registry.scoring_methods == CORE
    assert registry.plugin("thanhhoa").ok


def test_a_method_without_a_label_breaks_its_plugin(installed_plugin):  # noqa: F811
    installed_plugin("testprov", TEST_PLUGIN + '''
from app.scoring.methods import ScoringMethod

@hookimpl
def chiso_scoring_methods():
    return [ScoringMethod("nolabel", "", "percent", lambda row, entry, context: 0)]
''')
    registry = shipped_registry(*TEST_PLUGINS)
    assert "thiếu nhãn" in registry.records["testprov"].error


def test_a_method_name_two_plugins_give_breaks_the_second(installed_plugin):  # noqa: F811
    folder = installed_plugin("testprov", METHOD_PLUGIN)
    (folder / "testprov-2024.toml").write_text(TEST_SCHEME, encoding="utf-8")
    installed_plugin("testprov_b", '''
from app import hookimpl
from app.plugins import PluginInfo
from app.scoring.methods import ScoringMethod

@hookimpl
def chiso_plugin():
    return PluginInfo(code="testprov_b", province="Tỉnh Thử Hai", official_code="98", version="0.1")

@hookimpl
def chiso_scoring_methods():
    return [ScoringMethod("half_ratio", "Khác", "percent", lambda row, entry, context: 0)]
''')
    registry = shipped_registry(*TEST_PLUGINS)
    assert registry.plugin("testprov").ok
    assert "«half_ratio» đã có plugin khác" in registry.records["testprov_b"].error
    assert registry.scoring_methods["half_ratio"].propose.__name__ == "_half_ratio"


# -- helpers --------------------------------------------------------------------------------
def _scheme(leaf: Row):
    from app.catalogue.model import Scheme
    main = Row(code="1", title="Chỉ số chính", max_points=leaf.max_points, children=[leaf])
    return Scheme(code="thu", plugin="thu", title="Thử", version=1, kind="points",
                  unit_types=["so", "huyen"], source={}, max_points=leaf.max_points,
                  rows=[main, leaf])


def _val(value) -> dict[str, Entry]:
    return {"1.1": Entry(value=D(value))}


def test_a_plugin_catalogue_may_use_the_plugins_own_method(installed_plugin):  # noqa: F811
    folder = installed_plugin("testprov", METHOD_PLUGIN)
    (folder / "testprov-2024.toml").write_text(
        TEST_SCHEME.replace('method = "boolean"', 'method = "half_ratio"'), encoding="utf-8")
    registry = shipped_registry(*TEST_PLUGINS)
    assert registry.plugin("testprov").ok, registry.records["testprov"].error
    assert registry.schemes["testprov-2024"].by_code["1.1"].method == "half_ratio"


def test_a_catalogue_using_an_unknown_method_is_refused(installed_plugin):  # noqa: F811
    folder = installed_plugin("testprov", METHOD_PLUGIN)
    (folder / "testprov-2024.toml").write_text(
        TEST_SCHEME.replace('method = "boolean"', 'method = "nua_ty_le"'), encoding="utf-8")
    record = shipped_registry(*TEST_PLUGINS).records["testprov"]
    assert not record.ok and "phương pháp chấm «nua_ty_le» không có" in record.error
