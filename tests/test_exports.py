"""Excel and CSV exports: one assessment, a period's score sheet and ranking, through the web
and the API. Every workbook is opened with openpyxl; its formulas are evaluated here against the
cells they name, so a sum that points at the wrong cells fails."""
from __future__ import annotations

import csv
import io
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import clock, tenancy
from app.extensions import db
from app.models import Answer, Period, Unit, User
from app.services import assessments as svc
from tests.conftest import province_id
from tests.test_api import call  # noqa: F401  (the API fixture: call(role)(method, url))
from tests.test_rankings import departments, make, publish, scores_summing

SCHEME = "dienbien-so-2022"
OWN = "dienbien.so-tttt"
FORM = f"/assessments/{SCHEME}/2022/{OWN}"
RANKING = f"/rankings/{SCHEME}/2022"
API = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- a small evaluator for the formulas the exports write -----------------------------------
class Number(float):
    """A cell's number; dividing by an empty or zero cell gives NaN as Excel's #DIV/0!."""

    def __truediv__(self, other):
        return Number(float("nan")) if not other else Number(float(self) / other)


def evaluate(sheet, ref: str):
    """The value of a cell, computing =SUM, =ROUND, =IF and arithmetic over other cells."""
    value = sheet[ref].value
    if not (isinstance(value, str) and value.startswith("=")):
        return value

    def cell(name):
        found = evaluate(sheet, name)
        return Number(found) if isinstance(found, (int, float)) else (found or Number(0))

    def cells(first, last):
        return [cell(c.coordinate) for line in sheet[f"{first}:{last}"] for c in line]

    def total(*args):
        flat = [v for a in args for v in (a if isinstance(a, list) else [a])]
        return Number(sum(v for v in flat if isinstance(v, float)))

    def rounded(x, digits):
        return Number(Decimal(str(x)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP))

    expression = re.sub(r"\b([A-Z]{1,3}\d+)(?::([A-Z]{1,3}\d+))?\b",
                        lambda m: f"cells('{m[1]}','{m[2]}')" if m[2] else f"cell('{m[1]}')",
                        value[1:])
    expression = expression.replace("SUM(", "total(").replace("ROUND(", "rounded(")
    if expression.startswith("IF("):  # =IF(condition,then,"") is the only IF written
        condition, then, otherwise = top_level_arguments(expression[3:-1])
        expression = f"({then} if {condition} else {otherwise})"
    return eval(expression, {"cell": cell, "cells": cells, "total": total, "rounded": rounded})


def top_level_arguments(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    return parts + [text[start:]]


def lines_by_code(sheet, first=5) -> dict[str, int]:
    return {str(sheet.cell(n, 1).value): n for n in range(first, sheet.max_row + 1)
            if sheet.cell(n, 1).value is not None}


def column_of(sheet, heading: str, line: int = 4) -> str:
    for cell in sheet[line]:
        if cell.value == heading:
            return cell.column_letter
    raise AssertionError(f"no column «{heading}» in {[c.value for c in sheet[line]]}")


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.data))


def assert_printable(sheet, freeze: str, title_rows: str) -> None:
    assert sheet.freeze_panes == freeze
    assert sheet.print_title_rows == title_rows
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True


# -- filling an assessment through the form's own service -----------------------------------
def fill(app, forms: dict[str, dict], unit=OWN, scheme=SCHEME, province="dienbien"):
    """Save rows as the unit's user would from the web form (parse_row, audit trail)."""
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        registry = app.extensions["chiso"]
        period = db.session.scalar(select(Period).where(Period.scheme_code == scheme,
                                                        Period.code == "2022"))
        found = db.session.scalar(select(Unit).where(Unit.code == unit))
        user = db.session.scalar(select(User).where(User.role == "province_admin"))
        assessment = svc.get_assessment(registry.schemes[scheme], period, found, create=True)
        for code, form in forms.items():
            svc.save_row(assessment, registry.schemes[scheme].by_code[code], form, user,
                         clock.today(), period)


