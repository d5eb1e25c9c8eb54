"""The five catalogues against their source documents, the loader's refusals, the CLI.

The seed documents (shared/seeds, see its README) are read here and parsed, so each check has the
document on one side and the TOML file on the other. They sit in shared/seeds beside the
repository (as in CI); CHISO_SEEDS names another folder. Missing documents fail the suite.
"""
from __future__ import annotations

import json
import os
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from unicodedata import normalize

import pytest

from app.catalogue.loader import CatalogueError, load_scheme
from app.periods import TYPE_LABELS

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
SEEDS = Path(os.environ.get("CHISO_SEEDS") or PLUGINS.parent.parent / "shared" / "seeds")
SCHEME_SEEDS = {
    "yenbai-kpi-2022": "000_aa6c8965c87cb6aa.txt",
    "yenbai-xa-2022": "002_11ae54f52cc79c56.txt",
    "dienbien-so-2022": "003_de005d008b975ef7.txt",
    "dienbien-huyen-2022": "003_de005d008b975ef7.txt",
    "thanhhoa-huyen-2022": "004_43eff494c97e00ff.txt",
}
JSON_KEYS = {"code", "parent", "title", "source_title", "max_points", "method", "period", "measure",
             "lead", "coordinating", "pillar", "evidence_required", "not_assessable",
             "raised_from", "level", "targets", "measured"}


def scheme(code: str):
    path, = PLUGINS.glob(f"*/schemes/{code}.toml")
    return load_scheme(path, path.parent.parent.name)


def seed(name: str) -> str:
    path = SEEDS / name
    assert path.exists(), f"không có văn bản nguồn {path} (shared/seeds cạnh kho mã)"
    return path.read_text(encoding="utf-8")


def flat(text: str) -> str:
    """Whitespace normalised: page-wrapped lines joined, runs of spaces made one."""
    return " ".join(text.split())


# ---- the seed tables, parsed -------------------------------------------------------------

def yenbai_kpi_table() -> list[list[str]]:
    """Seed 000: [STT, Chỉ tiêu, Kỳ, Đơn vị tính, chủ trì, phối hợp] per table line."""
    text = seed(SCHEME_SEEDS["yenbai-kpi-2022"])
    table = text.split("Cơ quan, đơn vị phối hợp", 1)[1].split("Lưu ý:", 1)[0]
    cells = [flat(cell) for cell in table.strip("\n").split("\n\t")]
    return [cells[i:i + 6] for i in range(0, len(cells), 6)]


def yenbai_xa_table() -> list[list[str]]:
    """Seed 002: [STT, tên, giải thích, đơn vị tính, Xã, Phường/thị trấn, …] per target."""
    text = seed(SCHEME_SEEDS["yenbai-xa-2022"])
    return [line.split("\t") for line in text.splitlines() if re.match(r"\d+\t", line)]


def dienbien_table(number: int) -> list[tuple[str, str, Decimal]]:
    """Seed 003, Bảng 1 or 2: (Stt, chỉ số, điểm tối đa) per line, cells split by '|'."""
    table = seed(SCHEME_SEEDS["dienbien-so-2022"]).split("BẢNG\n")[number]
    cells = [flat(cell) for cell in table.split("Điểm tối đa\n|", 1)[1].split("|")]
    cells = [cell for cell in cells if cell]
    return [(cells[i], cells[i + 1], Decimal(cells[i + 2])) for i in range(0, len(cells), 3)]


def thanhhoa_table() -> dict[str, tuple[str, Decimal, Decimal]]:
    """Seed 004, Phụ lục II: code → (chỉ số, điểm tối đa, điểm Yên Định 2022), with the main
    indices read from their heading lines and cells broken by a page joined back."""
    rows: dict[str, list] = {}
    last = None
    for line in seed(SCHEME_SEEDS["thanhhoa-huyen-2022"]).splitlines():
        cells = line.split("\t")
        main = re.match(r"(\d)\tChỉ số đánh giá\tĐiểm tối đa \((\d+)\)\tĐiểm năm 2022 \(([\d,]+)\)", line)
        if main:
            rows[main[1]] = [None, main[2], main[3]]
        elif re.fullmatch(r"\d+(\.\d+)+", cells[0]) and len(cells) > 3:
            last = rows[cells[0]] = [cells[1], cells[2], cells[3]]
        elif cells[0] == "" and len(cells) > 1 and cells[1] and last is not None:
            last[0] += " " + cells[1]  # the rest of a title the page break cut
    return {code: (title and flat(title), Decimal(top), Decimal(score.replace(",", ".")))
            for code, (title, top, score) in rows.items()}


