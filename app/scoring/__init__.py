"""Scoring: pure functions from (catalogue, answers) to scores. No database, no Flask.

A leaf's score is the appraised score where there is one, else the self-score, else the score
its method proposes from the value. "Không đánh giá" leaves drop out of the maximum.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from app.catalogue.model import Row, Scheme

ZERO = Decimal(0)
HUNDRED = Decimal(100)


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


def propose(row: Row, entry: Entry, best: Decimal | None = None) -> Decimal | None:
    """The score the row's method gives the value; None where a person must judge."""
    value = entry.measured()
    if row.max_points is None or value is None:
        return None
    top = row.max_points
    if row.method == "ratio":
        return _clamp(value / HUNDRED * top, top)
    if row.method == "boolean":
        return top if value else ZERO
    if row.method == "relative":
        return _clamp(value / best * top, top) if best else ZERO
    if row.method == "inverse":  # lower is better; full marks at zero
        if value <= 0:
            return top
        return _clamp((best if best is not None else value) / value * top, top)
    return None


def best_values(scheme: Scheme, group: list[dict[str, Entry]]) -> dict[str, Decimal]:
    """For relative (highest) and inverse (lowest) rows, the best value in the group."""
    best: dict[str, Decimal] = {}
    for row in scheme.leaves:
        if row.method not in ("relative", "inverse"):
            continue
        values = [e.measured() for answers in group if (e := answers.get(row.code))
                  and not e.not_assessed and e.measured() is not None]
        if row.method == "inverse":
            values = [v for v in values if v > 0]
            if values:
                best[row.code] = min(values)
        elif values:
            best[row.code] = max(values)
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


def leaf_score(row: Row, entry: Entry | None, best: Decimal | None = None) -> LeafScore:
    top = row.max_points or ZERO
    if entry is None:
        return LeafScore(row.code, None, top, "none")
    if entry.not_assessed:
        return LeafScore(row.code, None, ZERO, "not_assessed")
    if entry.appraised_score is not None:
        return LeafScore(row.code, entry.appraised_score, top, "appraised")
    if entry.self_score is not None:
        return LeafScore(row.code, entry.self_score, top, "self")
    proposed = propose(row, entry, best)
    return LeafScore(row.code, proposed, top, "computed" if proposed is not None else "none")


def totals(scheme: Scheme, answers: dict[str, Entry], best: dict[str, Decimal] | None = None) -> Totals:
    """Scores of one unit: each leaf, each main index, the total and its maximum."""
    result = Totals()
    if scheme.kind != "points":
        return result
    best = best or {}
    for row in scheme.leaves:
        result.leaves[row.code] = leaf_score(row, answers.get(row.code), best.get(row.code))
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
