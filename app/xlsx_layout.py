"""Printing our workbooks as officials do: rows as tall as their wrapped text, and the score
sheet on A4 by main index, readable.

Neither Excel nor LibreOffice grows a row for wrapped text written by a program until someone
edits it, so a long indicator title overprints the next row. We estimate each row's lines from
its text and column widths (generously: a row a little too tall is harmless, one too short
hides words)."""
from __future__ import annotations

import math

from openpyxl.cell.cell import MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break, ColBreak

DEFAULT_WIDTH = 8.43  # Excel's column width when none is set
LINE_POINTS = 15.0  # height of one line of 11-point text
CHARS_PER_WIDTH = 1.0  # characters of 11-point text per unit of column width, words wrapping
MIN_PRINT_SCALE = 75  # 11-point text printed at 75 % is 8.25 pt: the smallest we allow


def _width(sheet, column: int) -> float:
    dimension = sheet.column_dimensions.get(get_column_letter(column))
    return dimension.width if dimension is not None and dimension.width else DEFAULT_WIDTH


def _lines(text: str, width: float, size: float, bold: bool) -> float:
    per_line = max(1.0, width * CHARS_PER_WIDTH * 11 / size * (0.9 if bold else 1.0))
    count = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
    return count * size / 11


def fit_heights(sheet) -> None:
    """Set each row's height from the longest wrapped text in it (merged cells count their
    whole width; a cell merged down several rows shares their height)."""
    spans = {}
    for merged in sheet.merged_cells.ranges:
        width = sum(_width(sheet, c) for c in range(merged.min_col, merged.max_col + 1))
        spans[(merged.min_row, merged.min_col)] = (width, merged.max_row - merged.min_row + 1)
    needed: dict[int, float] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell, MergedCell) or not isinstance(cell.value, str) \
                    or cell.value.startswith("="):
                continue
            width, rows = spans.get((cell.row, cell.column), (_width(sheet, cell.column), 1))
            font = cell.font
            lines = _lines(cell.value, width, float(font.sz or 11), bool(font.b)) / rows
            needed[cell.row] = max(needed.get(cell.row, 1.0), lines)
    for line, lines in needed.items():
        if lines > 1:
            current = sheet.row_dimensions[line].height or 0
            sheet.row_dimensions[line].height = max(current, round(lines * LINE_POINTS + 3, 1))


def print_by_blocks(sheet, title_rows: str, title_columns: str, block_ends: list[int],
                    scale: int = 85) -> None:
    """A wide table on A4 landscape at a readable size: never shrunk to one page wide; a
    page break after each block of columns (a main index and its subtotal), the headings and
    the unit columns repeated on every page."""
    setup = sheet.page_setup
    setup.orientation, setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = False
    setup.fitToWidth = setup.fitToHeight = None
    setup.scale = max(scale, MIN_PRINT_SCALE)
    sheet.print_title_rows, sheet.print_title_cols = title_rows, title_columns
    sheet.print_options.horizontalCentered = False
    breaks = ColBreak()
    for column in block_ends[:-1]:
        breaks.append(Break(id=column))
    sheet.col_breaks = breaks