FILLED = {
    "1.1": {"value": "1"},  # yes: proposes 10 of 10
    "1.2": {"self_score": "12,5", "explanation": "Đã họp 4 lần"},
    "3.1": {"numerator": "45", "denominator": "50"},  # 90 % of 20 points: 18
    "5.7": {"not_assessed": "1", "not_assessed_reason": "Không có kinh phí riêng"},
}


def test_an_assessment_exports_like_the_decisions_table(app, as_user):
    fill(app, FILLED)
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        answer = db.session.scalar(select(Answer).where(Answer.code == "1.2"))
        answer.appraised_score, answer.appraisal_comment = Decimal(10), "Thiếu biên bản họp"
        db.session.commit()
    book = workbook(as_user("unit_user", "dienbien").get(f"{FORM}/export.xlsx"))
    sheet = book["Hồ sơ đánh giá"]
    assert sheet["A1"].value.startswith("BỘ CHỈ SỐ CHUYỂN ĐỔI SỐ")
    assert "Năm 2022" in sheet["A2"].value and "Sở Thông tin và Truyền thông" in sheet["A2"].value
    assert "2001/QĐ-UBND" in sheet["A3"].value and "đang nhập" in sheet["A3"].value
    assert [c.value for c in sheet[4]] == [
        "Mã", "Chỉ số", "Điểm tối đa", "Giá trị", "Tử số", "Mẫu số",
        "Điểm tự chấm", "Điểm thẩm định", "Nhận xét thẩm định", "Giải trình"]
    line = lines_by_code(sheet)
    col = {c.value: c.column_letter for c in sheet[4]}
    assert sheet[f"{col['Giá trị']}{line['1.1']}"].value == "Có"
    assert sheet[f"{col['Điểm tự chấm']}{line['1.1']}"].value == 10  # a number, not text
    assert sheet[f"{col['Điểm tự chấm']}{line['1.2']}"].value == 12.5
    assert sheet[f"{col['Điểm thẩm định']}{line['1.2']}"].value == 10
    assert sheet[f"{col['Nhận xét thẩm định']}{line['1.2']}"].value == "Thiếu biên bản họp"
    assert sheet[f"{col['Giải trình']}{line['1.2']}"].value == "Đã họp 4 lần"
    assert evaluate(sheet, f"{col['Giá trị']}{line['3.1']}") == 90  # a formula of 45 / 50
    assert sheet[f"{col['Giá trị']}{line['5.7']}"].value == "Không đánh giá"
    # Each main index and the total are sums of the cells below them.
    assert sheet[f"{col['Điểm tối đa']}{line['1']}"].value.startswith("=SUM(")
    assert evaluate(sheet, f"{col['Điểm tối đa']}{line['1']}") == 50
    assert evaluate(sheet, f"{col['Điểm tự chấm']}{line['1']}") == 22.5
    assert evaluate(sheet, f"{col['Điểm tự chấm']}{line['3']}") == 18
    total = sheet.max_row - 1
    assert sheet[f"B{total}"].value == "Tổng cộng"
    assert evaluate(sheet, f"{col['Điểm tối đa']}{total}") == 500
    assert evaluate(sheet, f"{col['Điểm tự chấm']}{total}") == 40.5
    # 5.7 (5 points) not assessed leaves the maximum: 40.5 of 495
    assert evaluate(sheet, f"{col['Điểm tự chấm']}{total + 1}") == round(40.5 / 495 * 100, 2)
    assert_printable(sheet, "C5", "$4:$4")
    assert sheet.column_dimensions["B"].width == 60
    assert sheet[f"B{line['1.2']}"].alignment.wrap_text
    identity = book["chiso"]
    assert identity.sheet_state == "hidden"
    assert [identity[f"B{n}"].value for n in range(2, 6)] == [SCHEME, 1, "2022", OWN]


