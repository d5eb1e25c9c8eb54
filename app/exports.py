"""Excel and CSV files of one assessment, of a period's score sheet and of its ranking.

Pure builders (openpyxl and csv; no Flask, no queries): catalogue rows, answers and rankings in,
bytes or text out. The workbooks read like the decision's table: Vietnamese headings, numbers
stored as numbers, every parent's points a =SUM of its children's cells and every percentage a
formula, so an official who corrects a cell sees the totals follow. Each sheet has its title
rows (scheme, period, unit), a frozen header repeated on every printed page, and prints on A4
landscape one page wide.

An assessment's workbook carries a hidden sheet «chiso» naming the scheme, its version, the
period and the unit; ``app.services.value_import`` reads it to refuse a file made for another
assessment. The import template is the same workbook with its editable cells unlocked and
shaded, and the rest of the sheet protected (without a password) so codes stay intact.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app import clock
from app.catalogue.excel import GRID, HEADER_FILL, MAIN_FILL, WRAP, page_setup, source_text
from app.catalogue.model import Row, Scheme
from app.xlsx_cells import Formula, append, put
from app.xlsx_layout import fit_heights, print_by_blocks
from app.xlsx_values import with_cached_values

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 (Vietnamese letters intact) only after a BOM

HEADER_ROW = 4  # rows 1–3 are the title rows
FIRST_ROW = HEADER_ROW + 1
ASSESSMENT_SHEET = "Hồ sơ đánh giá"
EDIT_FILL = PatternFill("solid", fgColor="FFF2CC")  # the cells a template asks to fill
TOTAL_FONT = Font(bold=True)

# The hidden sheet identifying an assessment's workbook: (key, label) on rows 1…5, value in B.
IDENTITY_SHEET = "chiso"
IDENTITY_KIND = "chiso: giá trị hồ sơ đánh giá, mẫu 1"
IDENTITY_KEYS = (("kind", "Loại tệp"), ("scheme", "Mã bộ chỉ số"),
                 ("version", "Phiên bản bộ chỉ số"), ("period", "Mã kỳ"), ("unit", "Mã đơn vị"))

NOT_ASSESSED = "Không đánh giá"
YES, NO = "Có", "Không"
NOT_ASSESSED_SHORT = "KĐG"  # in the score sheet, where columns are narrow

COLUMN_HEADINGS = {
    "code": "Mã",
    "title": "Chỉ số",
    "measure": "Đơn vị tính",
    "threshold": "Chỉ tiêu của đơn vị",
    "max": "Điểm tối đa",
    "value": "Giá trị",
    "numerator": "Tử số",
    "denominator": "Mẫu số",
    "self_score": "Điểm tự chấm",
    "appraised": "Điểm thẩm định",
    "comment": "Nhận xét thẩm định",
    "explanation": "Giải trình",
}
WIDTHS = {"code": 9, "title": 60, "measure": 12, "threshold": 14, "max": 10, "value": 14,
          "numerator": 10, "denominator": 10, "self_score": 11, "appraised": 11, "comment": 36,
          "explanation": 40}
EDITABLE = ("value", "numerator", "denominator", "self_score", "explanation")


def number(value):
    """A Decimal as an Excel number: 20 stays an integer, 18.125 a float; None stays empty."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass
class Heading:
    """What the title rows say: the scheme, the period, and the unit where there is one."""
    scheme: Scheme
    period_code: str
    period_label: str
    unit_code: str | None = None
    unit_name: str | None = None
    status: str | None = None  # "Trạng thái hồ sơ: Đang nhập", "Đã công bố ngày …"

    def lines(self, what: str) -> list[str]:
        second = f"{what} · {self.period_label}"
        if self.unit_name:
            second += f" · {self.unit_name} (mã {self.unit_code})"
        third = [source_text(self.scheme), f"mã {self.scheme.code}"]
        if self.status:
            third.append(self.status)
        third.append(f"xuất ngày {clock.today():%d/%m/%Y}")
        return [self.scheme.title, second, " · ".join(third)]