# ---- row counts and sums -----------------------------------------------------------------

def test_yenbai_kpi_has_40_measured_rows_in_3_pillars():
    kpi = scheme("yenbai-kpi-2022")
    assert [row.code for row in kpi.main] == ["I", "II", "III"]
    assert [len([leaf for leaf in kpi.leaves if leaf.pillar == main.pillar]) for main in kpi.main] == [23, 6, 11]
    assert len(kpi.leaves) == 40
    assert [row.code for row in kpi.by_code["31"].children] == ["31a", "31b"]
    assert kpi.max_points is None and all(row.max_points is None for row in kpi.rows)


def test_yenbai_xa_has_17_basic_and_13_advanced_targets():
    xa = scheme("yenbai-xa-2022")
    basic = [row for row in xa.leaves if row.level == "basic"]
    advanced = [row for row in xa.leaves if row.level == "advanced"]
    assert len(basic) == 17 and len(advanced) == 13
    assert [len(group.children) for group in xa.by_code["CB"].children] == [4, 5, 2, 6]
    assert [len(group.children) for group in xa.by_code["NC"].children] == [5, 4, 1, 3]
    raised = {row.code: row.raised_from for row in advanced if row.raised_from}
    assert raised == {"NC.1.1": "CB.1.1", "NC.1.2": "CB.1.2", "NC.1.3": "CB.1.4",
                      "NC.2.2": "CB.2.3", "NC.3.1": "CB.3.2"}


@pytest.mark.parametrize("code, number, mains, subs", [
    ("dienbien-so-2022", 1, 6, 35), ("dienbien-huyen-2022", 2, 8, 68)])
def test_dienbien_tables_match_the_decision_line_by_line(code, number, mains, subs):
    table = scheme(code)
    assert len(table.main) == mains and len(table.rows) - mains == subs
    assert table.max_points == 500 == sum(row.max_points for row in table.main)
    printed = dienbien_table(number)
    assert len(printed) == len(table.rows)
    for (stt, title, top), row in zip(printed, table.rows):
        assert {"I": "1"}.get(stt, stt) == row.code  # Bảng 2 prints its first index as "I"
        assert title == (row.source_title or row.title), row.code
        assert top == row.max_points, row.code


def test_thanhhoa_maxima_match_the_decision():
    table = scheme("thanhhoa-huyen-2022")
    assert [row.max_points for row in table.main] == [100, 100, 100, 100, 100, 200, 150, 150]
    assert sum(row.max_points for row in table.main) == table.max_points == 1000
    assert table.by_code["1.2"].max_points == 20
    assert [row.max_points for row in table.by_code["1.2"].children] == [10, 10]
    printed = thanhhoa_table()
    assert set(printed) == set(table.by_code)
    for code, (title, top, _score) in printed.items():
        row = table.by_code[code]
        assert top == row.max_points, code
        assert title is None or title == (row.source_title or row.title), code


@pytest.mark.parametrize("code", ["dienbien-so-2022", "dienbien-huyen-2022", "thanhhoa-huyen-2022"])
def test_every_parent_is_the_sum_of_its_children(code):
    table = scheme(code)
    for row in table.rows:
        if row.children:
            assert row.max_points == sum(child.max_points for child in row.children), row.code
    assert sum(row.max_points for row in table.main) == table.max_points


# ---- titles against the documents --------------------------------------------------------

