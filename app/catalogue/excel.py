"""A scheme as an Excel workbook laid out like the decision's table (openpyxl, no Flask).

It is also the import format: an official downloads last year's, edits it and uploads it as the
next version (app/catalogue/excel_reader.py reads it back). So every field of every row is in a
column, and the header fields are on the sheet "Thông tin chung" (app/catalogue/excel_header.py).
Each parent's maximum is a =SUM of its children's cells, so a reader who edits a number sees at
once whether the table still adds up to what the decision prints.
"""
from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from app.catalogue.excel_header import write_guide_sheet, write_header_sheet
from app.catalogue.model import PILLARS, UNIT_TYPES, Row, Scheme
from app.catalogue.workbook_format import (
    COLUMNS, GUIDE_SHEET, HEADER_SHEET, INPUT_LABELS, LEVEL_LABELS, PERIOD_LABELS, ROWS_SHEET,
    TARGET_OP_LABELS, TARGETS_PREFIX, YES,
)
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
    """The scheme as .xlsx bytes, the form an official edits and imports as the next version:
    the sheet of rows laid out like the decision's table (title, source, header, one line per
    row, the total), the header fields, and the allowed values.
    ``method_labels``: the registry's (a plugin's own methods too); the core's without it."""
    labels = method_labels or {name: method.label for name, method in CORE.items()}
    book = Workbook()
    sheet = book.active
    sheet.title = ROWS_SHEET
    defaults = row_defaults(scheme)
    columns = _columns(scheme, labels, defaults)
    _write_heading(sheet, scheme, columns)
    line_of = _write_rows(sheet, scheme, columns)
    if scheme.kind == "points":
        _write_total(sheet, scheme, columns, line_of)
    page_setup(sheet, f"{HEADER_ROW}:{HEADER_ROW}", f"C{FIRST_DATA_ROW}")
    fit_heights(sheet)  # long titles and explanations wrap: rows grow instead of overprinting
    write_header_sheet(book.create_sheet(HEADER_SHEET), scheme, labels, defaults)
    write_guide_sheet(book.create_sheet(GUIDE_SHEET), labels)
    book.active = 0
    buffer = BytesIO()
    book.save(buffer)
    return with_cached_values(book, buffer.getvalue())


def row_defaults(scheme: Scheme) -> dict[str, str]:
    """The method and period a blank cell stands for: those of most parent rows (a parent is
    not scored, so its cells stay blank unless they differ), of most rows where all are leaves."""
    rows = [row for row in scheme.rows if row.children] or scheme.rows
    return {key: Counter(getattr(row, key) for row in rows).most_common(1)[0][0]
            for key in ("method", "period")}


def _columns(scheme: Scheme, labels: dict[str, str], defaults: dict[str, str]):
    """(heading, width, value of a row) for each column; the points column is filled apart."""
    has_targets = any(row.targets for row in scheme.rows)
    wanted = [c for c in COLUMNS if c.key not in ("max_points", "targets", "target_op", "level",
                                                  "raised_from")
              or (c.key == "max_points" and (scheme.kind == "points"
                                             or any(r.max_points is not None for r in scheme.rows)))
              or (c.key in ("targets", "target_op") and (has_targets or scheme.kind == "target"))
              or (c.key in ("level", "raised_from")
                  and (scheme.kind == "target" or any(r.level for r in scheme.rows)))]
    values = _row_values(scheme, labels, defaults)
    columns = []
    for column in wanted:
        if column.key == "targets":
            columns += [(f"{TARGETS_PREFIX} {heading}", column.width, _threshold(types[0]))
                        for heading, types in target_groups(scheme)]
        elif column.key == "title":
            noun = "Chỉ số" if scheme.kind == "points" else "Chỉ tiêu"  # the decision's heading
            columns.append((noun, column.width, values["title"]))
        elif column.key == "max_points":
            columns.append((column.heading, column.width, None))
        else:
            columns.append((column.heading, column.width, values[column.key]))
    return columns


def _row_values(scheme: Scheme, labels: dict[str, str], defaults: dict[str, str]) -> dict:
    """What each column shows of a row: labels officials read, blank where the row follows a
    default (the method and period of a parent, its parent's pillar, its method's input)."""
    def method(row: Row):
        if not row.is_leaf and row.method == defaults["method"]:
            return None
        return labels.get(row.method, row.method)

    def period(row: Row):
        return None if not row.is_leaf and row.period == defaults["period"] \
            else PERIOD_LABELS[row.period]

    def pillar(row: Row):
        parent = scheme.by_code.get(row.parent) if row.parent else None
        own = row.pillar if parent is None or row.pillar != parent.pillar else None
        return PILLARS.get(own, own) if own else None

    def input_(row: Row):
        method_ = CORE.get(row.method)
        follows = method_ is not None and method_.default_input(row.measure) == row.input
        # a plugin's own method: its default input is not known here, so the input is written
        return None if follows else INPUT_LABELS.get(row.input, row.input)

    def parent(row: Row):
        implied = row.code.rsplit(".", 1)[0] if "." in row.code else None
        return row.parent if row.parent != implied else None

    return {
        "code": lambda row: row.code,
        "title": lambda row: row.title,
        "method": method,
        "period": period,
        "measure": lambda row: row.measure,
        "lead": lambda row: row.lead,
        "coordinating": lambda row: "; ".join(row.coordinating) or None,
        "target_op": lambda row: TARGET_OP_LABELS[row.target_op]
        if row.targets or row.target_op != ">=" else None,
        "level": lambda row: LEVEL_LABELS.get(row.level, row.level),
        "raised_from": lambda row: row.raised_from,
        "explanation": lambda row: row.explanation,
        "pillar": pillar,
        "evidence_required": lambda row: YES if row.evidence_required else None,
        "not_assessable": lambda row: YES if row.not_assessable else None,
        "measured": lambda row: row.measured_source,
        "input": input_,
        "parent": parent,
        "lead_unit": lambda row: row.lead_unit,
        "method_note": lambda row: row.method_note,
        "source_title": lambda row: row.source_title,
    }


def target_groups(scheme: Scheme) -> list[tuple[str, list[str]]]:
    """The threshold columns of any scheme whose rows carry thresholds (see threshold_columns)."""
    rows = [row for row in scheme.rows if row.targets]
    if not rows:
        return [] if scheme.kind != "target" else [
            (UNIT_TYPES[t], [t]) for t in scheme.unit_types]
    groups: list[list[str]] = []
    types = list(scheme.unit_types) + sorted({t for r in rows for t in r.targets} -
                                              set(scheme.unit_types))
    for unit_type in types:
        same = next((group for group in groups if all(
            row.targets.get(group[0]) == row.targets.get(unit_type) for row in rows)), None)
        if same is None:
            groups.append([unit_type])
        else:
            same.append(unit_type)
    return [(" / ".join(UNIT_TYPES.get(t, t) for t in group), group) for group in groups]


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
