"""URL converters: an id in a URL is ASCII digits only.

Werkzeug's ``int`` matches ``\\d``, which in Python is any script's digits: /units/١٢ and
/units/１２ would open unit 12. Digits of other scripts are read only where a person types a
value (app.services.numbers); an address is not typed as a number.
"""
from __future__ import annotations

from werkzeug.routing import IntegerConverter


class AsciiIntegerConverter(IntegerConverter):
    regex = r"[0-9]+"


def init_app(app) -> None:
    """Before any blueprint is registered: rules compile their converters when added."""
    app.url_map.converters["int"] = AsciiIntegerConverter