# -- one assessment -------------------------------------------------------------------------
def assessment_columns(scheme: Scheme, leaves: list[Row]) -> list[str]:
    """The column keys of an assessment's sheet: only those the scheme's rows use."""
    points = scheme.kind == "points"
    keys = ["code", "title"]
    if any(row.measure for row in leaves):
        keys.append("measure")
    if scheme.kind == "target":
        keys.append("threshold")
    if points:
        keys.append("max")
    if any(row.input != "score" or row.not_assessable for row in leaves):
        keys.append("value")
    if any(row.input == "fraction" for row in leaves):
        keys += ["numerator", "denominator"]
    if points:
        keys += ["self_score", "appraised", "comment"]
    keys.append("explanation")
    return keys


def heading_of(key: str, scheme: Scheme) -> str:
    if key == "title" and scheme.kind != "points":
        return "Chỉ tiêu"  # the decision's own word where rows carry no points
    return COLUMN_HEADINGS[key]


def is_editable(key: str, row: Row) -> bool:
    """Whether a template lets the unit fill this cell of a leaf row."""
    if key == "value":  # a fraction's value is a formula; «Không đánh giá» may replace it
        return row.input not in ("score", "fraction") or row.not_assessable
    if key in ("numerator", "denominator"):
        return row.input == "fraction"
    if key == "self_score":
        return row.max_points is not None
    return key == "explanation"


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
    _title_rows(sheet, heading.lines("Kết quả tự chấm và thẩm định" if scheme.kind == "points"
                                     else "Số liệu báo cáo"), len(keys))
    _header(sheet, [heading_of(k, scheme) for k in keys], [WIDTHS[k] for k in keys])
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
    _identity_sheet(book, heading)
    return _save(book)


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


def _identity_sheet(book, heading: Heading) -> None:
    sheet = book.create_sheet(IDENTITY_SHEET)
    values = {"kind": IDENTITY_KIND, "scheme": heading.scheme.code,
              "version": heading.scheme.version, "period": heading.period_code,
              "unit": heading.unit_code}
    for key, label in IDENTITY_KEYS:
        append(sheet, [label, values[key]])
    sheet.sheet_state = "hidden"


# -- a period's score sheet and ranking -----------------------------------------------------
def scoresheet_columns(scheme: Scheme) -> list[tuple[str, Row]]:
    """("leaf", row) for each scored indicator, each main index's leaves followed by
    ("main", main) for its subtotal."""
    columns = []
    for main in scheme.main:
        columns += [("leaf", leaf) for leaf in _leaves_under(main)]
        columns.append(("main", main))
    return columns


def _leaves_under(row: Row) -> list[Row]:
    if row.is_leaf:
        return [row]
    return [leaf for child in row.children for leaf in _leaves_under(child)]


def _leaf_score(place, code: str):
    leaf = place.totals.leaves.get(code)
    if leaf is None:
        return None
    if leaf.source == "not_assessed":
        return NOT_ASSESSED_SHORT
    return number(leaf.score)


NOT_RANKED_HEADING = "Không xếp hạng (hồ sơ chưa thẩm định)"


def _state_heading(ranking) -> list[str]:
    return [] if ranking.published else ["Trạng thái hồ sơ"]


def _status(ranking) -> str:
    if ranking.published:
        decisions = _decisions(ranking)
        ranked = [p for g in ranking.groups for p in g.places if p.rank is not None]
        if decisions and all(p.official for p in ranked):
            # Imported from a decision: the platform's publication date is only the import's.
            return f"Đã công bố theo {'; '.join(decisions)} (trước khi dùng nền tảng)"
        return f"Đã công bố ngày {ranking.publication.published_at:%d/%m/%Y}"
    return "Chưa công bố: bản xem trước, có thể còn thay đổi"


def _decisions(ranking) -> list[str]:
    """The decisions whose ranks the ranking shows (results published before the platform)."""
    return sorted({p.official for g in ranking.groups for p in g.places if p.official})


