"""The workbook of one assessment, and the import template: the same workbook with its
editable cells unlocked and shaded and the rest of the sheet protected (without a password) so
codes stay intact. Its format (layout, hidden sheet «chiso») is app.workbooks.assessment_format."""
from __future__ import annotations

from collections.abc import Mapping

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app.catalogue.excel import GRID, MAIN_FILL, WRAP, page_setup
from app.catalogue.model import Row, Scheme
from app.workbooks.assessment_format import (ASSESSMENT_SHEET, FIRST_ROW, HEADER_ROW,
                                             NOT_ASSESSED, assessment_columns, heading_of,
                                             is_editable, write_identity)
from app.workbooks.layout import TOTAL_FONT, Heading, header_row, number, save, title_rows
from app.xlsx_cells import Formula, append, put

EDIT_FILL = PatternFill("solid", fgColor="FFF2CC")  # the cells a template asks to fill
YES, NO = "Có", "Không"
WIDTHS = {"code": 9, "title": 60, "measure": 12, "threshold": 14, "max": 10, "value": 14,
          "numerator": 10, "denominator": 10, "self_score": 11, "appraised": 11, "comment": 36,
          "explanation": 40}


def rows_with_parents(scheme: Scheme, leaves: list[Row]) -> list[Row]:
    """The leaves and every row above them, in the decision's order."""
    wanted = set()
    for leaf in leaves:
        code = leaf.code
        while code is not None:
            wanted.add(code)
            code = scheme.by_code[code].parent
    return [row for row in scheme.rows if row.code in wanted]


def assessment_workbook(heading: Heading, leaves: list[Row], answers: Mapping[str, object],
                        template: bool = False, unit_type: str | None = None) -> bytes:
    """One unit's assessment as .xlsx: its rows with value, scores, comments; ``template``
    unlocks and shades the cells to fill and adds a guide."""
    scheme = heading.scheme
    keys = assessment_columns(scheme, leaves)
    book = Workbook()
    sheet = book.active
    sheet.title = ASSESSMENT_SHEET
    title_rows(sheet, heading.lines("Kết quả tự chấm và thẩm định" if scheme.kind == "points"
                                     else "Số liệu báo cáo"), len(keys))
    header_row(sheet, [heading_of(k, scheme) for k in keys], [WIDTHS[k] for k in keys])
    letters = {key: get_column_letter(i) for i, key in enumerate(keys, start=1)}
    rows = rows_with_parents(scheme, leaves)
    line_of = {row.code: FIRST_ROW + i for i, row in enumerate(rows)}
    for row in rows:
        _assessment_line(sheet, row, line_of, letters, answers.get(row.code), unit_type,
                         template, [c for c in row.children if c.code in line_of])
    if scheme.kind == "points":
        _assessment_totals(sheet, scheme, rows, line_of, letters, answers)
    sheet.column_dimensions[letters["code"]].number_format = "@"
    page_setup(sheet, f"{HEADER_ROW}:{HEADER_ROW}", f"C{FIRST_ROW}")
    if template:
        _template_extras(book, sheet, rows, line_of, letters)
    write_identity(book, heading.scheme, heading.period_code, heading.unit_code)
    return save(book)


def _assessment_line(sheet, row: Row, line_of, letters, answer, unit_type, template,
                     children: list[Row]) -> None:
    line = line_of[row.code]
    for key, letter in letters.items():
        cell = sheet[f"{letter}{line}"]
        if children:
            put(cell, _parent_cell(key, row, letter, [line_of[c.code] for c in children]))
        else:
            put(cell, _leaf_cell(key, row, answer, letters, line, unit_type))
        cell.border, cell.alignment = GRID, WRAP
        if row.depth == 0:
            cell.font, cell.fill = Font(bold=True), MAIN_FILL
        if template and not children and is_editable(key, row):
            cell.fill, cell.protection = EDIT_FILL, Protection(locked=False)
        if key == "value" and row.input == "amount":
            cell.number_format = "#,##0"
    sheet[f"{letters['title']}{line}"].alignment = Alignment(wrap_text=True, vertical="top",
                                                             indent=row.depth)


def _parent_cell(key: str, row: Row, letter: str, child_lines: list[int]):
    if key == "code":
        return row.code
    if key == "title":
        return row.title
    if key in ("max", "self_score", "appraised"):
        return Formula(f"=SUM({','.join(f'{letter}{n}' for n in child_lines)})")
    return None


