"""A scheme as an Excel workbook laid out like the decision's table (openpyxl, no Flask).

Each parent's maximum is a =SUM of its children's cells, so a reader who edits a number sees at
once whether the table still adds up to what the decision prints.
"""
from __future__ import annotations

import datetime
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from app.catalogue.model import UNIT_TYPES, Row, Scheme
from app.periods import TYPE_LABELS
from app.scoring.core import CORE
from app.xlsx_cells import put
from app.xlsx_layout import fit_heights
from app.xlsx_values import with_cached_values

TITLE_ROW, SOURCE_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 1
MAIN_FILL = PatternFill("solid", fgColor="DDE7F2")
HEADER_FILL = PatternFill("solid", fgColor="C9D6E3")
THIN = Side(style="thin", color="8C99A6")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
POINTS_HEADING = "Điểm tối đa"


def threshold_columns(scheme: Scheme) -> list[tuple[str, list[str]]]:
    """The threshold columns of a target table: (heading, unit types it covers).

    Unit types whose thresholds are the same on every row share one column, as the decision
    prints them ("Phường / Thị trấn").
    """
    if scheme.kind != "target":
        return []
    leaves = [row for row in scheme.leaves if row.targets]
    groups: list[list[str]] = []
    for unit_type in scheme.unit_types:
        same = next((group for group in groups if all(
            row.targets.get(group[0]) == row.targets.get(unit_type) for row in leaves)), None)
        if same is None:
            groups.append([unit_type])
        else:
            same.append(unit_type)
    return [(" / ".join(UNIT_TYPES[t] for t in group), group) for group in groups]


def source_text(scheme: Scheme) -> str:
    """One line naming the decision: number, date, issuer, table, version; "—" where blank."""
    source = scheme.source
    parts = [
        f"Căn cứ: văn bản số {source.get('number') or '—'}",
        f"ngày {format_date(source.get('date'))}",
        f"của {source.get('issuer') or '—'}",
    ]
    if source.get("amended_by"):
        parts.append(f"(đính chính: {source['amended_by']})")
    if source.get("table"):
        parts.append(f"· {source['table']}")
    parts.append(f"· phiên bản {scheme.version}")
    return " ".join(parts)


def format_date(value) -> str:
    if not value:
        return "—"
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return value.strftime("%d/%m/%Y")


def scheme_workbook(scheme: Scheme, method_labels: dict[str, str] | None = None) -> bytes:
    """The scheme as .xlsx bytes: title, source, header, then one line per row in order.
    ``method_labels``: the registry's (a plugin's own methods too); the core's without it."""
    book = Workbook()
    sheet = book.active
    sheet.title = scheme.code[:31]
    labels = method_labels or {name: method.label for name, method in CORE.items()}
    columns = _columns(scheme, labels)
    _write_heading(sheet, scheme, columns)
    line_of = _write_rows(sheet, scheme, columns)
    if scheme.kind == "points":
        _write_total(sheet, scheme, columns, line_of)
    page_setup(sheet, f"{HEADER_ROW}:{HEADER_ROW}", f"C{FIRST_DATA_ROW}")
    fit_heights(sheet)  # long titles and explanations wrap: rows grow instead of overprinting
    buffer = BytesIO()
    book.save(buffer)
    return with_cached_values(book, buffer.getvalue())