TITLE_SAMPLES = [  # (scheme, row); rows with source_title were corrected from a typo
    ("yenbai-kpi-2022", "1"), ("yenbai-kpi-2022", "12"), ("yenbai-kpi-2022", "31b"),
    ("yenbai-kpi-2022", "38"),
    ("yenbai-xa-2022", "CB.1.2"), ("yenbai-xa-2022", "CB.2.5"), ("yenbai-xa-2022", "NC.2.4"),
    ("yenbai-xa-2022", "NC.3.1"), ("yenbai-xa-2022", "NC.4.3"),
    ("dienbien-so-2022", "1.1"), ("dienbien-so-2022", "6.4"), ("dienbien-so-2022", "6.14"),
    ("dienbien-huyen-2022", "1.3"), ("dienbien-huyen-2022", "6.5"), ("dienbien-huyen-2022", "8.8"),
    ("thanhhoa-huyen-2022", "1.2.1"), ("thanhhoa-huyen-2022", "3.7"),
    ("thanhhoa-huyen-2022", "2"), ("thanhhoa-huyen-2022", "7.7"),
]


@pytest.mark.parametrize("code, row_code", TITLE_SAMPLES)
def test_title_is_the_decisions_text(code, row_code):
    document = flat(seed(SCHEME_SEEDS[code]))
    row = scheme(code).by_code[row_code]
    assert (row.source_title or row.title) in document
    if row.source_title:  # a correction must change what the document prints
        assert row.title != row.source_title


def test_each_corrected_scheme_sample_includes_its_corrections():
    for code in SCHEME_SEEDS:
        corrected = {row.code for row in scheme(code).rows if row.source_title}
        sampled = {row for c, row in TITLE_SAMPLES if c == code}
        assert corrected <= sampled, code
        assert len(sampled) >= 3, code


# ---- Yên Bái: periods, thresholds, targets -----------------------------------------------

def test_yenbai_kpi_titles_periods_and_units_match_the_decision():
    kpi = scheme("yenbai-kpi-2022")
    printed = yenbai_kpi_table()
    assert len(printed) == len(kpi.rows)
    for (stt, title, period, measure, lead, _coordinating), row in zip(printed, kpi.rows):
        assert stt in (row.code, "-"), row.code  # the document prints "-" for 31a/31b/32a/32b
        if row.depth == 0:
            assert title.startswith(row.title), row.code  # "Chính quyền số (23 chỉ tiêu)"
            continue
        assert title == row.title, row.code
        if row.is_leaf:
            assert (period, measure) == (TYPE_LABELS[row.period], row.measure), row.code
        if lead:  # blank on 31a…32b, whose lead is the merged cell of 31 and 32
            assert normalize("NFC", lead) == row.lead, row.code


def test_yenbai_xa_thresholds_for_both_unit_types():
    xa = scheme("yenbai-xa-2022").by_code
    assert xa["CB.1.2"].targets == {"xa": 91, "phuong": 93, "thi_tran": 93}
    assert xa["NC.1.2"].targets == {"xa": 95, "phuong": 97, "thi_tran": 97}
    assert xa["CB.4.3"].targets == {"xa": 30, "phuong": 60, "thi_tran": 60}
    assert xa["NC.2.3"].targets == {"xa": 30, "phuong": 50, "thi_tran": 50}
    text = "100% hệ thống thông tin được phê duyệt"
    assert xa["CB.1.4"].targets == {"xa": text, "phuong": text, "thi_tran": text}
    assert xa["CB.1.4"].measure == "Hệ thống"


def test_yenbai_xa_every_threshold_matches_the_plan():
    xa = scheme("yenbai-xa-2022")
    printed = yenbai_xa_table()
    assert len(printed) == len(xa.leaves) == 30
    for cells, row in zip(printed, xa.leaves):
        assert flat(cells[1]) == (row.source_title or row.title), row.code
        assert cells[3] == row.measure, row.code
        assert [cells[4], cells[5], cells[5]] == [str(row.targets[t]) for t in ("xa", "phuong", "thi_tran")], row.code


def test_kpi_24_targets_20_percent_of_grdp():
    row = scheme("yenbai-kpi-2022").by_code["24"]
    assert row.targets == {"tinh": 20}
    assert row.measure == "%" and row.period == "year"


# ---- Yên Định's 2022 scores ------------------------------------------------------------------

