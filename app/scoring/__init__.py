"""Scoring: pure functions from (catalogue, answers) to scores. No database, no Flask.

A leaf's score is the appraised score where there is one, else the self-score, else the score
its method proposes from the value. "Không đánh giá" leaves drop out of the maximum.

The methods, with the catalogue's ``max_points`` as max:

- ``ratio``: the value is a percentage (a fraction counts as numerator / denominator × 100);
  score = value / 100 × max, so 45 of 50 computers on a 20-point row give 18.
- ``boolean``: yes gives max, no gives 0.
- ``relative``: value / best × max, best being the highest value of the same group of units in
  the same period (``app.scoring.group``): 30 where the best district has 40 gives 7.5 of 10.
- ``inverse`` (lower is better): best / value × max, best being the lowest non-zero value of
  the group; zero earns max. 4 incidents where the best unit had 2 give 2.5 of 5.
- ``target``: max when the value meets the threshold of the unit's type, else 0.
- ``manual`` and ``monitor``: nothing is proposed (a person judges; monitored rows have no
  points).

A plugin may add methods of its own (hook ``chiso_scoring_methods``); they arrive here as
``methods``: name → ``fn(row, entry) -> Decimal | None``, the result kept within 0..max.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from app.catalogue.model import METHODS, Row, Scheme

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CORE_METHODS = frozenset(METHODS)
GROUP_METHODS = ("relative", "inverse")  # need the other units' values: app.scoring.group
Method = Callable[[Row, "Entry"], "Decimal | None"]


@dataclass
class Entry:
    """What scoring needs of one answer (the service layer builds these from the database)."""
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    text: str | None = None
    self_score: Decimal | None = None
    appraised_score: Decimal | None = None
    not_assessed: bool = False

    def measured(self) -> Decimal | None:
        """The value in the row's own measure (a fraction becomes a percentage)."""
        if self.numerator is not None and self.denominator:
            return self.numerator / self.denominator * HUNDRED
        return self.value


def propose(row: Row, entry: Entry, best: Decimal | None = None, unit_type: str | None = None,
            methods: Mapping[str, Method] | None = None) -> Decimal | None:
    """The score the row's method gives the value; None where it cannot say: a person must
    judge, the value is missing, or a group method has not been given its group's best."""
    value = entry.measured()
    if row.max_points is None:
        return None
    top = row.max_points
    plugin_method = (methods or {}).get(row.method)
    if plugin_method is not None:
        proposed = plugin_method(row, entry)
        return None if proposed is None else _clamp(Decimal(str(proposed)), top)
    if value is None:
        return None
    if row.method == "ratio":
        return _clamp(value / HUNDRED * top, top)
    if row.method == "boolean":
        return top if value else ZERO
    if row.method == "relative":
        if best is None:
            return None
        return _clamp(value / best * top, top) if best > 0 else ZERO
    if row.method == "inverse":
        if value <= 0:
            return top
        return None if best is None else _clamp(best / value * top, top)
    if row.method == "target":
        reached = met(row, value, unit_type) if unit_type else None
        return None if reached is None else (top if reached else ZERO)
    return None


def best_values(scheme: Scheme, group: list[dict[str, Entry]]) -> dict[str, Decimal]:
    """For relative rows the highest value in the group; for inverse rows the lowest non-zero
    one (zero already earns full marks, and dividing by it would say nothing)."""
    best: dict[str, Decimal] = {}
    for row in scheme.leaves:
        if row.method not in GROUP_METHODS:
            continue
        values = [value for answers in group
                  if (e := answers.get(row.code)) is not None and not e.not_assessed
                  and (value := e.measured()) is not None]
        if row.method == "inverse":
            values = [v for v in values if v > 0]
        if values:
            best[row.code] = min(values) if row.method == "inverse" else max(values)
    return best


def met(row: Row, value: Decimal | None, unit_type: str) -> bool | None:
    """Whether a value meets the row's threshold for the unit type (target rows)."""
    target = (row.targets or {}).get(unit_type)
    if target is None or value is None:
        return None
    if isinstance(target, str):
        # A described threshold ("100% hệ thống thông tin được phê duyệt"): its leading number
        # is the bar; with none, the unit declares it met (1) or not (0).
        leading = re.match(r"\s*(\d+(?:[.,]\d+)?)", target)
        target = Decimal(leading.group(1).replace(",", ".")) if leading else Decimal(1)
    else:
        target = Decimal(str(target))
    return value <= target if row.target_op == "<=" else value >= target


@dataclass
class LeafScore:
    code: str
    score: Decimal | None
    max: Decimal
    source: str  # "appraised", "self", "computed" or "none"


@dataclass
class Totals:
    total: Decimal = ZERO
    max: Decimal = ZERO
    main: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # code: (score, max)
    leaves: dict[str, LeafScore] = field(default_factory=dict)

    @property
    def percent(self) -> Decimal | None:
        if not self.max:
            return None
        return (self.total / self.max * HUNDRED).quantize(Decimal("0.01"), ROUND_HALF_UP)


def leaf_score(row: Row, entry: Entry | None, best: Decimal | None = None,
               unit_type: str | None = None,
               methods: Mapping[str, Method] | None = None) -> LeafScore:
    top = row.max_points or ZERO
    if entry is None:
        return LeafScore(row.code, None, top, "none")
    if entry.not_assessed:
        return LeafScore(row.code, None, ZERO, "not_assessed")
    if entry.appraised_score is not None:
        return LeafScore(row.code, entry.appraised_score, top, "appraised")
    if entry.self_score is not None:
        return LeafScore(row.code, entry.self_score, top, "self")
    proposed = propose(row, entry, best, unit_type, methods)
    return LeafScore(row.code, proposed, top, "computed" if proposed is not None else "none")


def totals(scheme: Scheme, answers: dict[str, Entry], best: dict[str, Decimal] | None = None,
           unit_type: str | None = None,
           methods: Mapping[str, Method] | None = None) -> Totals:
    """Scores of one unit: each leaf, each main index, the total and its maximum. Relative and
    inverse rows need ``best`` (``app.scoring.group.recompute`` gives it for a whole group)."""
    result = Totals()
    if scheme.kind != "points":
        return result
    best = best or {}
    for row in scheme.leaves:
        result.leaves[row.code] = leaf_score(row, answers.get(row.code), best.get(row.code),
                                             unit_type, methods)
    for main in scheme.main:
        score, top = _sum(main, result.leaves)
        result.main[main.code] = (score, top)
        result.total += score
        result.max += top
    return result


def _sum(row: Row, leaves: dict[str, LeafScore]) -> tuple[Decimal, Decimal]:
    if row.is_leaf:
        leaf = leaves[row.code]
        return (leaf.score or ZERO), leaf.max
    score = top = ZERO
    for child in row.children:
        child_score, child_max = _sum(child, leaves)
        score += child_score
        top += child_max
    return score, top


def _clamp(value: Decimal, top: Decimal) -> Decimal:
    return max(ZERO, min(top, value)).quantize(Decimal("0.001"), ROUND_HALF_UP)
