"""The catalogue workbook is the import format (issue 13): exported, edited the way an official
edits it (here with openpyxl, which drops the values Excel caches), read back into a scheme by
the catalogue loader, its problems placed by sheet, line and column, and the difference between
two versions listing exactly the edits made."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.catalogue.diff import differences
from app.catalogue.excel import scheme_workbook
from app.catalogue.excel_reader import (
    MAX_BYTES,
    Problem,
    WorkbookRefused,
    read_workbook,
)
from app.catalogue.loader import load_scheme, parse_scheme
from app.scoring.core import CORE
from app.scoring.methods import ScoringMethod

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
SHIPPED = sorted(PLUGINS.glob("*/schemes/*.toml"))
EXACT = ("input", "method_note", "lead_unit", "target_op", "explanation", "level", "depth")
HEADER = ("title", "family", "first_year", "last_year", "kind", "unit_types", "source",
          "max_points", "communes")


def shipped(code: str):
    path = next(p for p in SHIPPED if p.stem == code)
    return load_scheme(path, path.parent.parent.name)


def whole_row(row) -> dict:
    """What the API prints of a row, and every other field the catalogue holds."""
    return {**row.as_json(), **{name: getattr(row, name) for name in EXACT}}


def edited(data: bytes, change) -> bytes:
    book = load_workbook(io.BytesIO(data))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def set_header(book, key: str, value) -> None:
    sheet = book["Thông tin chung"]
    line = next(n for n in range(1, sheet.max_row + 1) if sheet.cell(n, 3).value == key)
    sheet.cell(line, 2).value = value


def header_line(book, key: str) -> int:
    sheet = book["Thông tin chung"]
    return next(n for n in range(1, sheet.max_row + 1) if sheet.cell(n, 3).value == key)


def line_of(sheet, code: str) -> int:
    return next(n for n in range(4, sheet.max_row + 1) if sheet.cell(n, 1).value == code)


def column_of(sheet, heading: str) -> int:
    return next(c.column for c in sheet[3] if c.value == heading)


def refused(data: bytes) -> list[Problem]:
    with pytest.raises(WorkbookRefused) as caught:
        read_workbook(data, "dienbien", CORE)
    assert caught.value.problems and str(caught.value)
    return caught.value.problems


def renamed(scheme, code="moi-2026", version=2) -> bytes:
    def change(book):
        set_header(book, "code", code)
        set_header(book, "version", version)
    return edited(scheme_workbook(scheme), change)


# ---- round trip ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_shipped_catalogue_comes_back_row_for_row(path):
    original = load_scheme(path, path.parent.parent.name)
    again = read_workbook(renamed(original), "imported", CORE)
    assert (again.code, again.version, again.origin) == ("moi-2026", 2, "imported")
    assert [whole_row(row) for row in again.rows] == [whole_row(row) for row in original.rows]
    for name in HEADER:
        assert getattr(again, name) == getattr(original, name), name
    # the scheme is the TOML the loader validated, kept as the scheme's content
    assert parse_scheme(again.content.encode(), "x.toml", "imported").sha256 == again.sha256


def test_the_workbook_has_the_table_first_then_the_header_and_the_guide():
    book = load_workbook(io.BytesIO(scheme_workbook(shipped("dienbien-so-2022"))))
    assert book.sheetnames == ["Chỉ số", "Thông tin chung", "Hướng dẫn"]
    assert book.active.title == "Chỉ số"
    header = {line[2]: line[1] for line in book["Thông tin chung"].iter_rows(values_only=True)}
    assert header["source.number"] == "2001/QĐ-UBND" and header["source.date"] == "31/10/2022"
    assert header["kind"] == "Chấm điểm" and header["unit_types"] == "Sở, ban, ngành"
    sheet = book["Chỉ số"]
    pillar, method = column_of(sheet, "Trụ cột"), column_of(sheet, "Cách chấm")
    assert sheet.cell(line_of(sheet, "1"), pillar).value == "Nhận thức số"
    assert sheet.cell(line_of(sheet, "1.1"), pillar).value is None  # inherited, not repeated
    assert sheet.cell(line_of(sheet, "1.1"), method).value == "Có / không"
    guide = [line[0] for line in book["Hướng dẫn"].iter_rows(values_only=True)]
    assert "Cách chấm" in guide and "Chính quyền số" in guide and "Phường" in guide


def test_labels_keys_and_a_header_line_without_its_key_read_alike():
    original = shipped("dienbien-so-2022")

    def change(book):
        sheet = book["Chỉ số"]
        sheet.cell(line_of(sheet, "1.1"), column_of(sheet, "Cách chấm")).value = "boolean"
        sheet.cell(line_of(sheet, "1"), column_of(sheet, "Trụ cột")).value = "nhan_thuc"
        sheet.cell(line_of(sheet, "1.2"), column_of(sheet, "Kỳ")).value = "nam"
        book["Thông tin chung"].cell(header_line(book, "family"), 3).value = None
    again = read_workbook(edited(scheme_workbook(original), change), "x", CORE)
    assert [whole_row(r) for r in again.rows] == [whole_row(r) for r in original.rows]
    assert again.family == "dienbien-so"


def test_a_measured_row_keeps_its_source(tmp_path):
    path = tmp_path / "do-2026.toml"
    path.write_text('''[scheme]
code = "do-2026"
family = "do"
title = "Bộ thử"
version = 1
first_year = 2026
kind = "points"
max_points = 10
unit_types = ["xa", "phuong"]
evidence_required = true
source = { number = "1/QĐ-UBND", date = "2026-01-05", issuer = "UBND tỉnh" }

[[row]]
code = "1"
title = "Chính quyền số"
max_points = 10
pillar = "chinh_quyen"

[[row]]
code = "1.1"
title = "Tỷ lệ hồ sơ trực tuyến"
max_points = 6
method = "ratio"
measured = { source = "Cổng dịch vụ công" }

[[row]]
code = "1.2"
title = "Có kế hoạch chuyển đổi số"
max_points = 4
method = "boolean"
''', encoding="utf-8")
    original = load_scheme(path, "demo")
    again = read_workbook(renamed(original), "demo", CORE)
    assert again.by_code["1.1"].measured_source == "Cổng dịch vụ công"
    assert again.by_code["1.1"].as_json()["measured"] == {"source": "Cổng dịch vụ công"}
    assert not again.by_code["1.1"].evidence_required and again.by_code["1.2"].evidence_required
    assert [whole_row(r) for r in again.rows] == [whole_row(r) for r in original.rows]


def test_a_plugin_s_own_method_is_written_by_its_label_and_read_back(tmp_path):
    own = ScoringMethod("doc_lap", "Chấm theo thang riêng của tỉnh", "measured",
                        propose=lambda row, entry, context: None)
    methods = {**CORE, own.name: own}
    labels = {name: method.label for name, method in methods.items()}
    path = tmp_path / "rieng-2026.toml"
    path.write_text('''[scheme]
code = "rieng-2026"
family = "rieng"
title = "Bộ có cách chấm riêng"
version = 1
first_year = 2026
kind = "points"
max_points = 5
unit_types = ["so"]
source = { number = "2/QĐ-UBND" }

[[row]]
code = "1"
title = "Thể chế số"
max_points = 5
pillar = "the_che"

[[row]]
code = "1.1"
title = "Tỷ lệ văn bản ký số"
max_points = 5
method = "doc_lap"
measure = "%"
''', encoding="utf-8")
    original = load_scheme(path, "rieng", methods)
    data = edited(scheme_workbook(original, labels),
                  lambda book: set_header(book, "code", "rieng-2027"))
    sheet = load_workbook(io.BytesIO(data))["Chỉ số"]
    assert sheet.cell(line_of(sheet, "1.1"), column_of(sheet, "Cách chấm")).value == own.label
    again = read_workbook(data, "rieng", methods)
    assert again.by_code["1.1"].method == "doc_lap" and again.by_code["1.1"].input == "percent"
    assert [whole_row(r) for r in again.rows] == [whole_row(r) for r in original.rows]
    with pytest.raises(WorkbookRefused, match="Chấm theo thang riêng"):
        read_workbook(data, "rieng", CORE)  # without the plugin its method names nothing


# ---- refusals --------------------------------------------------------------------------------

def test_a_parent_that_is_not_the_sum_of_its_children_is_placed():
    def change(book):
        sheet = book["Chỉ số"]
        sheet.cell(line_of(sheet, "2"), 3).value = 45  # typed over its =SUM (10+10+15+15)
    problems = refused(edited(scheme_workbook(shipped("dienbien-so-2022")), change))
    book = load_workbook(io.BytesIO(scheme_workbook(shipped("dienbien-so-2022"))))
    assert [(p.sheet, p.row, p.column) for p in problems] == \
        [("Chỉ số", line_of(book["Chỉ số"], "2"), "C")]
    assert "45" in problems[0].message and "50" in problems[0].message
    assert str(problems[0]).startswith(f"Trang «Chỉ số», dòng {problems[0].row}, "
                                       "cột C (Điểm tối đa): ")


def test_a_total_other_than_the_declared_one_names_the_header_line():
    def change(book):
        sheet = book["Chỉ số"]
        sheet.cell(line_of(sheet, "1.2"), 3).value = 20  # its parent's =SUM follows: 505
    data = edited(scheme_workbook(shipped("dienbien-so-2022")), change)
    [problem] = refused(data)
    book = load_workbook(io.BytesIO(data))
    assert (problem.sheet, problem.row, problem.column) == \
        ("Thông tin chung", header_line(book, "max_points"), "B")
    assert "505" in problem.message and "500" in problem.message


def test_a_repeated_code_names_its_second_line():
    def change(book):
        sheet = book["Chỉ số"]
        sheet.cell(line_of(sheet, "1.3"), 1).value = "1.2"
    data = edited(scheme_workbook(shipped("dienbien-so-2022")), change)
    [problem] = refused(data)
    book = load_workbook(io.BytesIO(scheme_workbook(shipped("dienbien-so-2022"))))
    assert (problem.sheet, problem.row, problem.column) == \
        ("Chỉ số", line_of(book["Chỉ số"], "1.3"), "A")
    assert "trùng" in problem.message


def test_every_unreadable_cell_is_reported_at_once():
    book = load_workbook(io.BytesIO(scheme_workbook(shipped("dienbien-so-2022"))))
    sheet = book["Chỉ số"]
    method, pillar = column_of(sheet, "Cách chấm"), column_of(sheet, "Trụ cột")
    bad = {(line_of(sheet, "1.1"), method): "Bốc thăm", (line_of(sheet, "2.1"), 3): "mười",
           (line_of(sheet, "3"), pillar): "Vũ trụ số", (line_of(sheet, "3.1"), 3): -4,
           (line_of(sheet, "4.1"), column_of(sheet, "Cần tài liệu kiểm chứng")): "chắc là có"}

    def change(book):
        for (line, column), value in bad.items():
            book["Chỉ số"].cell(line, column).value = value
        set_header(book, "first_year", "năm sau")
    problems = refused(edited(scheme_workbook(shipped("dienbien-so-2022")), change))
    where = {(p.row, p.column) for p in problems if p.sheet == "Chỉ số"}
    assert where == {(line, sheet.cell(line, column).column_letter) for line, column in bad}
    unknown = next(p for p in problems if p.row == line_of(sheet, "1.1"))
    assert "Bốc thăm" in unknown.message and "Có / không" in unknown.message
    assert unknown.heading == "Cách chấm"
    year = next(p for p in problems if p.sheet == "Thông tin chung")
    assert (year.row, year.column) == (header_line(book, "first_year"), "B")
    assert "năm" in year.message


def test_a_formula_we_cannot_work_out_without_excel_s_value_is_refused():
    def change(book):
        sheet = book["Chỉ số"]
        sheet.cell(line_of(sheet, "1.1"), 3).value = "=INT(C6)"  # openpyxl saves no value
    data = edited(scheme_workbook(shipped("dienbien-so-2022")), change)
    problems = refused(data)
    sheet = load_workbook(io.BytesIO(data))["Chỉ số"]
    # the row, and its parent whose =SUM counts it
    assert {(p.row, p.column) for p in problems} == {(line_of(sheet, "1.1"), "C"),
                                                    (line_of(sheet, "1"), "C")}
    assert all("công thức" in p.message for p in problems)


def test_a_body_formula_reaching_a_range_through_a_title_cell_is_not_worked_out():
    # =A1 is a plain reference, but A1 sums a range far below the table: working it out would
    # create every cell of the range (to line 1,048,576 it stalls the worker)
    def change(book):
        sheet = book["Chỉ số"]
        sheet["A1"] = "=SUM(A2:Z5000)"
        sheet.cell(line_of(sheet, "1.1"), 3).value = "=A1"
    data = edited(scheme_workbook(shipped("dienbien-so-2022")), change)
    problems = refused(data)
    sheet = load_workbook(io.BytesIO(data))["Chỉ số"]
    assert {(p.row, p.column) for p in problems} == {(line_of(sheet, "1.1"), "C"),
                                                    (line_of(sheet, "1"), "C")}
    assert all("công thức" in p.message for p in problems)


def test_computed_refuses_a_reference_outside_its_bounds_before_making_cells():
    from openpyxl import Workbook

    from app.xlsx_values import computed
    sheet = Workbook().active
    sheet["A1"], sheet["B5"], sheet["C5"] = "=SUM(A2:XFD1048576)", "=A1", "=B5+1"
    sheet["D5"], sheet["E5"], sheet["F5"] = 2, "=SUM(D5:D6)", "=ZZ5"
    found = computed(sheet, ["B5", "C5", "E5", "F5", "A90000"], bounds=(100, 60))
    assert found == {"E5": 2}  # inside: worked out; A1's range and ZZ5 are outside
    assert len(sheet._cells) < 20


def test_a_column_the_template_does_not_have_is_refused_not_dropped():
    def change(book):
        sheet = book["Chỉ số"]
        sheet.cell(3, sheet.max_column + 1).value = "Ghi chú riêng"
    [problem] = refused(edited(scheme_workbook(shipped("dienbien-so-2022")), change))
    assert (problem.sheet, problem.row) == ("Chỉ số", 3) and "Ghi chú riêng" in problem.message


def test_a_year_outside_the_range_is_refused_at_its_line():
    data = edited(scheme_workbook(shipped("dienbien-so-2022")),
                  lambda book: set_header(book, "first_year", 1890))
    [problem] = refused(data)
    assert (problem.sheet, problem.column) == ("Thông tin chung", "B")
    assert problem.row == header_line(load_workbook(io.BytesIO(data)), "first_year")
    assert str(problem) == (f"Trang «Thông tin chung», dòng {problem.row}, cột B (Áp dụng từ "
                            "năm): phải là một năm, ví dụ 2026 (số nguyên từ 1990 đến 2100)")
    # a last year before the first: the loader's refusal, on the line of the field it names
    data = edited(scheme_workbook(shipped("dienbien-so-2022")),
                  lambda book: set_header(book, "last_year", 2020))
    [problem] = refused(data)
    assert (problem.sheet, problem.column) == ("Thông tin chung", "B")
    assert problem.row == header_line(load_workbook(io.BytesIO(data)), "last_year")
    assert "2020" in problem.message and "2022" in problem.message


def test_a_file_that_is_not_a_workbook_is_refused_whole():
    whole = scheme_workbook(shipped("dienbien-so-2022"))
    middle = len(whole) // 2
    damaged = whole[:middle] + bytes(b ^ 0xFF for b in whole[middle:middle + 64]) + \
        whole[middle + 64:]
    for data in (b"", b"not a spreadsheet", b"PK\x03\x04" + b"\0" * 100, whole[:-300], damaged):
        [problem] = refused(data)
        assert (problem.sheet, problem.row, problem.column) == ("", None, None)
        assert str(problem).startswith("Tệp Excel: ")


def test_an_oversized_upload_and_a_zip_bomb_are_refused_before_reading():
    [problem] = refused(b"PK" + b"\0" * MAX_BYTES)
    assert "MB" in problem.message
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 2**20))
    [problem] = refused(bomb.getvalue())
    assert problem.sheet == "" and "giải nén" in problem.message


def test_a_workbook_without_its_sheets_or_too_long_is_refused():
    def drop(book):
        del book["Thông tin chung"]
    [problem] = refused(edited(scheme_workbook(shipped("dienbien-so-2022")), drop))
    assert "Thông tin chung" in problem.message

    def lengthen(book):
        book["Chỉ số"].cell(2500, 1).value = "9.9"
    [problem] = refused(edited(scheme_workbook(shipped("dienbien-so-2022")), lengthen))
    assert problem.sheet == "Chỉ số" and "2000" in problem.message

    def long_title(book):
        book["Chỉ số"].cell(5, 2).value = "x" * 5000
    [problem] = refused(edited(scheme_workbook(shipped("dienbien-so-2022")), long_title))
    assert (problem.row, problem.column) == (5, "B") and "ký tự" in problem.message


# ---- the difference of two versions ----------------------------------------------------------

def test_the_difference_of_an_edited_export_is_exactly_the_edits():
    earlier = shipped("dienbien-so-2022")

    def change(book):
        sheet = book["Chỉ số"]
        sheet.cell(line_of(sheet, "1.1"), 2).value = "Người đứng đầu trực tiếp chỉ đạo"
        sheet.cell(line_of(sheet, "1.2"), 3).value = 20  # 15 → 20: «1» follows, 50 → 55
        sheet.cell(line_of(sheet, "1.3"), column_of(sheet, "Cách chấm")).value = \
            "Tỷ lệ × điểm tối đa"
        for cell in sheet[line_of(sheet, "2.4")]:  # 15 points less: «2» follows, 50 → 35
            cell.value = None
        new = sheet.max_row + 1
        sheet.cell(new, 1).value, sheet.cell(new, 2).value = "6.99", "Chỉ số mới"
        sheet.cell(new, 3).value = 0
        set_header(book, "max_points", 490)
        set_header(book, "code", "dienbien-so-2026")
    later = read_workbook(edited(scheme_workbook(earlier), change), "dienbien", CORE)
    found = [(c.kind, c.code, c.before, c.after) for c in differences(earlier, later)]
    assert found == [
        ("total_changed", None, 500, 490),
        ("max_changed", "1", 50, 55),
        ("retitled", "1.1", earlier.by_code["1.1"].title, "Người đứng đầu trực tiếp chỉ đạo"),
        ("max_changed", "1.2", 15, 20),
        ("method_changed", "1.3", "boolean", "ratio"),
        ("max_changed", "2", 50, 35),
        ("added", "6.99", None, "Chỉ số mới"),
        ("removed", "2.4", earlier.by_code["2.4"].title, None),
    ]
    labels = [c.label for c in differences(earlier, later)]
    assert labels[1] == "Dòng 1: đổi điểm tối đa «50» → «55»"
    assert labels[6] == "Thêm dòng 6.99: Chỉ số mới"


def test_an_unchanged_version_differs_in_nothing():
    earlier = shipped("yenbai-xa-2022")
    assert differences(earlier, read_workbook(renamed(earlier), "yenbai", CORE)) == []


def test_moving_a_main_index_to_another_pillar_is_one_change():
    earlier = shipped("dienbien-so-2022")

    def change(book):
        sheet = book["Chỉ số"]
        sheet.cell(line_of(sheet, "1"), column_of(sheet, "Trụ cột")).value = "Xã hội số"
    later = read_workbook(edited(scheme_workbook(earlier), change), "dienbien", CORE)
    assert [(c.kind, c.code) for c in differences(earlier, later)] == [("pillar_changed", "1")]


def test_a_threshold_changed_on_a_target_plan_is_one_change():
    earlier = shipped("yenbai-xa-2022")

    def change(book):
        sheet = book["Chỉ số"]
        sheet.cell(line_of(sheet, "CB.1.2"), column_of(sheet, "Chỉ tiêu: Xã")).value = 95
    later = read_workbook(edited(scheme_workbook(earlier), change), "yenbai", CORE)
    before = earlier.by_code["CB.1.2"].targets
    assert [(c.kind, c.code, c.before, c.after) for c in differences(earlier, later)] == \
        [("targets_changed", "CB.1.2", before, {**before, "xa": 95})]


def test_a_version_too_large_for_its_column_is_refused_at_its_line():
    data = edited(scheme_workbook(shipped("dienbien-so-2022")),
                  lambda book: set_header(book, "version", 99999999999))
    [problem] = refused(data)
    assert (problem.sheet, problem.column) == ("Thông tin chung", "B")
    assert problem.row == header_line(load_workbook(io.BytesIO(data)), "version")
    assert "từ 1 đến 9999" in problem.message