README_MAIN_SCORES = ["83.125", "100", "95", "92.85", "95", "184.08", "136.74", "104.4"]


def test_yendinh_2022_scores_fit_the_catalogue():
    table = scheme("thanhhoa-huyen-2022")
    data = tomllib.loads((PLUGINS / "thanhhoa" / "yendinh_2022.toml").read_text(encoding="utf-8"),
                         parse_float=Decimal)
    scores = {entry["code"]: Decimal(entry["score"]) for entry in data["score"]}
    assert set(scores) == set(table.by_code)
    for code, score in scores.items():
        assert 0 <= score <= table.by_code[code].max_points, code
    for row in table.rows:
        if row.children:
            assert scores[row.code] == sum(scores[child.code] for child in row.children), row.code
    main_scores = [scores[row.code] for row in table.main]
    assert main_scores == [Decimal(value) for value in README_MAIN_SCORES]
    assert sum(main_scores) == Decimal("891.195") == data["unit"]["total"]


def test_yendinh_2022_scores_match_the_letter():
    data = tomllib.loads((PLUGINS / "thanhhoa" / "yendinh_2022.toml").read_text(encoding="utf-8"),
                         parse_float=Decimal)
    scores = {entry["code"]: Decimal(entry["score"]) for entry in data["score"]}
    for code, (_title, _top, score) in thanhhoa_table().items():
        assert scores[code] == score, code


# ---- the loader refuses unsound files --------------------------------------------------------

SOUND_FILE = """
[scheme]
code = "thu-nghiem"
family = "thu-nghiem"
version = 1
first_year = 2022
title = "Bộ chỉ số thử nghiệm"
kind = "points"
max_points = 30
unit_types = ["huyen"]

[[row]]
code = "1"
title = "Nhận thức số"
max_points = 30
pillar = "nhan_thuc"

[[row]]
code = "1.1"
title = "Chỉ số con thứ nhất"
max_points = 10

[[row]]
code = "1.2"
title = "Chỉ số con thứ hai"
max_points = 20
"""


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "thu-nghiem.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_sound_file_loads(tmp_path):
    loaded = load_scheme(write(tmp_path, SOUND_FILE), "test")
    assert [row.code for row in loaded.rows] == ["1", "1.1", "1.2"]


@pytest.mark.parametrize("old, new, message", [
    ('max_points = 20', 'max_points = 15',
     "thu-nghiem.toml, dòng mã «1»: điểm tối đa 30 khác tổng các chỉ số con 25"),
    ('max_points = 30\nunit_types', 'max_points = 40\nunit_types',
     "thu-nghiem.toml: tổng điểm các chỉ số chính là 30, khác điểm tối đa khai báo 40"),
    ('code = "1.2"', 'code = "1.1"', "thu-nghiem.toml, dòng mã «1.1»: mã bị trùng"),
    ('code = "1.2"', 'code = "2.1"', "thu-nghiem.toml, dòng mã «2.1»: dòng cha «2» không có"),
], ids=["child-sum", "total", "repeated-code", "missing-parent"])
def test_the_loader_names_the_file_and_row(tmp_path, old, new, message):
    assert old in SOUND_FILE
    with pytest.raises(CatalogueError) as refused:
        load_scheme(write(tmp_path, SOUND_FILE.replace(old, new, 1)), "test")
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize("old, new, key, message", [
    ('code = "thu-nghiem"', 'code = 5', "code", "«code» phải là chuỗi ký tự"),
    ('code = "thu-nghiem"', 'code = "' + "x" * 61 + '"', "code", "quá giới hạn 60 ký tự"),
    ('title = "Bộ chỉ số thử nghiệm"', 'title = 5', "title", "«title» phải là chuỗi ký tự"),
    ('unit_types = ["huyen"]', 'unit_types = 5', "unit_types", "danh sách chuỗi ký tự"),
    ('unit_types = ["huyen"]', 'unit_types = [5]', "unit_types", "phải là chuỗi ký tự"),
    ('version = 1', 'version = 99999999999', "version", "từ 1 đến 9999"),
    ('version = 1', 'version = true', "version", "từ 1 đến 9999"),
    ('max_points = 30\nunit_types', 'max_points = inf\nunit_types', "max_points",
     "phải là số từ 0 đến 100.000"),
], ids=["code-number", "code-long", "title-number", "unit-types-number", "unit-type-number",
        "version-huge", "version-bool", "total-inf"])
