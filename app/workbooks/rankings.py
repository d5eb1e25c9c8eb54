"""A period's score sheet and ranking, as workbooks and as CSV."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.catalogue.excel import GRID, WRAP, page_setup
from app.catalogue.model import Row, Scheme
from app.workbooks.layout import (BOM, FIRST_ROW, HEADER_ROW, TOTAL_FONT, Heading, group_line,
                                  header_row, heading_cell, number, save, title_rows)
from app.xlsx_cells import Formula, put
from app.xlsx_layout import print_by_blocks

NOT_ASSESSED_SHORT = "KĐG"  # in the score sheet, where columns are narrow


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
    title_rows(sheet, ranking_heading(ranking).lines("Bảng điểm các đơn vị"), 3)
    letter = {id(row): get_column_letter(first + i) for i, (_kind, row) in enumerate(columns)}
    total_col = first + len(columns)
    _scoresheet_header(sheet, scheme, columns, letter, extra, total_col)
    line = HEADER_ROW + 3  # two header rows and the maxima
    for group in ranking.groups:
        group_line(sheet, line, group.label, width)
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
    return save(book)


def _scoresheet_header(sheet, scheme, columns, letter, extra, total_col) -> None:
    top, codes, maxima = HEADER_ROW, HEADER_ROW + 1, HEADER_ROW + 2
    for index, (text, width) in enumerate((("Hạng", 7), ("Mã đơn vị", 14), ("Đơn vị", 34)), 1):
        heading_cell(sheet, top, index, text, width)
        sheet.merge_cells(start_row=top, start_column=index, end_row=codes, end_column=index)
    heading_cell(sheet, maxima, 3, "Điểm tối đa theo quyết định", 34)
    for column, (kind, row) in enumerate(columns, start=4):
        if kind == "main":
            leaves = _leaves_under(row)
            sheet.merge_cells(start_row=top, start_column=column - len(leaves), end_row=top,
                              end_column=column)
            heading_cell(sheet, top, column - len(leaves), f"{row.code}. {row.title}", None)
            heading_cell(sheet, codes, column, f"Cộng {row.code}", 9)
            span = f"{letter[id(leaves[0])]}{maxima}:{letter[id(leaves[-1])]}{maxima}"
            sheet.cell(maxima, column, Formula(f"=SUM({span})")).font = TOTAL_FONT
        else:
            heading_cell(sheet, codes, column, row.code, 7)
            sheet.cell(maxima, column, number(row.max_points))
    for offset, text in enumerate(extra):
        heading_cell(sheet, top, total_col + offset, text, 10 if offset < 3 else 16)
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
    title_rows(sheet, ranking_heading(ranking).lines("Xếp hạng"), len(headings))
    header_row(sheet, headings, [7, 16, 40, 11, 10, 10, 12, 18][:len(headings)])
    line = FIRST_ROW
    for group in ranking.groups:
        group_line(sheet, line, group.label, len(headings))
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
        group_line(sheet, line, NOT_RANKED_HEADING, len(headings))
        line += 1
        for unit in ranking.not_ranked:
            for column, value in enumerate([None, unit.code, unit.name, unit.label], start=1):
                put(sheet.cell(line, column), value).border = GRID
            sheet.cell(line, 3).alignment = WRAP
            line += 1
    _note_line(sheet, line, ranking)
    page_setup(sheet, f"{HEADER_ROW}:{HEADER_ROW}", f"D{FIRST_ROW}")
    return save(book)


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