def _rank(place):
    """The rank as the ranking page shows it: «5*» where a decision published it."""
    if place.rank is not None and place.official:
        return f"{place.rank}*"
    return place.rank


def _official_note(ranking) -> str | None:
    """The footnote of the ranking page (dashboards/_macros.html official_note)."""
    decisions = _decisions(ranking)
    if not decisions:
        return None
    return (f"* Hạng theo {'; '.join(decisions)}: kết quả công bố trước khi dùng nền tảng, "
            "xếp trong cả nhóm.")


def _note_line(sheet, line: int, ranking) -> None:
    note = _official_note(ranking)
    if note:
        put(sheet.cell(line + 1, 1), note).font = Font(italic=True)


def ranking_heading(ranking) -> Heading:
    return Heading(ranking.scheme, ranking.period.code, ranking.period.label,
                   status=_status(ranking))


def scoresheet_workbook(ranking) -> bytes:
    """Units × indicators: each unit's leaf scores, a =SUM per main index, the total as a =SUM
    of those, its maximum and the percentage as a formula."""
    scheme = ranking.scheme
    columns = scoresheet_columns(scheme)
    book = Workbook()
    sheet = book.active
    sheet.title = "Bảng điểm"
    first, extra = 4, ["Tổng điểm", "Tối đa", "Tỷ lệ (%)"] + _state_heading(ranking)
    width = 3 + len(columns) + len(extra)
    # Title and note stay within the unit columns (A:C): merged across every page's columns
    # they printed in pieces, one piece per page.
    _title_rows(sheet, ranking_heading(ranking).lines("Bảng điểm các đơn vị"), 3)
    letter = {id(row): get_column_letter(first + i) for i, (_kind, row) in enumerate(columns)}
    total_col = first + len(columns)
    _scoresheet_header(sheet, scheme, columns, letter, extra, total_col)
    line = HEADER_ROW + 3  # two header rows and the maxima
    for group in ranking.groups:
        _group_line(sheet, line, group.label, width)
        line += 1
        for place in group.places:
            _scoresheet_line(sheet, line, ranking, place, columns, letter, total_col)
            line += 1
    sheet.cell(line + 1, 1, f"{NOT_ASSESSED_SHORT}: không đánh giá, không tính vào điểm tối đa "
                            "của đơn vị. Điểm của chỉ tiêu: điểm thẩm định nếu có, không thì điểm "
                            "tự chấm, không thì điểm tính theo phương pháp chấm.")
    sheet.merge_cells(start_row=line + 1, start_column=1, end_row=line + 1, end_column=3)
    sheet.cell(line + 1, 1).alignment = WRAP
    _note_line(sheet, line + 1, ranking)
    sheet.freeze_panes = f"D{HEADER_ROW + 3}"
    # Officials print it on A4 by main index: one page wide would be 2–3 pt on 78 columns.
    print_by_blocks(sheet, f"{HEADER_ROW}:{HEADER_ROW + 2}", "A:C",
                    [first + i for i, (kind, _row) in enumerate(columns) if kind == "main"])
    return _save(book)


