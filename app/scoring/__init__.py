"""Scoring: pure functions from (catalogue, answers) to scores. No database, no Flask.

A leaf's score is the appraised score where there is one, else the score the unit typed, else
the score its method proposes from the value, worked out each time (a proposal is never stored
as the unit's own). "Không đánh giá" leaves drop out of the maximum.

The methods are ``app.scoring.methods.ScoringMethod`` objects, name → method, as the plugin
registry collected them at start-up (``Registry.scoring_methods``; the core's seven are in
``app.scoring.core``). Every function that proposes takes that mapping: there is no default,
so no path can score with fewer methods than the others.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from app.catalogue.model import Row, Scheme
from app.scoring.methods import Context, ScoringMethod

ZERO = Decimal(0)
HUNDRED = Decimal(100)
Methods = Mapping[str, ScoringMethod]


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


def propose(row: Row, entry: Entry, methods: Methods, best: Decimal | None = None,
            unit_type: str | None = None) -> Decimal | None:
    """The score the row's method gives the value; None where it cannot say: a person must
    judge, the value is missing, or a group method has not been given its group's best."""
    method = methods.get(row.method)
    if row.max_points is None or method is None:
        return None
    proposed = method.propose(row, entry, Context(best, unit_type))
    return None if proposed is None else _clamp(Decimal(str(proposed)), row.max_points)


def compared_rows(scheme: Scheme, methods: Methods) -> list[Row]:
    """The leaves whose method compares a unit with its group (``ScoringMethod.group``)."""
    return [row for row in scheme.leaves
            if (method := methods.get(row.method)) is not None and method.group]


def best_values(scheme: Scheme, group: list[dict[str, Entry]],
                methods: Methods) -> dict[str, Decimal]:
    """For rows whose method wants the highest value of the group, that value; for those that
    want the lowest, the lowest non-zero one (zero already earns full marks, and dividing by
    it would say nothing)."""
    best: dict[str, Decimal] = {}
    for row in compared_rows(scheme, methods):
        lowest = methods[row.method].group == "lowest"
        values = [value for answers in group
                  if (e := answers.get(row.code)) is not None and not e.not_assessed
                  and (value := e.measured()) is not None]
        if lowest:
            values = [v for v in values if v > 0]
        if values:
            best[row.code] = min(values) if lowest else max(values)
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
    source: str  # "appraised", "self", "computed", "not_assessed" or "none"
    typed: Decimal | None = None  # the score the unit typed, if it typed one
    proposed: Decimal | None = None  # what the method gives the value now

    @property
    def unit_score(self) -> Decimal | None:
        """The unit's own score: the one it typed, else the method's proposal."""
        return self.typed if self.typed is not None else self.proposed

    @property
    def typed_differs(self) -> bool:
        """A typed score the method no longer gives the value (the value changed since)."""
        return self.typed is not None and self.proposed is not None \
            and self.typed != self.proposed


@dataclass
class Totals:
    total: Decimal = ZERO
    max: Decimal = ZERO
    main: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # code: (score, max)
    leaves: dict[str, LeafScore] = field(default_factory=dict)

    @property
    def unit_total(self) -> Decimal:
        """The total of the unit's own scores (typed, else proposed), before appraisal."""
        return sum((leaf.unit_score or ZERO for leaf in (self.leaves or {}).values()
                    if leaf.source != "not_assessed"), ZERO)

    @property
    def percent(self) -> Decimal | None:
        if not self.max:
            return None
        return (self.total / self.max * HUNDRED).quantize(Decimal("0.01"), ROUND_HALF_UP)


def leaf_score(row: Row, entry: Entry | None, methods: Methods, best: Decimal | None = None,
               unit_type: str | None = None) -> LeafScore:
    top = row.max_points or ZERO
    if entry is None:
        return LeafScore(row.code, None, top, "none")
    if entry.not_assessed:
        return LeafScore(row.code, None, ZERO, "not_assessed")
    proposed = propose(row, entry, methods, best, unit_type)
    typed = entry.self_score
    if entry.appraised_score is not None:
        return LeafScore(row.code, entry.appraised_score, top, "appraised", typed, proposed)
    if typed is not None:
        return LeafScore(row.code, typed, top, "self", typed, proposed)
    return LeafScore(row.code, proposed, top, "computed" if proposed is not None else "none",
                     typed, proposed)


def totals(scheme: Scheme, answers: dict[str, Entry], methods: Methods,
           best: dict[str, Decimal] | None = None, unit_type: str | None = None) -> Totals:
    """Scores of one unit: each leaf, each main index, the total and its maximum. Relative and
    inverse rows need ``best`` (``app.scoring.group.recompute`` gives it for a whole group)."""
    result = Totals()
    if scheme.kind != "points":
        return result
    best = best or {}
    for row in scheme.leaves:
        result.leaves[row.code] = leaf_score(row, answers.get(row.code), methods,
                                             best.get(row.code), unit_type)
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
