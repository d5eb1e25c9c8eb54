"""How the pages name a scheme: a short human title, not the code and not the capitals the
decision was typed in. The code stays beside it, small, for those who look it up."""
from __future__ import annotations

from markupsafe import Markup

SHORT = 80  # characters of a title that fit a table cell on one or two lines
# The abbreviations every official reads: a short title uses them as the decisions' own
# summaries do.
ABBREVIATIONS = (("ủy ban nhân dân", "UBND"), ("Ủy ban nhân dân", "UBND"),
                 ("chuyển đổi số", "CĐS"), ("Chuyển đổi số", "CĐS"))
# Abbreviations that stay in capitals when a title typed in capitals is sentence-cased.
ACRONYMS = frozenset({"UBND", "HĐND", "CĐS", "TTHC", "CNTT", "KPI", "DTI", "PAR", "SIPAS",
                      "ICT", "CQNN", "MTTQ", "TP", "TX"})

PROPER_NAMES = ("Ủy ban nhân dân", "Hội đồng nhân dân")


def sentence_case(title: str) -> str:
    """«BỘ CHỈ SỐ CHUYỂN ĐỔI SỐ UBND CÁC HUYỆN» → «Bộ chỉ số chuyển đổi số UBND các huyện».
    A title already in mixed case is kept as its authors wrote it."""
    title = " ".join(title.split())
    letters = [c for c in title if c.isalpha()]
    if not letters or any(c.islower() for c in letters):
        return title
    words = [w if w.strip(",.;:()") in ACRONYMS else w.lower() for w in title.split(" ")]
    text = " ".join(words)
    for name in PROPER_NAMES:  # the bodies' names keep their capital inside a sentence
        text = text.replace(name.lower(), name)
    return text[:1].upper() + text[1:]


def short_title(title: str, limit: int = SHORT) -> str:
    """The sentence-cased title, usual abbreviations applied, cut at a word before ``limit``
    characters."""
    text = sentence_case(title)
    for long, short in ABBREVIATIONS:
        text = text.replace(long, short)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def scheme_name(code: str, schemes: dict) -> Markup:
    """HTML: the short title (the full one on hover) with the code small beside it."""
    scheme = schemes.get(code)
    if scheme is None:
        return Markup('<span class="code">{}</span>').format(code)
    full = sentence_case(scheme.title)
    return Markup('<span title="{}">{}</span> <span class="code muted small">{}</span>').format(
        full, short_title(scheme.title), code)


def init_app(app) -> None:
    schemes = lambda: app.extensions["chiso"].schemes  # noqa: E731 - read at render time
    app.jinja_env.filters["scheme_name"] = lambda code: scheme_name(code, schemes())
    app.jinja_env.filters["short_title"] = short_title
    app.jinja_env.filters["scheme_title"] = lambda code: (
        short_title(schemes()[code].title) if code in schemes() else code)
    app.jinja_env.filters["sentence_case"] = sentence_case


__all__ = ["init_app", "scheme_name", "sentence_case", "short_title"]