def _scoresheet_header(sheet, scheme, columns, letter, extra, total_col) -> None:
    top, codes, maxima = HEADER_ROW, HEADER_ROW + 1, HEADER_ROW + 2
    for index, (text, width) in enumerate((("Hạng", 7), ("Mã đơn vị", 14), ("Đơn vị", 34)), 1):
        _heading_cell(sheet, top, index, text, width)
        sheet.merge_cells(start_row=top, start_column=index, end_row=codes, end_column=index)
    _heading_cell(sheet, maxima, 3, "Điểm tối đa theo quyết định", 34)
    for column, (kind, row) in enumerate(columns, start=4):
        if kind == "main":
            leaves = _leaves_under(row)
            sheet.merge_cells(start_row=top, start_column=column - len(leaves), end_row=top,
                              end_column=column)
            _heading_cell(sheet, top, column - len(leaves), f"{row.code}. {row.title}", None)
            _heading_cell(sheet, codes, column, f"Cộng {row.code}", 9)
            span = f"{letter[id(leaves[0])]}{maxima}:{letter[id(leaves[-1])]}{maxima}"
            sheet.cell(maxima, column, Formula(f"=SUM({span})")).font = TOTAL_FONT
        else:
            _heading_cell(sheet, codes, column, row.code, 7)
            sheet.cell(maxima, column, number(row.max_points))
    for offset, text in enumerate(extra):
        _heading_cell(sheet, top, total_col + offset, text, 10 if offset < 3 else 16)
        sheet.merge_cells(start_row=top, start_column=total_col + offset, end_row=codes,
                          end_column=total_col + offset)
    mains = [letter[id(row)] for kind, row in columns if kind == "main"]
    sheet.cell(maxima, total_col, f"=SUM({','.join(f'{m}{maxima}' for m in mains)})")
    for column in range(1, total_col + len(extra)):
        sheet.cell(maxima, column).border = GRID


def _scoresheet_line(sheet, line: int, ranking, place, columns, letter, total_col) -> None:
    values = [_rank(place), place.unit.code, place.unit.name]
    for kind, row in columns:
        if kind == "leaf":
            values.append(_leaf_score(place, row.code))
        else:
            leaves = _leaves_under(row)
            values.append(Formula(
                f"=SUM({letter[id(leaves[0])]}{line}:{letter[id(leaves[-1])]}{line})"))
    mains = [letter[id(row)] for kind, row in columns if kind == "main"]
    total = get_column_letter(total_col)
    top = get_column_letter(total_col + 1)
    values.append(Formula(f"=SUM({','.join(f'{m}{line}' for m in mains)})"))
    values.append(number(place.totals.max))
    values.append(Formula(f"=ROUND({total}{line}/{top}{line}*100,2)") if place.totals.max
                  else None)
    if not ranking.published:
        values.append(place.assessment.state_label)
    for column, value in enumerate(values, start=1):
        cell = put(sheet.cell(line, column), value)
        cell.border = GRID
        if isinstance(value, Formula) and value.startswith("=SUM"):
            cell.font = TOTAL_FONT
    sheet.cell(line, 3).alignment = WRAP


def ranking_workbook(ranking) -> bytes:
    """Rank, unit, total, maximum and percentage (a formula) by group of units."""
    headings = ["Hạng", "Mã đơn vị", "Đơn vị", "Tổng điểm", "Tối đa", "Tỷ lệ (%)",
                "Thay đổi so với kỳ trước"] + _state_heading(ranking)
    book = Workbook()
    sheet = book.active
    sheet.title = "Xếp hạng"
    _title_rows(sheet, ranking_heading(ranking).lines("Xếp hạng"), len(headings))
    _header(sheet, headings, [7, 16, 40, 11, 10, 10, 12, 18][:len(headings)])
    line = FIRST_ROW
    for group in ranking.groups:
        _group_line(sheet, line, group.label, len(headings))
        line += 1
        for place in group.places:
            values = [_rank(place), place.unit.code, place.unit.name, number(place.totals.total),
                      number(place.totals.max),
                      Formula(f"=ROUND(D{line}/E{line}*100,2)") if place.totals.max else None,
                      place.change]
            if not ranking.published:
                values.append(place.assessment.state_label)
            for column, value in enumerate(values, start=1):
                put(sheet.cell(line, column), value).border = GRID
            sheet.cell(line, 3).alignment = WRAP
            line += 1
    if ranking.not_ranked:  # listed beneath, with why: only appraised work is ranked
        _group_line(sheet, line, NOT_RANKED_HEADING, len(headings))
        line += 1
        for unit in ranking.not_ranked:
            for column, value in enumerate([None, unit.code, unit.name, unit.label], start=1):
                put(sheet.cell(line, column), value).border = GRID
            sheet.cell(line, 3).alignment = WRAP
            line += 1
    _note_line(sheet, line, ranking)
    page_setup(sheet, f"{HEADER_ROW}:{HEADER_ROW}", f"D{FIRST_ROW}")
    return _save(book)