def test_the_loader_refuses_a_header_value_of_the_wrong_type_or_size(tmp_path, old, new, key,
                                                                     message):
    assert old in SOUND_FILE
    with pytest.raises(CatalogueError) as refused:
        load_scheme(write(tmp_path, SOUND_FILE.replace(old, new, 1)), "test")
    assert refused.value.code is None and refused.value.key == key
    assert message in str(refused.value) and str(refused.value).startswith("thu-nghiem.toml: ")


@pytest.mark.parametrize("old, new, key, message", [
    ('code = "1.2"', 'code = "1.' + "2" * 19 + '"', "code", "tối đa 20 ký tự"),
    ('code = "1.2"', 'code = 12', "code", "phải là chuỗi ký tự"),
    ('title = "Chỉ số con thứ hai"', 'title = 5', "title", "«title» phải là chuỗi ký tự"),
    ('max_points = 20', 'max_points = 20\nmethod = ["a"]', "method", "«method» phải là chuỗi"),
    ('max_points = 20', 'max_points = 20\nparent = [1]', "parent", "«parent» phải là chuỗi"),
    ('max_points = 20', 'max_points = 20\ncoordinating = "Sở A"', "coordinating",
     "danh sách chuỗi ký tự"),
    ('max_points = 20', 'max_points = 20\nevidence_required = "có"', "evidence_required",
     "true hoặc false"),
    ('max_points = 20', 'max_points = -20', "max_points", "từ 0 đến 100.000"),
    ('max_points = 20', 'max_points = 19.9995', "max_points", "tối đa 3 chữ số thập phân"),
    ('max_points = 20', 'max_points = nan', "max_points", "từ 0 đến 100.000"),
    ('max_points = 20', ('max_points = 20\nmeasured = { source = "Cổng dịch vụ công" }\n'
                         'evidence_required = false'), "measured", "không thể đo tự động"),
], ids=["code-long", "code-number", "title-number", "method-list", "parent-list",
        "coordinating-text", "flag-text", "points-negative", "points-decimals", "points-nan",
        "measured-score"])
def test_the_loader_refuses_a_row_value_of_the_wrong_type_or_size(tmp_path, old, new, key,
                                                                  message):
    assert old in SOUND_FILE
    with pytest.raises(CatalogueError) as refused:
        load_scheme(write(tmp_path, SOUND_FILE.replace(old, new, 1)), "test")
    assert refused.value.key == key and message in str(refused.value)
    assert str(refused.value).startswith("thu-nghiem.toml, dòng mã «")


