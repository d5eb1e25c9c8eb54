"""Versions of a scheme: a family (``thanhhoa-huyen``) whose versions each apply to a span of years.

A later decision is a new file with the same family, a higher version and its own first year;
the earlier version then ends the year before (unless it declares its own last year). Pure: the
registry passes the schemes it loaded.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from app.catalogue.model import Scheme


def family(schemes: Iterable[Scheme], scheme: Scheme) -> list[Scheme]:
    """Every version of the scheme's family (same plugin), oldest first."""
    return sorted((s for s in schemes if s.plugin == scheme.plugin and s.family == scheme.family),
                  key=lambda s: (s.first_year or 0, s.version))


def last_year(schemes: Iterable[Scheme], scheme: Scheme) -> int | None:
    """The last year the version applies to: its own ``last_year``, else the year before the
    next version of the family starts (None: open-ended)."""
    if scheme.last_year is not None:
        return scheme.last_year
    later = [s.first_year for s in family(schemes, scheme)
             if s.first_year is not None and scheme.first_year is not None
             and s.first_year > scheme.first_year]
    return min(later) - 1 if later else None


def applies(schemes: Iterable[Scheme], scheme: Scheme, year: int) -> bool:
    schemes = list(schemes)
    end = last_year(schemes, scheme)
    return ((scheme.first_year is None or year >= scheme.first_year)
            and (end is None or year <= end))


def version_for(schemes: Iterable[Scheme], scheme: Scheme, year: int) -> Scheme | None:
    """The version of the scheme's family that applies in ``year`` (None: no version does)."""
    schemes = list(schemes)
    return next((s for s in family(schemes, scheme) if applies(schemes, s, year)), None)


def check(schemes: list[Scheme]) -> None:
    """Refuse one plugin's schemes when two files carry one scheme code, or one family has two
    files with one version: the later would silently replace the earlier. Names both files."""
    seen: dict[str, Scheme] = {}
    versions: dict[tuple[str, int], Scheme] = {}
    for scheme in schemes:
        earlier = seen.setdefault(scheme.code, scheme)
        if earlier is not scheme:
            raise ValueError(f"mã bộ chỉ số «{scheme.code}» có ở hai tệp: "
                             f"{Path(earlier.path).name} và {Path(scheme.path).name}")
        earlier = versions.setdefault((scheme.family, scheme.version), scheme)
        if earlier is not scheme:
            raise ValueError(f"họ «{scheme.family}» có hai tệp cùng phiên bản {scheme.version}: "
                             f"{Path(earlier.path).name} và {Path(scheme.path).name}")
