"""Reading the sheet "Thông tin chung" into the TOML ``[scheme]`` table.

Each line is label | value | key. The key says exactly which field a line is; a line whose key
was cleared is known by its label. Every cell that cannot be read is added to ``problems``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from app.catalogue import workbook_cells as cells
from app.catalogue.loader_fields import SCHEME_CODE_LIMIT, VERSION_LIMIT
from app.catalogue.model import UNIT_TYPES
from app.catalogue.workbook_cells import BadCell
from app.catalogue.workbook_format import (
    HEADER_FIELDS,
    HEADER_SHEET,
    KIND_LABELS,
    PERIOD_LABELS,
    Problem,
    fold,
    header_label,
)

MAX_HEADER_LINES = 200
REQUIRED = ("code", "title", "family", "version", "first_year", "kind", "unit_types")
SCHEME_CODE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
EXTRA_KEY = re.compile(r"source\.[a-z_]{1,30}|amended_by\.\d{1,2}(\.[a-z_]{1,30})?"
                       r"|communes\.[a-z_]{1,30}")
COMMUNE_DAYS = {"min_share": (0, 100, "một tỷ lệ phần trăm"),
                "report_day": (1, 28, "một ngày trong tháng"),
                "district_report_day": (1, 28, "một ngày trong tháng")}


@dataclass(frozen=True)
class HeaderLine:
    number: int  # the line of the sheet
    label: str


@dataclass
class Header:
    data: dict = field(default_factory=dict)  # the TOML [scheme] table
    lines: dict[str, HeaderLine] = field(default_factory=dict)  # key -> its line


def read_header(sheet, method_labels: dict[str, str], problems: list[Problem]) -> Header | None:
    if sheet is None:
        return None
    header = Header()
    by_label = {fold(f.label): f.key for f in HEADER_FIELDS}
    values: dict[str, object] = {}
    if sheet.max_row > MAX_HEADER_LINES:
        problems.append(Problem(HEADER_SHEET, None, None,
                                f"trang có hơn {MAX_HEADER_LINES} dòng; chỉ cần một dòng cho "
                                "mỗi thông tin."))
        return None
    for number, line in enumerate(sheet.iter_rows(max_col=3, values_only=True), start=1):
        label_cell, value, key_cell = (list(line) + [None] * 3)[:3]
        key = str(key_cell).strip() if not cells.blank(key_cell) else \
            by_label.get(fold(label_cell)) if not cells.blank(label_cell) else None
        if key is None or fold(key).startswith("khoa"):  # the title and the headings
            if not cells.blank(value) and number > 2:
                problems.append(Problem(HEADER_SHEET, number, "C", "không rõ dòng này ghi "
                                        "thông tin gì: hãy ghi khóa ở cột C như tệp tải về."))
            continue
        if key not in by_label.values() and not EXTRA_KEY.fullmatch(key):
            problems.append(Problem(HEADER_SHEET, number, "C", f"khóa «{key[:40]}» không có."))
            continue
        if key in header.lines:
            problems.append(Problem(HEADER_SHEET, number, "C",
                                    f"khóa «{key}» đã có ở dòng {header.lines[key].number}."))
            continue
        header.lines[key] = HeaderLine(number, header_label(key))
        if cells.blank(value):
            continue
        try:
            values[key] = _value(key, value, method_labels)
        except BadCell as exc:
            problems.append(Problem(HEADER_SHEET, number, "B", str(exc), header_label(key)))
    for key in REQUIRED:
        if key not in values and not any(p.sheet == HEADER_SHEET and p.row ==
                                          getattr(header.lines.get(key), "number", -1)
                                          for p in problems):
            line = header.lines.get(key)
            problems.append(Problem(HEADER_SHEET, line.number if line else None,
                                    "B" if line else None,
                                    f"chưa ghi «{header_label(key)}» (khóa {key}).",
                                    header_label(key) if line else None))
    header.data = _table(values)
    return header


def _value(key: str, value, method_labels: dict[str, str]):
    if key == "code":
        code = cells.text(value, SCHEME_CODE_LIMIT)
        if not SCHEME_CODE.fullmatch(code):
            raise BadCell(f"mã «{code}» chỉ gồm chữ thường không dấu, số và dấu gạch ngang, "
                          "ví dụ dienbien-xa-2026")
        return code
    if key in ("version",):
        return cells.whole(value, 1, VERSION_LIMIT, "số thứ tự phiên bản")
    if key in ("first_year", "last_year"):
        return cells.year(value)
    if key == "kind":
        return cells.label(value, KIND_LABELS, "loại bộ chỉ số")
    if key == "unit_types":
        return cells.labels_list(value, dict(UNIT_TYPES), "loại đơn vị")
    if key == "max_points":
        return cells.toml_number(cells.number(value, Decimal(0), cells.POINTS_LIMIT))
    if key == "method":
        return cells.label(value, method_labels, "cách chấm")
    if key == "period":
        return cells.label(value, dict(PERIOD_LABELS), "kỳ")
    if key.startswith("communes."):
        low, high, what = COMMUNE_DAYS.get(key.split(".", 1)[1], (0, 1000, "một số nguyên"))
        return cells.whole(value, low, high, what)
    if key.endswith(".date"):
        return cells.iso_date(value)
    return cells.text(value)


def _table(values: dict[str, object]) -> dict:
    """The flat keys (source.number, amended_by.1.date, communes.report_day) as TOML tables."""
    table: dict = {}
    amended: dict[int, object] = {}
    for key, value in values.items():
        parts = key.split(".")
        if parts[0] == "source":
            table.setdefault("source", {})[parts[1]] = value
        elif parts[0] == "communes":
            table.setdefault("communes", {})[parts[1]] = value
        elif parts[0] == "amended_by":
            index = int(parts[1])
            if len(parts) == 2:
                amended[index] = value
            elif isinstance(amended.setdefault(index, {}), dict):
                amended[index][parts[2]] = value
        else:
            table[key] = value
    if amended:
        table.setdefault("source", {})["amended_by"] = [amended[i] for i in sorted(amended)]
    return table
