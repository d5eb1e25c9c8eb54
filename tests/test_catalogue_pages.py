"""The catalogue pages and the Excel download, as a province official meets them."""
from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook

from tests.test_catalogues import scheme

ROW_ID = re.compile(r'<tr id="row-([^"]+)"')
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def row_codes(html: str) -> list[str]:
    return ROW_ID.findall(html)


# ---- who sees which catalogue -------------------------------------------------------------

def test_dienbien_user_sees_its_catalogue_and_not_thanhhoas(as_user):
    client = as_user("viewer", "dienbien")
    index = client.get("/catalogue").get_data(as_text=True)
    assert 'href="/catalogue/dienbien-so-2022"' in index
    assert "thanhhoa-huyen-2022" not in index

    page = client.get("/catalogue/dienbien-so-2022")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "BỘ CHỈ SỐ CHUYỂN ĐỔI SỐ CÁC CƠ QUAN CHUYÊN MÔN THUỘC ỦY BAN NHÂN DÂN TỈNH" in html
    assert row_codes(html) == [row.code for row in scheme("dienbien-so-2022").rows]
    assert client.get("/catalogue/thanhhoa-huyen-2022").status_code == 404
    assert client.get("/catalogue/thanhhoa-huyen-2022.xlsx").status_code == 404
    assert client.get("/catalogue/khong-co").status_code == 404


