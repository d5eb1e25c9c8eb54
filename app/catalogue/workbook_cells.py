"""Reading one cell of a scheme workbook into the value the TOML form holds, or saying in
Vietnamese why it cannot be: a number that is not one, a label that names nothing, a text too
long. Each reader returns the value, or raises ``BadCell`` with the message for the official.
"""
from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

# the loader's own bounds (the readers use them as cells.X): a cell is refused at its place
# with the bound the loader holds
from app.catalogue.loader_fields import (  # noqa: F401
    CODE_LIMIT,
    DECIMALS,
    LONG_TEXT_LIMIT,
    POINTS_LIMIT,
    TARGET_LIMIT,
    TEXT_LIMIT,
)
from app.catalogue.workbook_format import NO_WORDS, YES_WORDS, fold, lookup


class BadCell(ValueError):
    """The cell's content cannot be read; the message says why, in Vietnamese."""


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value, limit: int = TEXT_LIMIT, keep_spaces: bool = False) -> str:
    """A cell as text: a number typed where text was meant reads as it shows (1 → "1")."""
    if isinstance(value, bool):
        raise BadCell("cần ghi chữ, không phải giá trị đúng/sai")
    if isinstance(value, (datetime.date, datetime.datetime)):
        raise BadCell("cần ghi chữ, không phải ngày tháng")
    if isinstance(value, (int, float)):
        value = _plain(Decimal(str(value)))
    value = str(value) if keep_spaces else str(value).strip()
    if len(value) > limit:
        raise BadCell(f"dài {len(value):,} ký tự, quá giới hạn {limit:,} ký tự".replace(",", "."))
    return value


def code(value) -> str:
    """A row's code as printed (1, 1.2, CB.1.2, 31a): no spaces, at most CODE_LIMIT characters."""
    result = text(value, CODE_LIMIT)
    if re.search(r"\s", result):
        raise BadCell(f"mã «{result}» không được có khoảng trắng")
    return result


def number(value, low: Decimal, high: Decimal) -> Decimal:
    """A number within [low, high], at most three decimals; "2,5" reads as 2.5."""
    if isinstance(value, bool):
        raise BadCell("cần ghi một số")
    if isinstance(value, (int, float)):
        result = Decimal(str(value))
    else:
        raw = str(value).strip().replace(" ", "")
        if "," in raw and "." not in raw:
            raw = raw.replace(",", ".")
        try:
            result = Decimal(raw)
        except InvalidOperation:
            raise BadCell(f"«{str(value).strip()[:40]}» không phải là một số") from None
    if not result.is_finite() or not low <= result <= high:
        raise BadCell(f"phải là số từ {_plain(low)} đến {_plain(high)}")
    if result != round(result, DECIMALS):
        raise BadCell(f"chỉ được có tối đa {DECIMALS} chữ số thập phân")
    return result


def toml_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def whole(value, low: int, high: int, what: str) -> int:
    """A whole number within [low, high] (a year, a version, a day of the month)."""
    try:
        result = number(value, Decimal(low), Decimal(high))
    except BadCell:
        raise BadCell(f"phải là {what} (số nguyên từ {low} đến {high})") from None
    if result != result.to_integral_value():
        raise BadCell(f"phải là {what} (số nguyên từ {low} đến {high})")
    return int(result)


def year(value) -> int:
    return whole(value, 1990, 2100, "một năm, ví dụ 2026")


def iso_date(value) -> str:
    """A decision's date, typed dd/mm/yyyy, as a date cell or ISO, as the TOML form holds it."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    raw = text(value)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(raw, pattern).date().isoformat()
        except ValueError:
            continue
    raise BadCell(f"ngày «{raw[:40]}» phải ghi dạng ngày/tháng/năm, ví dụ 31/10/2022")


def yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    if blank(value):
        return False
    word = fold(text(value))
    if word in {fold(w) for w in YES_WORDS}:
        return True
    if word in {fold(w) for w in NO_WORDS}:
        return False
    raise BadCell(f"ghi «Có» hoặc để trống (đang ghi «{text(value)[:40]}»)")


def label(value, labels: dict[str, str], what: str) -> str:
    """The key a label (or the key itself) names; the message lists what is allowed."""
    raw = text(value)
    key = lookup(labels, raw)
    if key is None:
        allowed = ", ".join(labels.values())
        raise BadCell(f"{what} «{raw[:60]}» không có; ghi một trong: {allowed}")
    return key


def labels_list(value, labels: dict[str, str], what: str) -> list[str]:
    """Several labels, separated by «;» or line breaks (unit types: their names hold commas)."""
    parts = [part for part in re.split(r"[;\n]", text(value)) if part.strip()]
    return [label(part, labels, what) for part in parts]


def items(value) -> list[str]:
    """A list of texts separated by «;» or line breaks (coordinating agencies)."""
    return [part.strip() for part in re.split(r"[;\n]", text(value)) if part.strip()]


def _plain(value: Decimal) -> str:
    """A number as a person writes it: 1 not 1.0, 2.5 not 2.50; a huge one as it comes."""
    if not value.is_finite() or abs(value) >= 10**15:
        return str(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")
