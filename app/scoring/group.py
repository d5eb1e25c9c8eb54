"""A whole group's scores at once. Pure: plain data in, plain data out; no database, no Flask.

Relative and inverse rows compare a unit with the best of its group in the same period, so one
unit's change moves the others' scores: every recomputation takes all units of a scheme and
period together. Groups follow the unit type: provincial departments and agencies apart from
districts, communes, wards and towns together.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping

from app.catalogue.model import Scheme
from app.scoring import Entry, Methods, Totals, best_values, totals

FAMILIES = {
    "tinh": "province",
    "so": "agency",
    "co_quan": "agency",
    "huyen": "district",
    "xa": "commune",
    "phuong": "commune",
    "thi_tran": "commune",
}
FAMILY_LABELS = {
    "province": "Tỉnh",
    "agency": "Sở, ban, ngành và cơ quan cấp tỉnh",
    "district": "Huyện, thị xã, thành phố",
    "commune": "Xã, phường, thị trấn",
}
FAMILY_ORDER = tuple(FAMILY_LABELS)


def family(unit_type: str | None) -> str:
    """The group a unit type is compared and ranked in (unknown types form a group of their own)."""
    return FAMILIES.get(unit_type or "", unit_type or "")


def split(unit_types: Mapping[Hashable, str | None], units) -> dict[str, list]:
    """Units by group, in the order given."""
    groups: dict[str, list] = {}
    for unit in units:
        groups.setdefault(family(unit_types.get(unit)), []).append(unit)
    return groups


def recompute(scheme: Scheme, answers: Mapping[Hashable, Mapping[str, Entry]],
              methods: Methods,
              unit_types: Mapping[Hashable, str | None] | None = None) -> dict[Hashable, Totals]:
    """Totals of every unit: {unit: {code: Entry}} → {unit: Totals}.

    ``unit_types`` (unit → type) splits the units into groups, each with its own best values,
    and lets target rows judge each unit against its own type's threshold; without it all the
    units form one group."""
    unit_types = unit_types or {}
    result: dict[Hashable, Totals] = {}
    for members in split(unit_types, answers).values():
        best = best_values(scheme, [answers[unit] for unit in members], methods)
        for unit in members:
            result[unit] = totals(scheme, dict(answers[unit]), methods, best, unit_types.get(unit))
    return result