def test_the_template_shades_and_unlocks_only_the_cells_to_fill(app, as_user):
    fill(app, FILLED)
    book = workbook(as_user("unit_user", "dienbien").get(f"{FORM}/import-template.xlsx"))
    sheet = book["Hồ sơ đánh giá"]
    line, col = lines_by_code(sheet), {c.value: c.column_letter for c in sheet[4]}
    assert sheet.protection.sheet
    assert not sheet[f"{col['Điểm tự chấm']}{line['1.2']}"].protection.locked
    assert not sheet[f"{col['Tử số']}{line['3.1']}"].protection.locked
    assert sheet[f"{col['Điểm tự chấm']}{line['1']}"].protection.locked  # a sum
    assert sheet[f"A{line['1.2']}"].protection.locked  # the codes stay as they are
    assert sheet[f"{col['Điểm thẩm định']}{line['1.2']}"].protection.locked
    assert sheet[f"{col['Điểm tự chấm']}{line['1.2']}"].value == 12.5  # what is stored
    lists = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert '"Có,Không,Không đánh giá"' in lists
    assert "Hướng dẫn" in book.sheetnames and book["chiso"].sheet_state == "hidden"


def test_assessment_downloads_follow_the_forms_visibility(app, as_user, client):
    other = departments(app, 2)[1]
    unit = as_user("unit_user", "dienbien")
    assert unit.get(f"/assessments/{SCHEME}/2022/{other}/export.xlsx").status_code == 404
    assert unit.get(f"/assessments/{SCHEME}/2022/{other}/import-template.xlsx").status_code == 404
    client.post("/logout")
    assert as_user("viewer", "dienbien").get(f"{FORM}/export.xlsx").status_code == 404
    client.post("/logout")
    admin = as_user("province_admin", "dienbien")
    assert admin.get(f"/assessments/{SCHEME}/2022/{other}/export.xlsx").status_code == 200
    client.post("/logout")
    assert as_user("province_admin", "thanhhoa").get(f"{FORM}/export.xlsx").status_code == 404


# -- a period: score sheet and ranking ------------------------------------------------------
@pytest.fixture
def period_results(app):
    """Three departments appraised: 400, 300 (with 5.7 not assessed) and 300 points."""
    a, b, c = departments(app, 3)
    make(app, a, scores_summing(app, 400))
    make(app, b, scores_summing(app, 300, skip=("5.7",)), not_assessed=("5.7",))
    make(app, c, scores_summing(app, 300))
    return a, b, c


def test_the_score_sheet_sums_each_main_index_and_the_total(app, as_user, period_results):
    a, b, c = period_results
    book = workbook(as_user("province_admin", "dienbien").get(f"{RANKING}/scoresheet.xlsx"))
    sheet = book.active
    assert sheet["A1"].value.startswith("BỘ CHỈ SỐ") and "Năm 2022" in sheet["A2"].value
    assert "Chưa công bố" in sheet["A3"].value
    lines = {sheet.cell(n, 2).value: n for n in range(7, sheet.max_row + 1)}
    total, top, share = (column_of(sheet, h) for h in ("Tổng điểm", "Tối đa", "Tỷ lệ (%)"))
    assert sheet[f"{total}{lines[a]}"].value.startswith("=SUM(")
    assert evaluate(sheet, f"{total}{lines[a]}") == 400
    assert evaluate(sheet, f"{total}{lines[b]}") == 300
    assert sheet[f"{top}{lines[b]}"].value == 495  # 5.7 not assessed
    assert evaluate(sheet, f"{share}{lines[b]}") == round(300 / 495 * 100, 2)
    assert evaluate(sheet, f"{share}{lines[a]}") == 80
    # The main index 1 subtotal sums its four leaves; the maxima row sums to the decision's 500.
    main_one = column_of(sheet, "Cộng 1", 5)
    assert sheet[f"{main_one}{lines[a]}"].value.startswith("=SUM(")
    assert evaluate(sheet, f"{main_one}{lines[a]}") == 50
    assert evaluate(sheet, f"{main_one}6") == 50 and evaluate(sheet, f"{total}6") == 500
    assert sheet[f"{column_of(sheet, '5.7', 5)}{lines[b]}"].value == "KĐG"
    # ranked by percentage: 300 of 495 (60.61 %) before 300 of 500
    assert [sheet.cell(lines[u], 1).value for u in (a, b, c)] == [1, 2, 3]
    # Printed on A4 by main index, readable: never shrunk to one page wide (3.5 pt), a page
    # break after each main index's subtotal, unit columns and headings on every page.
    assert sheet.freeze_panes == "D7" and sheet.print_title_rows == "$4:$6"
    assert sheet.print_title_cols == "$A:$C"
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9
    assert not sheet.sheet_properties.pageSetUpPr.fitToPage
    assert 11 * sheet.page_setup.scale / 100 >= 8  # 11-point text printed at ≥ 8 pt
    subtotals = [cell.column for cell in sheet[5] if str(cell.value).startswith("Cộng ")]
    assert [b.id for b in sheet.col_breaks.brk] == subtotals[:-1]


