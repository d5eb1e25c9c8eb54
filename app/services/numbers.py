"""Reading numbers the way Vietnamese officials type them: 12,5 · 1.234.567 · 45%."""
from __future__ import annotations

import re
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