def _leaf_cell(key: str, row: Row, answer, letters, line: int, unit_type: str | None):
    simple = {"code": row.code, "title": row.title, "measure": row.measure,
              "max": number(row.max_points)}
    if key in simple:
        return simple[key]
    if key == "threshold":
        target = (row.targets or {}).get(unit_type or "")
        return target if isinstance(target, str) else number(target)
    if key == "value":
        return _value_cell(row, answer, letters, line)
    if answer is None:
        return None
    if key in ("numerator", "denominator"):
        return number(getattr(answer, key)) if row.input == "fraction" else None
    if key == "self_score":
        return number(answer.self_score)
    if key == "appraised":
        return number(answer.appraised_score)
    if key == "comment":
        return answer.appraisal_comment
    return answer.explanation


def _value_cell(row: Row, answer, letters, line: int):
    if answer is not None and answer.not_assessed:
        return NOT_ASSESSED
    if row.input == "fraction":  # the percentage, computed from the two cells beside it
        num, den = f"{letters['numerator']}{line}", f"{letters['denominator']}{line}"
        return Formula(f'=IF({den}>0,ROUND({num}/{den}*100,2),"")')
    if answer is None or row.input == "score":
        return None
    if row.input == "boolean":
        return None if answer.value is None else (YES if answer.value else NO)
    if row.input == "text":
        return answer.text
    return number(answer.value)


def _assessment_totals(sheet, scheme: Scheme, rows: list[Row], line_of, letters,
                       answers) -> None:
    """«Tổng cộng»: SUM of the main indices; «Tỷ lệ (%)»: each total over the maximum, rows
    «không đánh giá» leaving the maximum as the scoring does."""
    total = FIRST_ROW + len(rows)
    mains = [line_of[r.code] for r in rows if r.parent is None]
    sheet[f"{letters['title']}{total}"] = "Tổng cộng"
    for key in ("max", "self_score", "appraised"):
        letter = letters[key]
        sheet[f"{letter}{total}"] = f"=SUM({','.join(f'{letter}{n}' for n in mains)})"
    skipped = {r.code for r in rows
               if r.is_leaf and getattr(answers.get(r.code), "not_assessed", False)}
    top = f"{letters['max']}{total}"
    label = "Tỷ lệ (%) trên điểm tối đa"
    if skipped:  # the maximum without the rows not assessed
        kept = [f"{letters['max']}{line_of[r.code]}" for r in rows
                if r.is_leaf and r.code not in skipped]
        top = f"SUM({','.join(kept)})" if kept else "0"
        label += " (không tính các chỉ tiêu không đánh giá)"
    sheet[f"{letters['title']}{total + 1}"] = label
    for key in ("self_score", "appraised"):
        letter = letters[key]
        sheet[f"{letter}{total + 1}"] = f"=IF({top}>0,ROUND({letter}{total}/{top}*100,2),\"\")"
    for line in (total, total + 1):
        for letter in letters.values():
            sheet[f"{letter}{line}"].border = GRID
            sheet[f"{letter}{line}"].font = TOTAL_FONT


def _template_extras(book, sheet, rows: list[Row], line_of, letters) -> None:
    """Drop-down lists for yes/no rows, the sheet protected (no password), and a guide."""
    if "value" in letters:
        lists = {False: DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True),
                 True: DataValidation(type="list", formula1=f'"{YES},{NO},{NOT_ASSESSED}"',
                                      allow_blank=True)}
        for row in rows:
            if row.is_leaf and row.input == "boolean":
                lists[row.not_assessable].add(f"{letters['value']}{line_of[row.code]}")
        for validation in lists.values():
            if validation.sqref:
                validation.error = f"Chọn «{YES}» hoặc «{NO}»."
                sheet.add_data_validation(validation)
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = protection.formatRows = protection.formatCells = False
    guide = book.create_sheet("Hướng dẫn")
    for text in (
        "Cách dùng tệp mẫu",
        "1. Ghi số liệu vào các ô nền vàng của trang «Hồ sơ đánh giá»; các ô khác được khóa để "
        "giữ nguyên mã chỉ tiêu và công thức.",
        f"2. Cột Giá trị: số; «{YES}» hoặc «{NO}» với chỉ tiêu có / không; «{NOT_ASSESSED}» "
        "với chỉ tiêu được phép không đánh giá (lý do ghi trên biểu mẫu web).",
        "3. Chỉ tiêu dạng tỷ lệ: ghi Tử số và Mẫu số; Giá trị (%) tự tính.",
        "4. Điểm tự chấm để trống: hệ thống tự tính từ giá trị như trên biểu mẫu web.",
        "5. Không đổi tên, không xóa trang tính và cột; có thể để trống các dòng chưa có số liệu.",
        "6. Tải tệp lên ở trang «Nhập từ Excel» của hồ sơ: hệ thống cho xem trước những gì sẽ "
        "thay đổi và chỉ lưu khi bạn xác nhận; nếu có lỗi thì không lưu gì.",
    ):
        append(guide, [text])
    guide["A1"].font = Font(bold=True, size=13)
    guide.column_dimensions["A"].width = 110