def test_the_ranking_workbook_and_csv(app, as_user, period_results):
    a, b, c = period_results
    admin = as_user("province_admin", "dienbien")
    sheet = workbook(admin.get(f"{RANKING}/ranking.xlsx")).active
    assert [cell.value for cell in sheet[4]] == ["Hạng", "Mã đơn vị", "Đơn vị", "Tổng điểm",
                                                 "Tối đa", "Tỷ lệ (%)",
                                                 "Thay đổi so với kỳ trước", "Trạng thái hồ sơ"]
    assert sheet["A5"].value == "Sở, ban, ngành và cơ quan cấp tỉnh"  # the group's heading
    assert [sheet[f"{x}6"].value for x in "ABDE"] == [1, a, 400, 500]
    assert sheet["F6"].value == "=ROUND(D6/E6*100,2)" and evaluate(sheet, "F6") == 80
    assert sheet["H6"].value == "Đã thẩm định"
    assert_printable(sheet, "D5", "$4:$4")

    response = admin.get(f"{RANKING}/ranking.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Nhóm đơn vị", "Hạng", "Mã đơn vị", "Đơn vị"]
    first = dict(zip(rows[0], rows[1]))
    assert (first["Hạng"], first["Mã đơn vị"], first["Tổng điểm"], first["Tỷ lệ (%)"]) == \
        ("1", a, "400", "80")
    assert first["Đơn vị"] == "Sở Thông tin và Truyền thông"
    second = dict(zip(rows[0], rows[2]))
    assert second["Tối đa"] == "495" and second["Tỷ lệ (%)"] == "60.61"


