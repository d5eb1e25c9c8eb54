"""Writing workbook cells so that text stays text.

openpyxl turns any string starting with ``=`` into a live formula (and ``#N/A`` and the like into
an error cell). A unit's explanation, an appraiser's comment, a unit's or a scheme's name are
text whatever they start with, so every writer puts its cells through ``put``; the formulas the
app builds itself (the =SUM of a parent's children, a percentage) are marked ``Formula``.
"""
from __future__ import annotations


class Formula(str):
    """A formula the app builds from cell references, never from what a person typed."""


def put(cell, value):
    """Write ``value`` into ``cell``; a string is stored as text unless it is a ``Formula``."""
    cell.value = value
    if isinstance(value, str) and not isinstance(value, Formula):
        cell.data_type = "s"
    return cell


def append(sheet, values) -> None:
    """``sheet.append`` with every string written as text (see ``put``)."""
    values = list(values)
    sheet.append(values)
    line = sheet._current_row  # the line append just wrote (openpyxl keeps no public name)
    for column, value in enumerate(values, start=1):
        if isinstance(value, str) and not isinstance(value, Formula):
            sheet.cell(line, column).data_type = "s"
