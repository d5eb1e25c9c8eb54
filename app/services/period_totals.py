"""Every unit's totals for a period, added up by the database.

A ranking needs each unit's total, maximum and main-index subtotals, not each leaf. Reading the
period's answers into Python to score them leaf by leaf costs 25 to 45 times one SQL aggregate
over the same rows (benchmarks/run.py: 4,021 units × 70 rows). So for a ranking the
database scores each answer with the same rules as ``app.scoring.leaf_score`` (one CASE over
the methods, the group's best values from a second aggregate) and sums them by main index.

``app.scoring`` stays the reference: ``supports`` sends to it any scheme with a method this
module does not express (targets, a plugin's own methods), and tests/test_period_totals.py
checks both give the same totals on random data, on SQLite and PostgreSQL.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (Numeric, String, and_, bindparam, case, column, func, literal_column,
                        select, text)

from app import tenancy
from app.catalogue.model import Row, Scheme
from app.extensions import db
from app.models import Answer, Assessment, Unit
from app.scoring import GROUP_METHODS, ZERO, Method, Totals
from app.scoring.group import FAMILIES, family

SQL_METHODS = frozenset({"ratio", "boolean", "relative", "inverse", "manual", "monitor"})
FOUR_PLACES = Decimal("0.0001")


def supports(scheme: Scheme, methods: dict[str, Method]) -> bool:
    """Whether every leaf's method can be scored in SQL (a plugin's method never can)."""
    return scheme.kind == "points" and all(
        row.method in SQL_METHODS and row.method not in methods for row in scheme.leaves)


def period_totals(scheme: Scheme, period_id: int,
                  assessment_ids: list[int]) -> dict[int, Totals]:
    """{assessment id: Totals} for the given assessments of the period, with ``main``,
    ``total`` and ``max`` (``leaves`` is None: a caller that shows leaves scores with
    ``app.scoring``)."""
    mains = {leaf.code: scheme.main_of(leaf.code).code for leaf in scheme.leaves}
    full_max = {main.code: _leaf_max_sum(main) for main in scheme.main}
    sums = {a_id: {code: [ZERO, top] for code, top in full_max.items()} for a_id in assessment_ids}
    # The caller read the period and its assessments in the current province's scope; the
    # statement is pinned to that period and only those assessments are kept. It runs without
    # the scope's extra province_id conditions, which make PostgreSQL expect a single row per
    # table and then join the catalogue row by row: 150 ms instead of 30 per period.
    with tenancy.unscoped():
        rows = db.session.execute(_statement(scheme, period_id, mains)).all()
    for assessment_id, main_code, score, dropped in rows:
        if assessment_id in sums:
            entry = sums[assessment_id][main_code]
            entry[0] = _decimal(score)
            entry[1] -= _decimal(dropped)
    return {a_id: _totals(by_main) for a_id, by_main in sums.items()}


def group_best(scheme: Scheme, period_id: int, unit_type: str) -> dict[str, Decimal] | None:
    """The best values of the group of ``unit_type`` (``app.scoring.best_values``) from one
    small aggregate, for a form that shows one unit's totals. None where a compared row takes
    a fraction: SQLite divides in binary floating point, and the best must be exact."""
    compared = [r for r in scheme.leaves if r.method in GROUP_METHODS]
    if any(r.input == "fraction" for r in compared):
        return None
    # Grouped by unit type and folded into the group here: evaluating the type → group CASE
    # on every row in the database made this 1 ms slower, on every form view and save.
    rows = db.session.execute(
        select(Answer.code, Unit.type, *_high_low(_measured()))
        .join(Assessment, Answer.assessment_id == Assessment.id)
        .join(Unit, Assessment.unit_id == Unit.id)
        .where(Assessment.period_id == period_id, Answer.not_assessed.is_(False),
               Answer.code.in_([r.code for r in compared]))
        .group_by(Answer.code, Unit.type))
    relative = {r.code for r in compared if r.method == "relative"}
    best: dict[str, Decimal] = {}
    for code, member_type, high, low in rows:
        found = high if code in relative else low
        if found is None or family(member_type) != family(unit_type):
            continue
        found = _decimal(found)
        keep = max if code in relative else min
        best[code] = keep(best[code], found) if code in best else found
    return best


def _totals(by_main: dict[str, list[Decimal]]) -> Totals:
    result = Totals(leaves=None)
    for code, (score, top) in by_main.items():
        result.main[code] = (score, top)
        result.total += score
        result.max += top
    return result


def _decimal(number) -> Decimal:
    """SQLite sums in binary floating point: every score has at most four decimals, so
    rounding there gives back the exact sum Python's Decimals make."""
    if number is None:
        return ZERO
    return Decimal(str(number)).quantize(FOUR_PLACES) if isinstance(number, float) \
        else Decimal(number)