def test_anonymous_visitor_is_sent_to_login(client):
    for url in ("/catalogue/dienbien-so-2022", "/catalogue/dienbien-so-2022.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---- what the page shows -------------------------------------------------------------------

def test_points_page_shows_source_maxima_and_method(as_user):
    html = as_user("viewer", "thanhhoa").get("/catalogue/thanhhoa-huyen-2022").get_data(as_text=True)
    assert "3853/QĐ-UBND" in html and "09/11/2022" in html and "4162/QĐ-UBND" in html
    assert "1.000 điểm" in html  # Vietnamese thousands separator
    assert 'href="/catalogue/thanhhoa-huyen-2022.xlsx"' in html
    row_1_2_1 = html.split('id="row-1.2.1"')[1].split("</tr>")[0]
    assert '<td class="num">10</td>' in row_1_2_1
    row_3_1 = html.split('id="row-3.1"')[1].split("</tr>")[0]
    assert "Tỷ lệ × điểm tối đa" in row_3_1
    assert "<details><summary>Vì sao chấm theo cách này</summary>" in row_3_1
    row_7_7 = html.split('id="row-7.7"')[1].split("</tr>")[0]
    assert "Vỏ sò" in row_7_7 and "Văn bản in: «" in row_7_7 and "Vò sò" in row_7_7


def test_monitor_page_shows_periods_units_and_blank_decision_number(as_user):
    html = as_user("viewer", "yenbai").get("/catalogue/yenbai-kpi-2022").get_data(as_text=True)
    facts = html.split('<dl class="panel facts">')[1].split("</dl>")[0]
    assert "<dt>Văn bản số</dt><dd>—</dd>" in facts and "<dt>Ngày ban hành</dt><dd>—</dd>" in facts
    assert "Theo dõi (không chấm điểm)" in facts
    row_11 = html.split('id="row-11"')[1].split("</tr>")[0]
    assert "Quý" in row_11 and "Sở Nội vụ" in row_11 and "Phối hợp: Các sở, ban, ngành" in row_11
    row_24 = html.split('id="row-24"')[1].split("</tr>")[0]
    assert "Mục tiêu (Tỉnh): 20 %" in row_24


def test_target_page_shows_both_thresholds_and_raised_from(as_user):
    html = as_user("viewer", "yenbai").get("/catalogue/yenbai-xa-2022").get_data(as_text=True)
    assert "Chỉ tiêu Xã</th>" in html and "Chỉ tiêu Phường / Thị trấn</th>" in html
    cells = re.findall(r'<td class="threshold">([^<]*)</td>',
                       html.split('id="row-CB.1.2"')[1].split("</tr>")[0])
    assert cells == ["91", "93"]
    cells = re.findall(r'<td class="threshold">([^<]*)</td>',
                       html.split('id="row-CB.1.4"')[1].split("</tr>")[0])
    assert cells == ["100% hệ thống thông tin được phê duyệt"] * 2
    raised = html.split('id="row-NC.1.2"')[1].split("</tr>")[0]
    assert 'href="#row-CB.1.2"' in raised
    assert "<details><summary>Giải thích</summary>" in raised


# ---- the pillar filter ----------------------------------------------------------------------

def test_pillar_filter_fragment_for_htmx_whole_page_otherwise(as_user):
    client = as_user("viewer", "yenbai")
    xa = scheme("yenbai-xa-2022")
    url = "/catalogue/yenbai-xa-2022?pillar=kinh_te"

    fragment = client.get(url, headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "<h1>" not in html and "<table" in html
    assert "HX-Request" in fragment.headers["Vary"]
    shown = row_codes(html)
    assert [code for code in shown if xa.by_code[code].is_leaf] == ["CB.3.1", "CB.3.2", "NC.3.1"]
    for code in shown:  # the pillar's rows, and above them only the appendix they belong to
        assert xa.by_code[code].pillar == "kinh_te" or code in ("CB", "NC")

    page = client.get(url).get_data(as_text=True)
    assert "<html" in page and row_codes(page) == shown
    assert '<option value="kinh_te" selected>' in page
    assert 'hx-push-url="true"' in page and 'method="get"' in page
    restored = client.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restored.get_data(as_text=True)  # htmx's Back button needs the page


def test_pillar_filter_on_points_scheme(as_user):
    client = as_user("viewer", "dienbien")
    html = client.get("/catalogue/dienbien-huyen-2022?pillar=attt",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    expected = [row.code for row in scheme("dienbien-huyen-2022").rows if row.pillar == "attt"]
    assert row_codes(html) == expected and expected[0] == "5"


def test_unknown_pillar_shows_everything_and_says_so(as_user):
    html = as_user("viewer", "yenbai").get("/catalogue/yenbai-kpi-2022?pillar=vu-tru").get_data(as_text=True)
    assert "Trụ cột «vu-tru» không có trong bộ chỉ số này" in html
    assert len(row_codes(html)) == len(scheme("yenbai-kpi-2022").rows)


# ---- the Excel download ---------------------------------------------------------------------

def download(client, code):
    response = client.get(f"/catalogue/{code}.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert f'filename="{code}.xlsx"' in response.headers["Content-Disposition"]
    return load_workbook(BytesIO(response.data)).active


def sheet_rows(sheet):
    """Header, then the catalogue lines (code in column A) below it."""
    lines = list(sheet.iter_rows(min_row=3, values_only=True))
    return list(lines[0]), [line for line in lines[1:] if line[0] is not None]


def evaluate(sheet, ref: str) -> Decimal:
    """A cell's value, computing =SUM(C5,C6,…) the way Excel would."""
    value = sheet[ref].value
    if isinstance(value, str) and value.startswith("=SUM("):
        return sum(evaluate(sheet, part) for part in value[5:-1].split(","))
    return Decimal(str(value))


def test_excel_has_the_rows_in_order_and_sums_itself(as_user):
    client = as_user("viewer", "thanhhoa")
    sheet = download(client, "thanhhoa-huyen-2022")
    table = scheme("thanhhoa-huyen-2022")
    assert sheet["A1"].value == table.title
    assert "3853/QĐ-UBND" in sheet["A2"].value and "09/11/2022" in sheet["A2"].value
    header, lines = sheet_rows(sheet)
    assert header[:8] == ["STT/Mã", "Chỉ số", "Điểm tối đa", "Cách chấm", "Kỳ", "Đơn vị tính",
                          "Cơ quan chủ trì", "Cơ quan phối hợp"]
    assert [(line[0], line[1]) for line in lines] == [(row.code, row.title) for row in table.rows]
    assert sheet.freeze_panes == "C4"
    for line_number, row in enumerate(table.rows, start=4):
        cell = sheet.cell(line_number, 3)
        if row.children:
            assert cell.value.startswith("=SUM("), row.code
            assert evaluate(sheet, cell.coordinate) == row.max_points, row.code
        else:
            assert isinstance(cell.value, (int, float)) and cell.value == row.max_points, row.code
        assert sheet.cell(line_number, 2).font.b is (row.depth == 0), row.code
    assert sheet["C4"].value == "=SUM(C5,C6,C9,C10,C11,C12)"  # 1 = 1.1 + 1.2 + 1.3 … 1.6
    total_line = 4 + len(table.rows)
    assert evaluate(sheet, f"C{total_line}") == 1000


def test_excel_print_setup(as_user):
    sheet = download(as_user("viewer", "dienbien"), "dienbien-so-2022")
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4 in the OOXML paper codes
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet["B5"].alignment.wrap_text
    assert sheet.column_dimensions["B"].width >= 50


def test_excel_of_target_scheme_has_threshold_columns(as_user):
    sheet = download(as_user("viewer", "yenbai"), "yenbai-xa-2022")
    header, lines = sheet_rows(sheet)
    assert header[:2] == ["STT/Mã", "Chỉ tiêu"] and "Điểm tối đa" not in header
    xa, town = header.index("Chỉ tiêu: Xã"), header.index("Chỉ tiêu: Phường / Thị trấn")
    by_code = {line[0]: line for line in lines}
    assert (by_code["CB.1.2"][xa], by_code["CB.1.2"][town]) == (91, 93)
    assert by_code["NC.1.3"][xa].startswith("100% hệ thống thông tin được Triển khai")
    assert [line[0] for line in lines] == [row.code for row in scheme("yenbai-xa-2022").rows]