def test_the_score_sheet_csv(app, as_user, period_results):
    a, b, _c = period_results
    response = as_user("province_admin", "dienbien").get(f"{RANKING}/scoresheet.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header = rows[0]
    assert {"1.1", "6.14", "Cộng 1", "Tổng điểm", "Tối đa", "Tỷ lệ (%)"} <= set(header)
    by_unit = {line[2]: dict(zip(header, line)) for line in rows[1:]}
    assert by_unit[a]["Cộng 1"] == "50" and by_unit[a]["Tổng điểm"] == "400"
    assert by_unit[b]["5.7"] == "KĐG"
    leaves = [h for h in header if re.fullmatch(r"\d+\.\d+", h)]
    assert sum(Decimal(by_unit[a][h] or 0) for h in leaves) == 400


def test_results_downloads_wait_for_publication_for_units_and_viewers(app, as_user, client,
                                                                      period_results):
    files = ["ranking.xlsx", "ranking.csv", "scoresheet.xlsx", "scoresheet.csv"]
    for role in ("unit_user", "viewer"):
        user = as_user(role, "dienbien")
        for name in files:
            response = user.get(f"{RANKING}/{name}")
            assert response.status_code == 404, (role, name)
            assert "chưa được công bố" in response.get_data(as_text=True)
        assert "ranking.xlsx" not in user.get(RANKING).get_data(as_text=True)
        client.post("/logout")
    publish(app)
    viewer = as_user("viewer", "dienbien")
    assert all(viewer.get(f"{RANKING}/{name}").status_code == 200 for name in files)
    assert "ranking.xlsx" in viewer.get(RANKING).get_data(as_text=True)
    sheet = workbook(viewer.get(f"{RANKING}/ranking.xlsx")).active
    assert "Đã công bố" in sheet["A3"].value and sheet["H4"].value is None  # no state column


# -- the API --------------------------------------------------------------------------------
def test_api_exports_with_a_token(app, call, as_user, period_results):  # noqa: F811
    admin, unit, viewer = call("province_admin"), call("unit_user"), call("viewer")
    base = f"{API}/exports/{SCHEME}/2022"
    sheet = workbook(admin("GET", f"{base}/ranking.xlsx")).active
    assert sheet["B6"].value == period_results[0]
    api_sheet = workbook(admin("GET", f"{base}/scoresheet.xlsx")).active
    page_sheet = workbook(as_user("province_admin", "dienbien").get(
        f"{RANKING}/scoresheet.xlsx")).active
    assert [[c.value for c in row] for row in api_sheet.iter_rows(min_row=4)] == \
        [[c.value for c in row] for row in page_sheet.iter_rows(min_row=4)]  # every leaf score
    csv_file = admin("GET", f"{base}/ranking.csv")
    assert csv_file.status_code == 200 and csv_file.data.startswith(b"\xef\xbb\xbf")
    assert unit("GET", f"{base}/ranking.xlsx").status_code == 409  # not yet published
    assert app.test_client().get(f"{base}/ranking.xlsx").status_code == 401
    own = unit("GET", f"{base}/{OWN}/assessment.xlsx")
    assert workbook(own)["chiso"]["B5"].value == OWN
    other = period_results[1]
    assert unit("GET", f"{base}/{other}/assessment.xlsx").status_code == 404
    assert viewer("GET", f"{base}/{OWN}/assessment.xlsx").status_code == 403
    assert call("province_admin", "thanhhoa")("GET", f"{base}/ranking.xlsx").status_code == 404
    publish(app)
    assert unit("GET", f"{base}/ranking.csv").status_code == 200
    assert viewer("GET", f"{base}/{OWN}/assessment.xlsx").status_code == 200  # now published


def test_api_compare_is_for_the_superadmin_on_one_percent_scale(app, call):  # noqa: F811
    make(app, OWN, scores_summing(app, 400))
    assert call("province_admin")("GET", f"{API}/compare?period=2022").status_code == 403
    superadmin = call("superadmin", None)
    missing = superadmin("GET", f"{API}/compare")
    assert missing.status_code == 422 and "period" in missing.get_json()["errors"]["_"]
    body = superadmin("GET", f"{API}/compare?period=2022").get_json()
    assert body["period"] == "2022" and "nhan_thuc" in [p["code"] for p in body["pillars"]]
    dienbien = next(p for p in body["provinces"] if p["code"] == "dienbien")
    assert dienbien["measure"] == "points" and dienbien["total"]["percent"] == 80.0
    assert dienbien["total"]["units"] == 1 and dienbien["schemes"][0]["code"] == SCHEME
    assert {p["code"] for p in body["provinces"]} >= {"dienbien", "thanhhoa", "yenbai"}
    document = app.test_client().get(f"{API}/openapi.json").get_json()
    assert "Comparison" in document["components"]["schemas"]
    assert "403" in document["paths"][f"{API}/compare"]["get"]["responses"]
