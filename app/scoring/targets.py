"""Target schemes (Yên Bái's communes): does a unit reach its type's thresholds? Pure functions.

A commune is "đạt xã chuyển đổi số" when it meets every basic target set for its type (a xã and
a phường / thị trấn have different thresholds), and "đạt nâng cao" when it also meets every
advanced one. A target without a value counts as not met: the unit has not shown it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from app.catalogue.model import Row, Scheme
from app.scoring import met

BASIC, ADVANCED = "basic", "advanced"
STATUS_LABELS = {
    "advanced": "Đạt nâng cao",
    "basic": "Đạt xã chuyển đổi số",
    "none": "Chưa đạt",
}


@dataclass(frozen=True)
class Missing:
    """A target the unit does not meet: what it asks of this unit type, and what the unit has."""
    code: str
    title: str
    threshold: float | int | str
    value: Decimal | None
    measure: str | None = None


@dataclass
class Classification:
    unit_type: str
    missing_basic: list[Missing] = field(default_factory=list)
    missing_advanced: list[Missing] = field(default_factory=list)

    @property
    def basic(self) -> bool:
        return not self.missing_basic

    @property
    def advanced(self) -> bool:
        return self.basic and not self.missing_advanced

    @property
    def status(self) -> str:
        return "advanced" if self.advanced else "basic" if self.basic else "none"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def targets_for(scheme: Scheme, level: str, unit_type: str) -> list[Row]:
    """The scheme's targets of one level that set a threshold for this unit type."""
    return [row for row in scheme.leaves
            if row.level == level and (row.targets or {}).get(unit_type) is not None]


def missing_targets(scheme: Scheme, level: str, unit_type: str,
                    values: dict[str, Decimal | None]) -> list[Missing]:
    result = []
    for row in targets_for(scheme, level, unit_type):
        value = values.get(row.code)
        if not met(row, value, unit_type):  # None (no value) is not met either
            result.append(Missing(row.code, row.title, row.targets[unit_type], value, row.measure))
    return result


def classify(scheme: Scheme, unit_type: str, values: dict[str, Decimal | None]) -> Classification:
    """Classify one unit from its values (code → value in the row's measure)."""
    return Classification(
        unit_type=unit_type,
        missing_basic=missing_targets(scheme, BASIC, unit_type, values),
        missing_advanced=missing_targets(scheme, ADVANCED, unit_type, values),
    )
