"""Cached values for the formulas of the workbooks we write.

openpyxl saves a formula without its result, so a program that reads the file without
recalculating (pandas, openpyxl ``data_only``, a phone's viewer) sees empty totals. The
formulas stay (an official who corrects a cell sees the totals follow); this module works out
each one's value the way Excel would and writes it beside the formula in the saved file.

Only the small language our builders emit is understood: numbers, "text", cell references and
ranges, + - * /, comparisons, SUM, ROUND and IF. Anything else is left without a value rather
than guessed.
"""
from __future__ import annotations

import io
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from openpyxl.utils.cell import column_index_from_string, get_column_letter

_TOKEN = re.compile(r'\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>"[^"]*")|'
                    r'(?P<range>\$?[A-Z]{1,3}\$?\d+:\$?[A-Z]{1,3}\$?\d+)|'
                    r'(?P<ref>\$?[A-Z]{1,3}\$?\d+)|(?P<name>[A-Z]+)\(|(?P<op>>=|<=|<>|[-+*/(),<>=]))')


class Unsupported(ValueError):
    """A formula outside the small language above: no cached value is written."""


def _tokens(formula: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = formula.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise Unsupported(formula)
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Formula:
    """Recursive descent over the tokens; ``cell(ref)`` gives another cell's value."""

    def __init__(self, formula: str, cell, bounds: tuple[int, int] | None = None):
        self.tokens, self.pos, self.cell, self.bounds = _tokens(formula), 0, cell, bounds

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self, value=None):
        token = self.peek()
        if value is not None and token[1] != value:
            raise Unsupported(value)
        self.pos += 1
        return token

    def parse(self):
        value = self.comparison()
        if self.pos != len(self.tokens):
            raise Unsupported("trailing")
        return value

    def comparison(self):
        left = self.additive()
        ops = {">": lambda a, b: a > b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b,
               "<=": lambda a, b: a <= b, "=": lambda a, b: a == b, "<>": lambda a, b: a != b}
        if self.peek()[1] in ops:
            op = ops[self.take()[1]]
            return op(_num(left), _num(self.additive()))
        return left

    def additive(self):
        value = self.term()
        while self.peek()[1] in ("+", "-"):
            op, right = self.take()[1], self.term()
            value = _num(value) + _num(right) if op == "+" else _num(value) - _num(right)
        return value

    def term(self):
        value = self.unary()
        while self.peek()[1] in ("*", "/"):
            op, right = self.take()[1], self.unary()
            if op == "*":
                value = _num(value) * _num(right)
            elif _num(right) == 0:
                raise ZeroDivisionError
            else:
                value = _num(value) / _num(right)
        return value

    def unary(self):
        if self.peek()[1] == "-":
            self.take()
            return -_num(self.unary())
        return self.atom()

    def atom(self):
        kind, text = self.take()
        if kind == "num":
            return Decimal(text)
        if kind == "str":
            return text[1:-1]
        if kind == "ref":
            ref = text.replace("$", "")
            _within(ref, self.bounds)
            return self.cell(ref)
        if kind == "range":
            span = text.replace("$", "")
            for corner in span.split(":"):  # before a cell is made: A2:XFD1048576 has 17 bn
                _within(corner, self.bounds)
            return _Range([self.cell(ref) for ref in _cells_of(span)])
        if kind == "name":
            return self.function(text)
        if text == "(":
            value = self.comparison()
            self.take(")")
            return value
        raise Unsupported(text)

    def function(self, name: str):
        if name == "IF":  # lazy: the branch not taken may divide by zero
            condition = self.comparison()
            self.take(",")
            start = self.pos
            if condition:
                value = self.comparison()
                self._skip_to_close()
                return value
            self._skip_argument(start)
            self.take(",")
            value = self.comparison()
            self.take(")")
            return value
        args = [self.comparison()]
        while self.peek()[1] == ",":
            self.take()
            args.append(self.comparison())
        self.take(")")
        if name == "SUM":
            return sum((v for a in args for v in (a.values if isinstance(a, _Range) else [a])
                        if isinstance(v, Decimal)), Decimal(0))
        if name == "ROUND":
            return _num(args[0]).quantize(Decimal(1).scaleb(-int(_num(args[1]))), ROUND_HALF_UP)
        raise Unsupported(name)

    def _skip_argument(self, start: int) -> None:
        """Pass over one argument without evaluating it (up to the next top-level comma)."""
        depth, self.pos = 0, start
        while True:
            kind, text = self.peek()
            if kind is None:
                raise Unsupported("unclosed")
            if depth == 0 and text in (",", ")"):
                return
            depth += (kind == "name" or text == "(") - (text == ")")
            self.pos += 1

    def _skip_to_close(self) -> None:
        if self.peek()[1] == ",":
            self.take()
            self._skip_argument(self.pos)
        self.take(")")


