"""What every workbook and CSV file of the platform shares: content types, the title rows
(scheme, period, unit), the frozen header, group lines, numbers stored as numbers, and saving
with each formula's value cached."""
from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from app import clock
from app.catalogue.excel import GRID, HEADER_FILL, MAIN_FILL, source_text
from app.catalogue.model import Scheme
from app.xlsx_cells import put
from app.xlsx_layout import fit_heights
from app.xlsx_values import with_cached_values

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 (Vietnamese letters intact) only after a BOM
HEADER_ROW = 4  # rows 1–3 are the title rows
FIRST_ROW = HEADER_ROW + 1
TOTAL_FONT = Font(bold=True)


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


def title_rows(sheet, lines: list[str], width: int) -> None:
    last = get_column_letter(max(width, 1))
    for index, text in enumerate(lines, start=1):
        put(sheet.cell(index, 1), text)
        sheet.merge_cells(f"A{index}:{last}{index}")
        sheet.cell(index, 1).alignment = Alignment(wrap_text=True, vertical="center")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"].font = Font(bold=True)
    sheet["A3"].font = Font(italic=True)
    sheet.row_dimensions[1].height = 36


def header_row(sheet, headings: list[str], widths: list[int]) -> None:
    for index, (text, width) in enumerate(zip(headings, widths), start=1):
        heading_cell(sheet, HEADER_ROW, index, text, width)


def heading_cell(sheet, line: int, column: int, text: str, width: int | None) -> None:
    cell = put(sheet.cell(line, column), text)
    cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, GRID
    cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    if width:
        sheet.column_dimensions[get_column_letter(column)].width = width


def group_line(sheet, line: int, label: str, width: int) -> None:
    put(sheet.cell(line, 1), label)
    sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=width)
    sheet.cell(line, 1).font, sheet.cell(line, 1).fill = Font(bold=True), MAIN_FILL


def save(book) -> bytes:
    """The workbook's bytes, each formula with its value (pandas and viewers see totals),
    rows tall enough for their wrapped text."""
    for sheet in book.worksheets:
        if sheet.sheet_state == "visible":
            fit_heights(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return with_cached_values(book, buffer.getvalue())