def _columns(scheme: Scheme, labels: dict[str, str]) -> list[tuple[str, int, object]]:
    """(heading, width, value of a row) for each column; the points column is filled apart."""
    noun = "Chỉ số" if scheme.kind == "points" else "Chỉ tiêu"  # the decision's own heading
    columns = [("STT/Mã", 10, lambda row: row.code), (noun, 60, lambda row: row.title)]
    if scheme.kind == "points":
        columns.append((POINTS_HEADING, 11, None))
    columns += [
        ("Cách chấm", 22, lambda row: labels.get(row.method, row.method) if row.is_leaf else None),
        ("Kỳ", 9, lambda row: TYPE_LABELS[row.period] if row.is_leaf else None),
        ("Đơn vị tính", 12, lambda row: row.measure),
        ("Cơ quan chủ trì", 28, lambda row: row.lead),
        ("Cơ quan phối hợp", 36, lambda row: "; ".join(row.coordinating) or None),
    ]
    for heading, types in threshold_columns(scheme):
        columns.append((f"Chỉ tiêu: {heading}", 18, _threshold(types[0])))
    if any(row.explanation for row in scheme.rows):
        columns.append(("Giải thích", 60, lambda row: (row.explanation or "").strip() or None))
    return columns


def _threshold(unit_type: str):
    def value(row: Row):
        target = (row.targets or {}).get(unit_type)
        return _number(target) if isinstance(target, (int, float)) else target
    return value


def _write_heading(sheet, scheme: Scheme, columns) -> None:
    last = get_column_letter(len(columns))
    put(sheet["A1"], scheme.title).font = Font(bold=True, size=14)
    put(sheet["A2"], source_text(scheme))
    sheet["A2"].font = Font(italic=True)
    for row in (TITLE_ROW, SOURCE_ROW):
        sheet.merge_cells(f"A{row}:{last}{row}")
        sheet[f"A{row}"].alignment = Alignment(wrap_text=True, vertical="center")
    sheet.row_dimensions[TITLE_ROW].height = 36
    for index, (heading, width, _value) in enumerate(columns, start=1):
        cell = put(sheet.cell(HEADER_ROW, index), heading)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = GRID
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = width


def _points_letter(columns) -> str | None:
    for index, (heading, _width, _value) in enumerate(columns, start=1):
        if heading == POINTS_HEADING:
            return get_column_letter(index)
    return None


def _write_rows(sheet, scheme: Scheme, columns) -> dict[str, int]:
    """One line per row, in the decision's order; returns the sheet line of each row code."""
    letter = _points_letter(columns)
    line_of = {row.code: FIRST_DATA_ROW + i for i, row in enumerate(scheme.rows)}
    for row in scheme.rows:
        line = line_of[row.code]
        for index, (heading, _width, value) in enumerate(columns, start=1):
            cell = sheet.cell(line, index)
            if heading != POINTS_HEADING:
                put(cell, value(row))
            elif row.children:
                cell.value = f"=SUM({','.join(f'{letter}{line_of[c.code]}' for c in row.children)})"
            else:
                cell.value = _number(row.max_points)
            cell.alignment = WRAP
            cell.border = GRID
            if row.depth == 0:
                cell.font = Font(bold=True)
                cell.fill = MAIN_FILL
        sheet.cell(line, 2).alignment = Alignment(wrap_text=True, vertical="top", indent=row.depth)
        if row.source_title:
            sheet.cell(line, 2).comment = Comment(f"Văn bản in: {row.source_title}", "Chỉ số")
    return line_of


def _write_total(sheet, scheme: Scheme, columns, line_of: dict[str, int]) -> None:
    """A closing line whose SUM of the main indices should equal the decision's total."""
    letter = _points_letter(columns)
    line = FIRST_DATA_ROW + len(scheme.rows)
    sheet.cell(line, 2, f"Tổng cộng (văn bản: {_number(scheme.max_points)} điểm)")
    sheet[f"{letter}{line}"] = f"=SUM({','.join(f'{letter}{line_of[r.code]}' for r in scheme.main)})"
    for index in range(1, len(columns) + 1):
        sheet.cell(line, index).border = GRID
        sheet.cell(line, index).font = Font(bold=True)


def page_setup(sheet, title_rows: str, freeze: str) -> None:
    """Frozen headings, and printing: A4 landscape, one page wide, headings on every page (the
    catalogue and app.workbooks' workbooks print alike)."""
    sheet.freeze_panes = freeze
    sheet.print_title_rows = title_rows
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True


def _number(value):
    if value is None:
        return None
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)
