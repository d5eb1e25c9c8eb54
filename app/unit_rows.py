"""Checking a plugin's unit rows (docs/units-format.md) before anything is stored: each problem
is refused with the file and line it comes from, so the plugin's author can fix it, instead of
a raw traceback half-way through `provinces setup`."""
from __future__ import annotations

import re
from datetime import date

from app.models.unit import UNIT_TYPE_ORDER

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class UnitRow(dict):
    """A row read from a unit file, remembering where it was read (for messages)."""

    def __init__(self, values: dict, source: str, line: int):
        super().__init__(values)
        self.source, self.line = source, line


class UnitRowError(ValueError):
    pass


def where(row, index: int) -> str:
    if isinstance(row, UnitRow):
        return f"{row.source}, dòng {row.line}"
    return f"chiso_units, mục {index + 1}"  # rows a plugin built without a file


def check_units(rows: list, plugin_code: str, official_code: str) -> None:
    """Raise UnitRowError for the first row that is wrong: missing fields, an unknown type, a
    province that is not the plugin's, a date not written YYYY-MM-DD, a parent not listed
    before its child."""
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise UnitRowError(f"{where(row, index)}: mỗi đơn vị phải là một dict "
                               f"(nhận {type(row).__name__}).")
        at = where(row, index)
        code = str(row.get("code") or "").strip()
        for field in ("code", "name", "type"):
            if not str(row.get(field) or "").strip():
                raise UnitRowError(f"{at}: thiếu cột «{field}».")
        if row["type"] not in UNIT_TYPE_ORDER:
            raise UnitRowError(f"{at}: loại đơn vị «{row['type']}» không có; dùng một trong "
                               f"{', '.join(UNIT_TYPE_ORDER)}.")
        if row["type"] == "tinh" and code != official_code:
            raise UnitRowError(f"{at}: tỉnh mã «{code}» không phải tỉnh của plugin "
                               f"«{plugin_code}» (mã tỉnh {official_code}).")
        for field in ("valid_from", "valid_to"):
            _check_date(row.get(field), f"{at}: cột «{field}»")
        parent = str(row.get("parent") or "").strip()
        if parent and parent not in seen:
            raise UnitRowError(f"{at}: đơn vị cha «{parent}» của «{code}» chưa được khai báo ở "
                               "dòng trước (đơn vị cha phải đứng trước đơn vị con).")
        seen.add(code)


def _check_date(value, label: str) -> None:
    if value in (None, "") or isinstance(value, date):
        return
    text = str(value)
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError
        date.fromisoformat(text)
    except ValueError:
        raise UnitRowError(f"{label}: «{text}» không phải ngày dạng YYYY-MM-DD.") from None