def test_every_shipped_row_code_fits_the_answer_column():
    from app.catalogue.loader_fields import CODE_LIMIT
    for path in PLUGINS.glob("*/schemes/*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert max(len(row["code"]) for row in data["row"]) <= CODE_LIMIT, path.name


COMMUNE_FILE = """
[scheme]
code = "thu-nghiem"
family = "thu-nghiem"
version = 1
first_year = 2022
title = "Mục tiêu thử nghiệm của xã"
kind = "target"
unit_types = ["xa", "phuong"]
method = "target"

[scheme.communes]
min_share = 40
report_day = 20
district_report_day = 22

[[row]]
code = "1"
title = "Mục tiêu thứ nhất"
pillar = "ha_tang"
level = "basic"
targets = { xa = 50, phuong = 60 }
"""


def test_a_commune_target_scheme_carries_its_own_participation_and_report_days(tmp_path):
    """The share of communes and the monthly report days are the province's (its file's), not
    the core's: Yên Bái's 30% and 25/27 are read from yenbai-xa-2022.toml."""
    loaded = load_scheme(write(tmp_path, COMMUNE_FILE), "test")
    assert loaded.is_commune_target_scheme
    assert (loaded.communes.min_share, loaded.communes.report_day,
            loaded.communes.district_report_day) == (40, 20, 22)
    yenbai = scheme("yenbai-xa-2022").communes
    assert (yenbai.min_share, yenbai.report_day, yenbai.district_report_day) == (30, 25, 27)


@pytest.mark.parametrize("old, new, message", [
    ("[scheme.communes]\nmin_share = 40\nreport_day = 20\ndistrict_report_day = 22\n", "",
     "thu-nghiem.toml: bộ mục tiêu của xã, phường, thị trấn cần bảng [scheme.communes]"),
    ("min_share = 40", "min_share = 40\nshare = 1",
     "thu-nghiem.toml: [scheme.communes]: khóa không biết: share"),
    ("min_share = 40", "min_share = 140",
     "thu-nghiem.toml: [scheme.communes] min_share «140» phải là số nguyên từ 0 đến 100"),
    ("report_day = 20", "report_day = 31",
     "thu-nghiem.toml: [scheme.communes] report_day «31» phải là số nguyên từ 1 đến 28"),
    ("district_report_day = 22", 'district_report_day = "27"',
     "thu-nghiem.toml: [scheme.communes] district_report_day «27» phải là số nguyên từ 1 đến 28"),
    ('unit_types = ["xa", "phuong"]', 'unit_types = ["xa", "huyen"]',
     "thu-nghiem.toml: [scheme.communes] chỉ dùng cho bộ mục tiêu của xã, phường, thị trấn"),
], ids=["missing", "unknown-key", "share", "day", "not-a-number", "not-communes"])
def test_the_loader_checks_the_commune_rules(tmp_path, old, new, message):
    assert old in COMMUNE_FILE
    with pytest.raises(CatalogueError) as refused:
        load_scheme(write(tmp_path, COMMUNE_FILE.replace(old, new, 1)), "test")
    assert str(refused.value).startswith(message)


def test_a_content_published_before_the_commune_rules_still_reads(tmp_path):
    """A publication keeps the file as it was: one from before [scheme.communes] still gives
    its rows (its figures never move), where a file loaded today must declare the rules."""
    from app.catalogue.loader import parse_scheme
    old = COMMUNE_FILE.replace("[scheme.communes]\nmin_share = 40\nreport_day = 20\n"
                               "district_report_day = 22\n", "")
    published = parse_scheme(old.encode("utf-8"), "thu-nghiem.toml", "test", published=True)
    assert [row.code for row in published.rows] == ["1"] and published.communes is None
    with pytest.raises(CatalogueError):
        parse_scheme(old.encode("utf-8"), "thu-nghiem.toml", "test")


# ---- flask catalogue list / show --json --------------------------------------------------

def test_cli_lists_the_five_schemes(app):
    result = app.test_cli_runner().invoke(args=["catalogue", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.split() == sorted(SCHEME_SEEDS)


@pytest.mark.parametrize("code", sorted(SCHEME_SEEDS))
def test_cli_show_json(app, code):
    result = app.test_cli_runner().invoke(args=["catalogue", "show", code, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["code"] for row in rows] == [row.code for row in scheme(code).rows]
    codes = {row["code"] for row in rows}
    for row in rows:
        assert set(row) == JSON_KEYS
        assert row["parent"] is None or row["parent"] in codes
        assert row["not_assessable"] is (code == "dienbien-so-2022"), row["code"]
    assert rows[0]["parent"] is None


def test_cli_show_json_values(app):
    result = app.test_cli_runner().invoke(args=["catalogue", "show", "thanhhoa-huyen-2022", "--json"])
    rows = {row["code"]: row for row in json.loads(result.output)}
    assert rows["1.2.1"]["parent"] == "1.2" and rows["1.2.1"]["max_points"] == 10
    assert rows["7.7"]["source_title"].endswith("Vò sò và Postmart.")
    assert rows["6"]["max_points"] == 200 and rows["6"]["pillar"] == "chinh_quyen"


def test_cli_show_unknown_scheme(app):
    result = app.test_cli_runner().invoke(args=["catalogue", "show", "khong-co", "--json"])
    assert result.exit_code == 1
    assert "Không có bộ chỉ số «khong-co»" in result.output