class _Range:
    def __init__(self, values):
        self.values = values


def _num(value) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value
    raise Unsupported(f"not a number: {value!r}")


def _cells_of(span: str) -> list[str]:
    first, last = span.split(":")
    (c1, r1), (c2, r2) = _split(first), _split(last)
    return [f"{get_column_letter(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _within(ref: str, bounds: tuple[int, int] | None) -> None:
    """Unsupported for a cell outside the lines and columns read (``bounds``: the last line and
    column), so that a formula reaches only cells that exist in a bounded part of the sheet."""
    if bounds is None:
        return
    column, line = _split(ref)
    if not (1 <= line <= bounds[0] and 1 <= column <= bounds[1]):
        raise Unsupported(f"outside the lines read: {ref}")


def _split(ref: str) -> tuple[int, int]:
    letters = ref.rstrip("0123456789")
    return column_index_from_string(letters), int(ref[len(letters):])


def computed(sheet, refs=None, bounds: tuple[int, int] | None = None) -> dict[str, object]:
    """{cell reference: value} for every formula of the sheet that could be worked out (of the
    cells ``refs`` alone where given: a workbook read back names those it needs).

    ``bounds`` (last line, last column): a workbook from outside is read only that far; a
    formula reaching beyond, however indirectly (=A1 where A1 is =SUM(A2:XFD1048576)), gets no
    value, and no cell beyond is ever created."""
    results: dict[str, object] = {}
    failed: set[str] = set()

    def value_of(ref: str):
        if ref in failed:  # a sum over a cell without a value has none either (not a smaller one)
            raise Unsupported(f"depends on {ref}")
        if ref in results:
            return results[ref]
        raw = sheet[ref].value
        if isinstance(raw, str) and raw.startswith("="):
            results[ref] = None  # a cycle reads as empty rather than recursing forever
            try:
                results[ref] = _Formula(raw[1:], value_of, bounds).parse()
            except (Unsupported, ArithmeticError):
                failed.add(ref)
                results.pop(ref)
                raise
            return results[ref]
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return Decimal(str(raw))
        return raw

    wanted = [cell for row in sheet.iter_rows() for cell in row] if refs is None \
        else [sheet[ref] for ref in refs if _inside(ref, bounds)]
    for cell in wanted:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            try:
                value_of(cell.coordinate)
            except (Unsupported, ArithmeticError):
                pass
    return {ref: v for ref, v in results.items() if v is not None}


def _inside(ref: str, bounds) -> bool:
    try:
        _within(ref, bounds)
    except Unsupported:
        return False
    return True


_FORMULA_CELL = re.compile(r'<c r="([A-Z]+\d+)"([^>]*)><f>(.*?)</f><v\s*/></c>', re.S)


def with_cached_values(book, data: bytes) -> bytes:
    """The saved workbook ``data`` with each formula's value written after it."""
    values = {f"xl/worksheets/sheet{i}.xml": computed(sheet)
              for i, sheet in enumerate(book.worksheets, start=1)}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            found = values.get(item.filename)
            if found:
                content = _FORMULA_CELL.sub(lambda m: _cell_xml(m, found),
                                            content.decode("utf-8")).encode("utf-8")
            target.writestr(item, content)
    return out.getvalue()


def _cell_xml(match, found: dict) -> str:
    ref, attrs, formula = match.groups()
    if ref not in found:
        return match.group(0)
    value = found[ref]
    if isinstance(value, bool):
        attrs, text = _typed(attrs, "b"), "1" if value else "0"
    elif isinstance(value, Decimal):
        attrs, text = _typed(attrs, None), format(value.normalize(), "f")
    else:
        attrs, text = _typed(attrs, "str"), escape(str(value))
    return f'<c r="{ref}"{attrs}><f>{formula}</f><v>{text}</v></c>'


def _typed(attrs: str, kind: str | None) -> str:
    attrs = re.sub(r'\s+t="[^"]*"', "", attrs)
    return attrs + (f' t="{kind}"' if kind else "")
