"""Row ids as they arrive in web URLs and forms: a number past the id columns' range names no
row, so it is a 404 (or no choice at all), never a database error on a number it cannot bind."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are 32-bit integer columns on PostgreSQL (as app.api.spec.MAX_ID)


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: ASCII digits only (Werkzeug's ``\\d`` is any script's digits,
    so /units/١٢ and /units/１２ would open unit 12: an address is not typed as a number) and at
    most MAX_ID, so a longer number finds no route (404)."""

    regex = r"[0-9]+"

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def form_id(values, name: str) -> int:
    """The id posted as ``name``; 0 (no row has it) when absent, not a number or out of range."""
    value = values.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else 0
