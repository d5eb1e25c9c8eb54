"""Search as officials type it: without accents, in any case. «muong nhe», «Muong Nhé» and
«MƯỜNG NHÉ» all find «Huyện Mường Nhé».

The fold runs in Python on both databases: PostgreSQL's ``unaccent`` is an extension a
province's server may not have, SQLite has nothing like it, and the lists searched (units,
users of one province) are a few thousand rows that the pages load anyway."""
from __future__ import annotations

import unicodedata

# Letters NFD does not decompose into a base letter and a mark.
_PLAIN = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str | None) -> str:
    """Lower case, no diacritics, single spaces: the form both sides are compared in."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_PLAIN))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def matcher(query: str | None):
    """A test ``(*texts) -> bool``: every word of the query appears in one of the texts."""
    words = fold(query).split()

    def matches(*texts) -> bool:
        haystack = " | ".join(fold(t) for t in texts if t)
        return all(word in haystack for word in words)
    return matches
