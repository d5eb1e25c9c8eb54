"""Reading numbers and dates the way Vietnamese officials type them: 12,5 · 1.234.567 · 45% ·
31/12/2022."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
# Bounds of what a field may hold, checked before anything is stored or audited: the answer
# columns are NUMERIC(20, 4), so 16 digits before the decimal mark; a longer text than
# MAX_TYPED is not a figure anyone types (a 4,001-digit value would fill the audit for good).
MAX_TYPED = 40
MAX_INTEGER_DIGITS = 16
MAX_DECIMALS = 10  # more is rounded away (the database keeps 4): 1e-999999 reads as 0


def parse_number(text: str | None) -> Decimal | None:
    """None for an empty field; ValueError (Vietnamese) for text that is not a number, or a
    number too long, too large or not finite to store."""
    raw = (text or "").strip().replace(" ", "").replace("\u00a0", "").rstrip("%")
    if not raw:
        return None
    if len(raw) > MAX_TYPED:
        raise ValueError(f"dài quá {MAX_TYPED} ký tự, không phải một con số")
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
    if value and value.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValueError(f"«{text.strip()}» lớn quá (tối đa {MAX_INTEGER_DIGITS} chữ số trước "
                         "dấu phẩy)")
    if value.as_tuple().exponent < -MAX_DECIMALS:
        value = value.quantize(Decimal(1).scaleb(-MAX_DECIMALS))
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