# -- the statement --------------------------------------------------------------------------
def _statement(scheme: Scheme, period_id: int, mains: dict[str, str]):
    leaves = _catalogue(scheme, mains)
    answers = _answers(period_id)
    best = _best(answers, [r.code for r in scheme.leaves if r.method in GROUP_METHODS])
    score = _score(answers, leaves, best)
    dropped = case((answers.c.not_assessed, leaves.c.top), else_=0)
    return (select(answers.c.assessment_id, leaves.c.main, func.sum(score), func.sum(dropped))
            .join(leaves, leaves.c.code == answers.c.code)
            .outerjoin(best, and_(best.c.code == answers.c.code,
                                  best.c.family == answers.c.family))
            .group_by(answers.c.assessment_id, leaves.c.main))


def _answers(period_id: int):
    """The period's answers, each with its value in the row's measure and its unit's group."""
    return (select(Answer.assessment_id, Answer.code, Answer.self_score, Answer.appraised_score,
                   Answer.not_assessed, _measured().label("measured"),
                   _family(Unit.type).label("family"))
            .join(Assessment, Answer.assessment_id == Assessment.id)
            .join(Unit, Assessment.unit_id == Unit.id)
            .where(Assessment.period_id == period_id).subquery("answers"))


def _best(answers, codes: list[str]):
    """Per row and group of units, the best values (``_high_low``)."""
    return (select(answers.c.code, answers.c.family, *_high_low(answers.c.measured))
            .where(answers.c.code.in_(codes), answers.c.not_assessed.is_(False))
            .group_by(answers.c.code, answers.c.family).subquery("best"))


def _high_low(value):
    """The highest value (the best of a relative row) and the lowest above zero (the best of
    an inverse row), as ``app.scoring.best_values`` takes them."""
    return func.max(value).label("high"), func.min(case((value > 0, value))).label("low")


def _score(answers, leaves, best):
    """A leaf's score as ``app.scoring.leaf_score`` gives it: appraised, else self, else what
    the method proposes from the value."""
    value, top, method = answers.c.measured, leaves.c.top, leaves.c.method
    proposed = case(
        (value.is_(None), None),
        (method == "ratio", _clamped(value * top / literal_column("100.0"), top)),
        (method == "boolean", case((value != 0, top), else_=0)),
        (method == "relative", case((best.c.high.is_(None), None),
                                    (best.c.high > 0, _clamped(value * top / best.c.high, top)),
                                    else_=0)),
        (method == "inverse", case((value <= 0, top), (best.c.low.is_(None), None),
                                   else_=_clamped(best.c.low * top / value, top))),
        else_=None)
    return case((answers.c.not_assessed, None),
                (answers.c.appraised_score.is_not(None), answers.c.appraised_score),
                (answers.c.self_score.is_not(None), answers.c.self_score),
                else_=proposed)


def _clamped(expression, top):
    """Within 0..top, rounded half up to three decimals like ``app.scoring._clamp``."""
    within = case((expression < 0, 0), (expression > top, top), else_=expression)
    # PostgreSQL's numeric is exact; SQLite rounds its binary floats as their shortest
    # decimal reads (0.1235 → 0.124), which the test's half-thousandths check.
    return func.round(within, 3)


def _measured():
    """The value in the row's measure: a fraction becomes a percentage (× 100.0 first, so that
    SQLite does not divide integers)."""
    return case((and_(Answer.numerator.is_not(None), Answer.denominator != 0),
                 Answer.numerator * literal_column("100.0") / Answer.denominator),
                else_=Answer.value * literal_column("1.0"))


def _family(unit_type):
    return case(*((unit_type == kind, name) for kind, name in FAMILIES.items()), else_=unit_type)


# -- the catalogue --------------------------------------------------------------------------
def _catalogue(scheme: Scheme, mains: dict[str, str]):
    """The scheme's leaves as a table: code, main index, maximum, method. Written as text with
    bound values because SQLAlchemy compiles a VALUES construct anew on every call (12 ms
    here), while a text clause's compiled form is cached."""
    rows, params = [], {}
    for n, row in enumerate(scheme.leaves):
        rows.append(f"(:code{n}, :main{n}, :top{n}, :method{n})")
        params.update({f"code{n}": row.code, f"main{n}": mains[row.code],
                       f"top{n}": row.max_points or ZERO, f"method{n}": row.method})
    # column1… are the names SQLite and PostgreSQL both give the columns of a VALUES list.
    sql = ("SELECT column1 AS code, column2 AS main, column3 AS top, column4 AS method "
           f"FROM (VALUES {', '.join(rows)}) AS leaves")
    return (text(sql).bindparams(*(bindparam(name, value, type_=Numeric if name.startswith("top")
                                             else String) for name, value in params.items()))
            .columns(column("code", String), column("main", String), column("top", Numeric),
                     column("method", String)).cte("leaves"))


def _leaf_max_sum(row: Row) -> Decimal:
    if row.is_leaf:
        return row.max_points or ZERO
    return sum((_leaf_max_sum(child) for child in row.children), ZERO)
