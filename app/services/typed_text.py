"""Names a person typed (a unit's, a person's, a file's), made safe to keep and show.

Bidi controls (U+202E RIGHT-TO-LEFT OVERRIDE and its kin) make a file name "hồ-sơ\u202efdp.exe"
read as "hồ-sơexe.pdf" in the page; nobody types them on purpose.
"""
from __future__ import annotations

import re

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def without_bidi(text: str) -> str:
    return BIDI_CONTROLS.sub("", text or "")

