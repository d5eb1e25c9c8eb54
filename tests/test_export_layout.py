"""Workbooks that other programs and printers read right: every formula carries its value
(pandas, openpyxl data_only) and rows grow with their wrapped text."""
import io

from openpyxl import load_workbook

from tests.test_exports import (FILLED, FORM, RANKING, column_of, evaluate, fill,  # noqa: F401
                                lines_by_code, period_results, workbook)


def both(response):
    """The workbook with its formulas and as a reader that does not recalculate sees it."""
    return workbook(response), load_workbook(io.BytesIO(response.data), data_only=True)


def test_formulas_carry_their_values(app, as_user, period_results):
    a, _b, _c = period_results
    formulas, values = both(as_user("province_admin", "dienbien").get(
        f"{RANKING}/scoresheet.xlsx"))
    sheet, seen = formulas.active, values.active
    checked = 0
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                expected = evaluate(sheet, cell.coordinate)
                got = seen[cell.coordinate].value
                assert got == (expected if expected != "" else None), cell.coordinate
                checked += 1
    assert checked > 25  # the maxima row and three units: subtotals, totals, shares
    lines = {sheet.cell(n, 2).value: n for n in range(7, sheet.max_row + 1)}
    assert seen[f"{column_of(sheet, 'Tổng điểm')}{lines[a]}"].value == 400


def test_assessment_totals_readable_without_recalculation(app, as_user):
    fill(app, FILLED)
    formulas, values = both(as_user("unit_user", "dienbien").get(f"{FORM}/export.xlsx"))
    sheet, seen = formulas["Hồ sơ đánh giá"], values["Hồ sơ đánh giá"]
    col = {c.value: c.column_letter for c in sheet[4]}
    total = sheet.max_row - 1
    assert seen[f"{col['Điểm tối đa']}{total}"].value == 500
    assert seen[f"{col['Điểm tự chấm']}{total}"].value == 40.5


def test_rows_grow_with_wrapped_text(app, as_user):
    fill(app, FILLED)
    sheet = workbook(as_user("unit_user", "dienbien").get(f"{FORM}/export.xlsx"))[
        "Hồ sơ đánh giá"]
    line = lines_by_code(sheet)
    longest = max(line, key=lambda code: len(str(sheet[f"B{line[code]}"].value or "")))
    title = str(sheet[f"B{line[longest]}"].value)
    assert len(title) > 120
    # 60 characters a line in column B: the row is at least as tall as its lines of 15 pt.
    assert sheet.row_dimensions[line[longest]].height >= 15 * (len(title) // 60)


def test_ranking_title_rows_do_not_overprint_the_header(app, as_user, period_results):
    ranking = workbook(as_user("province_admin", "dienbien").get(f"{RANKING}/ranking.xlsx")).active
    assert ranking.row_dimensions[1].height >= 36  # the scheme's long title: two lines at 14 pt
    assert ranking.row_dimensions[3].height and ranking.row_dimensions[3].height > 15


def test_catalogue_rows_grow_and_carry_values(as_user):
    response = as_user("province_admin", "dienbien").get("/catalogue/dienbien-so-2022.xlsx")
    formulas, values = both(response)
    sheet = formulas.active
    tall = [n for n in range(4, sheet.max_row + 1) if (sheet.row_dimensions[n].height or 0) > 30]
    assert tall, "long titles and explanations wrap onto taller rows"
    total = sheet.max_row
    points = next(c.column_letter for c in sheet[3] if c.value == "Điểm tối đa")
    assert values.active[f"{points}{total}"].value == 500


def test_the_csv_link_says_excel_users_want_the_xlsx(app, as_user, period_results):
    page = as_user("province_admin", "dienbien").get(RANKING).get_data(as_text=True)
    assert "Mở bằng Excel: dùng tệp Excel" in page and "bảng điểm (CSV)" in page
