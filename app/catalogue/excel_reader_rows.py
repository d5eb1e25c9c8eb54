"""Reading the sheet "Chỉ số" into the TOML ``[[row]]`` tables.

The heading line is found by its "STT/Mã" cell (the title and source lines above it may be
edited or removed); each column is known by its heading or its key, wherever it stands. A parent's
maximum is usually a =SUM of its children: it is worked out as Excel would
(app/xlsx_values.py), or taken from the value Excel saved where the formula is another one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.utils import get_column_letter

from app.catalogue import workbook_cells as cells
from app.catalogue.model import PILLARS, UNIT_TYPES
from app.catalogue.workbook_cells import BadCell
from app.catalogue.workbook_format import (
    COLUMNS,
    INPUT_LABELS,
    LEVEL_LABELS,
    PERIOD_LABELS,
    ROWS_SHEET,
    TARGET_OP_LABELS,
    TARGETS_PREFIX,
    Problem,
    fold,
    lookup,
)
from app.xlsx_values import computed

MAX_ROWS = 2000  # a decision's table has a few hundred lines at most
MAX_COLUMNS = 60
HEADING_SEARCH = 20  # the heading line is among the first lines
TOTAL_WORDS = "tong cong"  # the closing line our export writes: «Tổng cộng (văn bản: …)»
OPS = {**TARGET_OP_LABELS, "≥": ">=", "≤": "<="}
# what our =SUM(C5,C6,…) and an official's =C5+C6 look like: cell references, no ranges (a range
# to line 1,000,000 would make openpyxl create every cell of it)
SIMPLE_FORMULA = re.compile(r"=\s*(SUM\()?\s*\$?[A-Z]{1,3}\$?\d{1,7}(\s*[,+]\s*\$?[A-Z]{1,3}\$?\d{1,7})*"
                            r"\s*\)?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ColumnAt:
    key: str
    index: int  # 1-based, as openpyxl counts
    heading: str
    unit_types: tuple[str, ...] = ()  # a threshold column: the unit types it holds


@dataclass
class Rows:
    data: list[dict] = field(default_factory=list)  # the TOML [[row]] tables
    lines_of: dict[str, list[int]] = field(default_factory=dict)  # code -> lines holding it
    columns: dict[str, ColumnAt] = field(default_factory=dict)  # key -> its (first) column


def read_rows(sheet, cached, method_labels: dict[str, str],
              problems: list[Problem]) -> Rows | None:
    if sheet is None:
        return None
    lines = list(sheet.iter_rows(max_row=min(sheet.max_row, MAX_ROWS + HEADING_SEARCH + 1),
                                 max_col=min(sheet.max_column, MAX_COLUMNS)))
    heading_at = next((n for n, line in enumerate(lines[:HEADING_SEARCH])
                       if any(_is_code_heading(c.value) for c in line)), None)
    if heading_at is None:
        problems.append(Problem(ROWS_SHEET, None, None, "không thấy dòng tiêu đề cột (ô «STT/Mã» "
                                "ở đầu cột mã, như tệp tải về)."))
        return None
    columns = _columns(lines[heading_at], problems)
    if columns is None:
        return None
    body = lines[heading_at + 1:heading_at + 1 + MAX_ROWS]
    last = heading_at + 1 + MAX_ROWS  # the last line read, as Excel numbers it
    # the cells the file holds (openpyxl keeps no public name for them): iterating the lines
    # up to max_row would create every empty cell of a sheet that has one at line 1,000,000
    if any(line > last and not cells.blank(cell.value)
           for (line, _column), cell in sheet._cells.items()):
        problems.append(Problem(ROWS_SHEET, None, None,
                                f"bảng có hơn {MAX_ROWS} dòng chỉ số, không được chấp nhận."))
        return None
    beyond = next((cell for (_line, column), cell in sheet._cells.items()
                   if column > MAX_COLUMNS and not cells.blank(cell.value)), None)
    if beyond is not None:
        problems.append(Problem(ROWS_SHEET, beyond.row, beyond.column_letter,
                                f"bảng chỉ có tối đa {MAX_COLUMNS} cột; ô này nằm ngoài."))
        return None
    values = _formula_values(body, cached, (last, MAX_COLUMNS))
    rows = Rows(columns={c.key: c for c in reversed(columns)})
    for line in body:
        by_key = [(column, line[column.index - 1]) for column in columns
                  if column.index <= len(line)]
        if all(cells.blank(cell.value) for _column, cell in by_key):
            continue
        raw = _row(by_key, values, method_labels, problems)
        if raw is None:
            continue
        number = line[0].row
        rows.lines_of.setdefault(raw["code"], []).append(number)
        rows.data.append(raw)
    if not rows.data and not problems:
        problems.append(Problem(ROWS_SHEET, None, None, "bảng chưa có dòng chỉ số nào."))
    return rows


def _is_code_heading(value) -> bool:
    return isinstance(value, str) and fold(value) in (fold("STT/Mã"), "code")


def _columns(line, problems: list[Problem]) -> list[ColumnAt] | None:
    by_heading = {fold(c.heading): c.key for c in COLUMNS if c.key != "targets"}
    by_heading.update({fold(c.key): c.key for c in COLUMNS if c.key != "targets"})
    by_heading[fold("Chỉ tiêu")] = "title"
    columns, seen = [], {}
    for cell in line:
        if cells.blank(cell.value):
            continue
        heading = " ".join(str(cell.value).split())
        letter = get_column_letter(cell.column)
        folded = fold(heading)
        if folded.startswith((fold(TARGETS_PREFIX), "targets:")):
            names = heading.split(":", 1)[1].split("/")
            types = [lookup(dict(UNIT_TYPES), name) for name in names if name.strip()]
            if not types or None in types:
                problems.append(Problem(ROWS_SHEET, cell.row, letter, "sau «Chỉ tiêu:» ghi các "
                                        "loại đơn vị, cách nhau bởi «/»: " +
                                        ", ".join(UNIT_TYPES.values()), heading))
                continue
            columns.append(ColumnAt("targets", cell.column, heading, tuple(types)))
            continue
        key = by_heading.get(folded)
        if key is None:
            problems.append(Problem(ROWS_SHEET, cell.row, letter, f"cột «{heading[:60]}» không "
                                    "có trong mẫu (xem trang «Hướng dẫn»).", heading))
        elif key in seen:
            problems.append(Problem(ROWS_SHEET, cell.row, letter,
                                    f"cột này trùng với cột {seen[key]}.", heading))
        else:
            seen[key] = letter
            columns.append(ColumnAt(key, cell.column, heading))
    for key in ("code", "title"):
        if key not in seen:
            problems.append(Problem(ROWS_SHEET, line[0].row if line else None, None,
                                    f"thiếu cột «{next(c.heading for c in COLUMNS if c.key == key)}»."))
    return columns if "code" in seen and "title" in seen else None


def _formula_values(lines, cached, bounds: tuple[int, int]) -> dict:
    """{cell reference: value} of the formulas read: worked out as Excel would where they add
    up cells (a parent's =SUM), else the value Excel saved with the file. ``bounds``: the last
    line and column read; a formula reaching past them (through another cell too) is not
    worked out."""
    formulas = [cell for line in lines for cell in line if cell.data_type == "f"]
    simple = [cell.coordinate for cell in formulas if SIMPLE_FORMULA.fullmatch(str(cell.value))]
    if any(":" in str(cell.value) for cell in formulas):
        simple = []  # a sum over a range may be reached through them: Excel's values only
    try:
        found = computed(formulas[0].parent, simple, bounds) if simple else {}
    except RecursionError:  # a chain of formulas thousands deep: take what Excel saved
        found = {}
    if cached is not None:
        for cell in formulas:
            if cell.coordinate not in found:
                found[cell.coordinate] = cached[cell.coordinate].value
    return found


def _row(by_key, values, method_labels, problems) -> dict | None:
    """One line as a TOML row; None (with its problems added) when a cell cannot be read."""
    cell_of = {column.key: cell for column, cell in by_key if column.key != "targets"}
    code_cell, title_cell = cell_of["code"], cell_of["title"]
    if cells.blank(code_cell.value):
        title = str(title_cell.value or "")
        if fold(title).startswith(TOTAL_WORDS):
            return None  # the closing total: the declared total is in "Thông tin chung"
        problems.append(Problem(ROWS_SHEET, code_cell.row, code_cell.column_letter,
                                "chưa ghi mã dòng.", _heading(by_key, "code")))
        return None
    raw: dict = {}
    before = len(problems)
    for column, cell in by_key:
        value = cell.value
        if cell.data_type == "f":
            value = values.get(cell.coordinate)
            if value is None:
                problems.append(Problem(ROWS_SHEET, cell.row, cell.column_letter,
                                        "không tính được công thức này; hãy ghi giá trị thay cho "
                                        "công thức.",
                                        column.heading))
                continue
            value = float(value) if isinstance(value, Decimal) else value
        if cells.blank(value) and column.key not in ("evidence_required", "not_assessable"):
            continue
        try:
            _put(raw, column, value, method_labels)
        except BadCell as exc:
            problems.append(Problem(ROWS_SHEET, cell.row, cell.column_letter, str(exc),
                                    column.heading))
    if "title" not in raw and len(problems) == before:
        problems.append(Problem(ROWS_SHEET, title_cell.row, title_cell.column_letter,
                                "chưa ghi tên chỉ số.", _heading(by_key, "title")))
    return raw if len(problems) == before else None


def _heading(by_key, key: str) -> str | None:
    return next((column.heading for column, _cell in by_key if column.key == key), None)


def _put(raw: dict, column: ColumnAt, value, method_labels: dict[str, str]) -> None:
    key = column.key
    if key == "targets":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = cells.toml_number(cells.number(value, -cells.TARGET_LIMIT, cells.TARGET_LIMIT))
        else:
            value = cells.text(value)
        raw.setdefault("targets", {}).update({unit_type: value for unit_type in column.unit_types})
    elif key in ("code", "parent", "raised_from"):
        raw[key] = cells.code(value)
    elif key == "max_points":
        raw[key] = cells.toml_number(cells.number(value, Decimal(0), cells.POINTS_LIMIT))
    elif key == "method":
        raw[key] = cells.label(value, method_labels, "cách chấm")
    elif key == "period":
        raw[key] = cells.label(value, dict(PERIOD_LABELS), "kỳ")
    elif key == "pillar":
        raw[key] = cells.label(value, dict(PILLARS), "trụ cột")
    elif key == "input":
        raw[key] = cells.label(value, INPUT_LABELS, "kiểu nhập")
    elif key == "level":
        raw[key] = cells.label(value, LEVEL_LABELS, "mức")
    elif key == "target_op":
        chosen = cells.label(value, OPS, "cách so với ngưỡng")
        raw[key] = OPS[chosen] if chosen in ("≥", "≤") else chosen
    elif key in ("evidence_required", "not_assessable"):
        raw[key] = cells.yes_no(value)
    elif key == "coordinating":
        raw[key] = cells.items(value)
    elif key == "measured":
        raw[key] = {"source": cells.text(value)}
    elif key == "explanation":
        raw[key] = cells.text(value, cells.LONG_TEXT_LIMIT, keep_spaces=True)
    else:  # title, measure, lead, lead_unit, method_note, source_title
        raw[key] = cells.text(value, cells.LONG_TEXT_LIMIT if key == "method_note"
                              else cells.TEXT_LIMIT)
