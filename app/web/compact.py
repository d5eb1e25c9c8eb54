"""Templates written indented, sent without the indentation.

The assessment form repeats its row markup for every row: the source's indentation, sent as
is, was an eighth of a 70-row page (issue 15: at most 80 KB). A template that starts with
``{#- compact -#}`` loses the spaces and tabs at the start of its lines when it is compiled,
once: nothing is done per request, and the page reads the same (a line break still separates
inline elements; no template marked so holds literal <pre> or <textarea> text).

A line break just before the start or the end tag of a block (<div>, <p>, …) goes as well:
browsers draw no space there (white space at either end of a line is removed, CSS 2.1
§16.6.1). Before an inline element (<label>, <a>, <span>, <input>) it stays."""
from __future__ import annotations

import re

from jinja2.ext import Extension

MARKER = "{#- compact -#}"
_INDENT = re.compile(r"\n[ \t]+")
# Elements the marked templates keep as blocks (none is restyled inline in static/app.css).
_BEFORE_BLOCK = re.compile(
    r"\n(?=</?(?:div|p|fieldset|details|summary|section|nav|ol|ul|li|h[1-6]|form)[\s>])")


class CompactIndent(Extension):
    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if not source.startswith(MARKER):
            return source
        return _BEFORE_BLOCK.sub("", _INDENT.sub("\n", source))
