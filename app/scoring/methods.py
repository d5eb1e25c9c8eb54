"""What a scoring method is: one object per method, wherever it comes from.

Every method, the core's seven as well as a province plugin's own, is a ``ScoringMethod``
answered by the hook ``chiso_scoring_methods`` and checked once at start-up
(``app.plugins.Registry``). The registry's ``scoring_methods`` (name → method) is then the only
list of methods there is: the catalogue loader accepts their names, the form shows their labels,
``app.scoring`` proposes with them and ``app.services.period_totals`` adds up in SQL with those
that have a SQL form.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.catalogue.model import Row
    from app.scoring import Entry

GROUP_KINDS = (None, "highest", "lowest")
# The inputs a row may take (docs/catalogue-format.md); "measured" is a number, or a percentage
# where the row's unit of measure is "%".
INPUT_KINDS = ("score", "boolean", "percent", "number", "amount", "text", "fraction", "measured")


@dataclass(frozen=True)
class Context:
    """What a proposal may need beyond the unit's own answer."""
    best: Decimal | None = None  # the group's best value on this row (methods with ``group``)
    unit_type: str | None = None  # the unit's type (thresholds differ by type)


@dataclass(frozen=True)
class ScoringMethod:
    """A way of turning a row's value into points.

    ``propose(row, entry, context)`` gives the score the value earns, or None where it cannot
    say (a person judges, the value is missing, the group's best is not known); the core keeps
    the result within 0..max and rounds it to three decimals. ``group`` asks for the best value
    of the comparable units in the same period: "highest" (relative to the best) or "lowest"
    (the lowest above zero, lower being better), given as ``context.best``. ``sql``, where given,
    is the same rule as a SQL expression ``sql(value, top, high, low)`` over the value in the
    row's measure, its maximum and the group's highest and lowest values (None: no score); a
    scheme whose methods all have one is added up by the database."""
    name: str
    label: str  # Vietnamese, shown on the form and the catalogue page
    input: str  # the input a row of this method takes unless the catalogue says otherwise
    propose: Callable[[Row, Entry, Context], Decimal | None]
    group: str | None = None
    sql: Callable | None = None

    def default_input(self, measure: str | None) -> str:
        if self.input == "measured":
            return "percent" if measure == "%" else "number"
        return self.input


def check(method) -> str | None:
    """What is wrong with a plugin's answer item, in Vietnamese; None when it is sound."""
    if not isinstance(method, ScoringMethod):
        return "mỗi phương pháp chấm phải là một app.scoring.methods.ScoringMethod"
    if not method.name or not isinstance(method.name, str):
        return "phương pháp chấm thiếu tên"
    if not method.label or not isinstance(method.label, str):
        return f"phương pháp chấm «{method.name}» thiếu nhãn tiếng Việt"
    if method.input not in INPUT_KINDS:
        return f"phương pháp chấm «{method.name}»: kiểu nhập «{method.input}» không có"
    if method.group not in GROUP_KINDS:
        return f"phương pháp chấm «{method.name}»: group phải là None, \"highest\" hoặc \"lowest\""
    if not callable(method.propose) or (method.sql is not None and not callable(method.sql)):
        return f"phương pháp chấm «{method.name}»: propose (và sql) phải là hàm"
    return None
