"""The scheme workbook's other sheets: "Thông tin chung" (the header fields, one per line:
label | value | key) and "Hướng dẫn" (what each column holds and the values it allows).

The key column is for the reader: a label may be reworded by whoever edits the file, the key
says exactly which field the line is. Values are shown as officials write them (a kind's label,
unit types by name, dates dd/mm/yyyy); the reader takes the labels and the keys alike.
"""
from __future__ import annotations

import datetime

from openpyxl.styles import Alignment, Font, PatternFill

from app.catalogue.model import UNIT_TYPES, Scheme
from app.catalogue.workbook_format import (
    COLUMNS, HEADER_FIELDS, KIND_LABELS, PERIOD_LABELS, header_label, value_lists,
)
from app.xlsx_cells import put

HEADER_TITLE_ROW, HEADER_HEADING_ROW = 1, 2
HEADING_FILL = PatternFill("solid", fgColor="C9D6E3")
KEY_FONT = Font(color="6B7785", size=9)
SOURCE_ORDER = ("number", "date", "issuer", "table", "document")


def header_items(scheme: Scheme, method_labels: dict[str, str],
                 defaults: dict[str, str]) -> list[tuple[str, object]]:
    """(key, value as shown) for each line of the header sheet, in order."""
    fixed = {
        "code": scheme.code, "title": scheme.title, "family": scheme.family,
        "version": scheme.version, "first_year": scheme.first_year,
        "last_year": scheme.last_year, "kind": KIND_LABELS.get(scheme.kind, scheme.kind),
        "unit_types": "; ".join(UNIT_TYPES.get(t, t) for t in scheme.unit_types),
        "max_points": _number(scheme.max_points),
        "method": method_labels.get(defaults["method"], defaults["method"]),
        "period": PERIOD_LABELS.get(defaults["period"], defaults["period"]),
    }
    source = scheme.source
    for key in SOURCE_ORDER:
        fixed[f"source.{key}"] = _shown(key, source.get(key))
    items = [(field.key, fixed[field.key]) for field in HEADER_FIELDS if field.key in fixed]
    items += [(f"source.{key}", _shown(key, value)) for key, value in source.items()
              if key not in SOURCE_ORDER and key != "amended_by"]
    amended = source.get("amended_by") or []
    for index, item in enumerate([amended] if isinstance(amended, (str, dict)) else amended,
                                 start=1):
        if isinstance(item, dict):
            items += [(f"amended_by.{index}.{key}", _shown(key, value))
                      for key, value in item.items()]
        else:
            items.append((f"amended_by.{index}", item))
    if scheme.communes is not None or scheme.is_commune_target_scheme:
        for key in ("min_share", "report_day", "district_report_day"):
            items.append((f"communes.{key}", getattr(scheme.communes, key, None)))
    return items


def write_header_sheet(sheet, scheme: Scheme, method_labels: dict[str, str],
                       defaults: dict[str, str]) -> None:
    put(sheet.cell(HEADER_TITLE_ROW, 1), f"Thông tin chung: {scheme.title}").font = \
        Font(bold=True, size=13)
    for index, heading in enumerate(("Thông tin", "Giá trị", "Khóa (để máy đọc, xin đừng sửa)"),
                                    start=1):
        cell = put(sheet.cell(HEADER_HEADING_ROW, index), heading)
        cell.font, cell.fill = Font(bold=True), HEADING_FILL
    for line, (key, value) in enumerate(header_items(scheme, method_labels, defaults),
                                        start=HEADER_HEADING_ROW + 1):
        put(sheet.cell(line, 1), header_label(key)).alignment = Alignment(wrap_text=True)
        put(sheet.cell(line, 2), value).alignment = Alignment(wrap_text=True)
        put(sheet.cell(line, 3), key).font = KEY_FONT
    for letter, width in (("A", 48), ("B", 70), ("C", 30)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{HEADER_HEADING_ROW + 1}"


def write_guide_sheet(sheet, method_labels: dict[str, str]) -> None:
    """What each column of "Chỉ số" holds, then the values a cell may take (label, or key)."""
    put(sheet["A1"], "Hướng dẫn: sửa bảng này rồi nhập lại thành phiên bản mới").font = \
        Font(bold=True, size=13)
    put(sheet["A2"], "Sửa mã và phiên bản ở trang «Thông tin chung»; mỗi dòng của trang «Chỉ số» "
                     "là một chỉ số. Các cột, các giá trị được phép:")
    line = 4
    for column in COLUMNS:
        put(sheet.cell(line, 1), column.heading).font = Font(bold=True)
        put(sheet.cell(line, 2), column.note)
        put(sheet.cell(line, 3), column.key).font = KEY_FONT
        line += 1
    for what, labels in value_lists(method_labels):
        line += 1
        put(sheet.cell(line, 1), what).font = Font(bold=True, size=12)
        line += 1
        for key, label in labels.items():
            put(sheet.cell(line, 1), label)
            put(sheet.cell(line, 3), key).font = KEY_FONT
            line += 1
    for letter, width in (("A", 40), ("B", 80), ("C", 20)):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _shown(key: str, value):
    """A decision's date as officials write it; anything else as it is."""
    if key == "date" and value:
        try:
            return datetime.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)  # the loader names it; shown as it is meanwhile
    return value


def _number(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