# -- CSV ------------------------------------------------------------------------------------
def ranking_csv(ranking) -> str:
    header = ["Nhóm đơn vị", "Hạng", "Mã đơn vị", "Đơn vị", "Tổng điểm", "Tối đa", "Tỷ lệ (%)",
              "Thay đổi so với kỳ trước"] + _state_heading(ranking)
    lines = []
    for group in ranking.groups:
        for place in group.places:
            line = [group.label, _rank(place), place.unit.code, place.unit.name,
                    place.totals.total, place.totals.max, place.totals.percent, place.change]
            lines.append(line + ([] if ranking.published else [place.assessment.state_label]))
    for unit in ranking.not_ranked:
        lines.append([f"{NOT_RANKED_HEADING}: {unit.label}", None, unit.code, unit.name]
                     + [None] * (len(header) - 4))
    return _csv(header, lines + _csv_note(ranking))


def _csv_note(ranking) -> list[list]:
    """The status and the decision's footnote under the table (a CSV has no title rows)."""
    note = _official_note(ranking)
    return [[], [_status(ranking)], [note]] if note else []


def scoresheet_csv(ranking) -> str:
    columns = scoresheet_columns(ranking.scheme)
    header = (["Nhóm đơn vị", "Hạng", "Mã đơn vị", "Đơn vị"]
              + [row.code if kind == "leaf" else f"Cộng {row.code}" for kind, row in columns]
              + ["Tổng điểm", "Tối đa", "Tỷ lệ (%)"] + _state_heading(ranking))
    lines = []
    for group in ranking.groups:
        for place in group.places:
            line = [group.label, _rank(place), place.unit.code, place.unit.name]
            for kind, row in columns:
                line.append(_leaf_score(place, row.code) if kind == "leaf"
                            else place.totals.main.get(row.code, (None, None))[0])
            line += [place.totals.total, place.totals.max, place.totals.percent]
            lines.append(line + ([] if ranking.published else [place.assessment.state_label]))
    return _csv(header, lines + _csv_note(ranking))


def _csv(header: list[str], lines: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for line in lines:
        writer.writerow([_csv_cell(value) for value in line])
    return BOM + out.getvalue()


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (int, float)):
        return str(number(Decimal(str(value))))
    text = str(value)
    # A text cell starting with = + - @ would run as a formula when Excel opens the file.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# -- shared layout --------------------------------------------------------------------------
def _title_rows(sheet, lines: list[str], width: int) -> None:
    last = get_column_letter(max(width, 1))
    for index, text in enumerate(lines, start=1):
        put(sheet.cell(index, 1), text)
        sheet.merge_cells(f"A{index}:{last}{index}")
        sheet.cell(index, 1).alignment = Alignment(wrap_text=True, vertical="center")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"].font = Font(bold=True)
    sheet["A3"].font = Font(italic=True)
    sheet.row_dimensions[1].height = 36


def _header(sheet, headings: list[str], widths: list[int]) -> None:
    for index, (text, width) in enumerate(zip(headings, widths), start=1):
        _heading_cell(sheet, HEADER_ROW, index, text, width)


def _heading_cell(sheet, line: int, column: int, text: str, width: int | None) -> None:
    cell = put(sheet.cell(line, column), text)
    cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, GRID
    cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    if width:
        sheet.column_dimensions[get_column_letter(column)].width = width


def _group_line(sheet, line: int, label: str, width: int) -> None:
    put(sheet.cell(line, 1), label)
    sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=width)
    sheet.cell(line, 1).font, sheet.cell(line, 1).fill = Font(bold=True), MAIN_FILL


def _save(book) -> bytes:
    """The workbook's bytes, each formula with its value (pandas and viewers see totals),
    rows tall enough for their wrapped text."""
    for sheet in book.worksheets:
        if sheet.sheet_state == "visible":
            fit_heights(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return with_cached_values(book, buffer.getvalue())
