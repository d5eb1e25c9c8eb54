"""The core's seven scoring methods, registered as a built-in default plugin.

``app.plugins.Registry`` registers this module before any province plugin, through the same
hook ``chiso_scoring_methods`` the provinces use, so the core's methods and a plugin's are
checked, listed and used the same way. With the catalogue's ``max_points`` as max:

- ``ratio``: the value is a percentage (a fraction counts as numerator / denominator × 100);
  score = value / 100 × max, so 45 of 50 computers on a 20-point row give 18.
- ``boolean``: yes gives max, no gives 0.
- ``relative``: value / best × max, best being the highest value of the same group of units in
  the same period: 30 where the best district has 40 gives 7.5 of 10.
- ``inverse`` (lower is better): best / value × max, best being the lowest non-zero value of
  the group; zero earns max. 4 incidents where the best unit had 2 give 2.5 of 5.
- ``target``: max when the value meets the threshold of the unit's type, else 0.
- ``manual`` and ``monitor``: nothing is proposed (a person judges; monitored rows have no
  points).

Each ``sql`` is the same rule for ``app.services.period_totals`` (SQLAlchemy expressions are
built only when it calls them: scoring itself never touches a database).
"""
from __future__ import annotations

from decimal import Decimal

import pluggy

from app.scoring.methods import Context, ScoringMethod

NAME = "chiso-core"
hookimpl = pluggy.HookimplMarker("chiso")
ZERO, HUNDRED = Decimal(0), Decimal(100)


def _ratio(row, entry, context: Context):
    value = entry.measured()
    return None if value is None else value / HUNDRED * row.max_points


def _boolean(row, entry, context: Context):
    value = entry.measured()
    return None if value is None else (row.max_points if value else ZERO)


def _relative(row, entry, context: Context):
    value = entry.measured()
    if value is None or context.best is None:
        return None
    return value / context.best * row.max_points if context.best > 0 else ZERO


def _inverse(row, entry, context: Context):
    value = entry.measured()
    if value is None:
        return None
    if value <= 0:
        return row.max_points  # nothing to lower: full marks
    return None if context.best is None else context.best / value * row.max_points


def _target(row, entry, context: Context):
    from app.scoring import met
    value = entry.measured()
    if value is None or not context.unit_type:
        return None
    reached = met(row, value, context.unit_type)
    return None if reached is None else (row.max_points if reached else ZERO)


def _nothing(row, entry, context: Context):
    return None


# -- the same rules in SQL ------------------------------------------------------------------
def _clamped(expression, top):
    """Within 0..top, rounded half up to three decimals like ``app.scoring._clamp``."""
    from sqlalchemy import func

    from app.scoring.sql import Within
    # PostgreSQL's numeric is exact; SQLite rounds its binary floats as their shortest
    # decimal reads (0.1235 → 0.124), which tests/test_period_totals.py checks.
    return func.round(Within(expression, top), 3)


def _ratio_sql(value, top, high, low):
    from sqlalchemy import literal_column
    return _clamped(value * top / literal_column("100.0"), top)


def _boolean_sql(value, top, high, low):
    from sqlalchemy import case
    return case((value != 0, top), else_=0)


def _relative_sql(value, top, high, low):
    from sqlalchemy import case
    return case((high.is_(None), None), (high > 0, _clamped(value * top / high, top)), else_=0)


def _inverse_sql(value, top, high, low):
    from sqlalchemy import case
    return case((value <= 0, top), (low.is_(None), None), else_=_clamped(low * top / value, top))


def _nothing_sql(value, top, high, low):
    return None


METHODS = (
    ScoringMethod("ratio", "Tỷ lệ × điểm tối đa", "fraction", _ratio, sql=_ratio_sql),
    ScoringMethod("boolean", "Có / không", "boolean", _boolean, sql=_boolean_sql),
    ScoringMethod("relative", "So với đơn vị cao nhất", "number", _relative, group="highest",
                  sql=_relative_sql),
    ScoringMethod("inverse", "Càng thấp càng tốt", "number", _inverse, group="lowest",
                  sql=_inverse_sql),
    ScoringMethod("manual", "Chấm theo tài liệu kiểm chứng", "score", _nothing, sql=_nothing_sql),
    # A target's threshold depends on the unit's type: scored in Python only.
    ScoringMethod("target", "Đạt / chưa đạt chỉ tiêu", "measured", _target),
    ScoringMethod("monitor", "Theo dõi (không chấm điểm)", "measured", _nothing, sql=_nothing_sql),
)
CORE = {method.name: method for method in METHODS}  # for code that runs without an app


@hookimpl
def chiso_scoring_methods() -> list[ScoringMethod]:
    return list(METHODS)
