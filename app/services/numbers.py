"""Reading numbers and dates the way Vietnamese officials type them: 12,5 · 1.234.567 · 45% ·
31/12/2022."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def parse_number(text: str | None) -> Decimal | None:
    """None for an empty field; ValueError (Vietnamese) for text that is not a number."""
    raw = (text or "").strip().replace(" ", "").replace("\u00a0", "").rstrip("%")
    if not raw:
        return None
    if "," in raw:  # comma is the decimal mark; dots group thousands
        raw = raw.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(raw):
        raw = raw.replace(".", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"«{text.strip()}» không phải là số") from None
    if not value.is_finite():
        raise ValueError(f"«{text.strip()}» không phải là số")
    return value


def parse_date(text: str) -> date:
    """31/12/2022 (as typed) or 2022-12-31 (as a date input sends it); ValueError for anything
    else, a year too large for a date included."""
    try:
        if "/" in text:
            day, month, year = (int(p) for p in text.split("/"))
            return date(year, month, day)
        return date.fromisoformat(text)
    except OverflowError:
        raise ValueError(f"«{text}» không phải là ngày") from None
