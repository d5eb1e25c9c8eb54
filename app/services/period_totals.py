"""Every unit's totals for a period, added up by the database.

A ranking needs each unit's total, maximum and main-index subtotals, not each leaf. Reading the
period's answers into Python to score them leaf by leaf costs 25 to 45 times one SQL aggregate
over the same rows (benchmarks/run.py: 4,021 units × 70 rows). So for a ranking the
database scores each answer with the same rules as ``app.scoring.leaf_score`` (one CASE over
the methods, the group's best values from a second aggregate) and sums them by main index.

``app.scoring`` stays the reference: each method's SQL form is the method's own
(``ScoringMethod.sql``), and ``supports`` sends to Python any scheme with a method that has none
(targets, a plugin method without one), and tests/test_period_totals.py
checks both give the same totals on random data, on SQLite and PostgreSQL.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from sqlalchemy import (Numeric, String, and_, bindparam, case, column, func, literal_column,
                        select, text, type_coerce)

from app import tenancy
from app.catalogue.model import Row, Scheme
from app.extensions import db
from app.models import Answer, Assessment, Unit
from app.scoring import ZERO, Methods, Totals, compared_rows
from app.scoring.group import FAMILIES, family

FOUR_PLACES = Decimal("0.0001")


def supports(scheme: Scheme, methods: Methods) -> bool:
    """Whether every leaf's method has a SQL form (``ScoringMethod.sql``)."""
    return scheme.kind == "points" and all(
        (method := methods.get(row.method)) is not None and method.sql is not None
        for row in scheme.leaves)


def period_totals(scheme: Scheme, period_id: int, assessment_ids: list[int],
                  methods: Methods) -> dict[int, Totals]:
    """{assessment id: Totals} for the given assessments of the period, with ``main``,
    ``total`` and ``max`` (``leaves`` is None: a caller that shows leaves scores with
    ``app.scoring``)."""
    return period_totals_many([(scheme, period_id, assessment_ids)], methods)[period_id]


def period_totals_many(periods: list[tuple[Scheme, int, list[int]]],
                       methods: Methods) -> dict[int, dict[int, Totals]]:
    """``period_totals`` of several periods, each given once as (scheme, period id, assessment
    ids): {period id: {assessment id: Totals}}. Periods whose schemes score alike (the same
    leaves, main indices, maxima and methods) are added up by one statement, each unit still
    compared with its group in its own period: the country's 34 periods were 34 statements,
    each planned, scanning the units and waiting for its round trip."""
    by_statement: dict[tuple, list[int]] = {}
    # assessment id → main → [score, max] (an assessment is of one period: rows need not say)
    sums: dict[int, dict[str, list[Decimal]]] = {}
    for scheme, period_id, assessment_ids in periods:
        leaves = scheme.leaves
        mains = {leaf.code: scheme.main_of(leaf.code).code for leaf in leaves}
        full_max = {main.code: _leaf_max_sum(main) for main in scheme.main}
        key = (_catalogue_key(leaves, mains), _methods_key(leaves, methods))
        by_statement.setdefault(key, []).append(period_id)
        sums.update({a_id: {code: [ZERO, top] for code, top in full_max.items()}
                     for a_id in assessment_ids})
    # The caller read the periods and their assessments in the current province's scope; the
    # statement is pinned to those periods and only those assessments are kept. It runs without
    # the scope's extra province_id conditions, which make PostgreSQL expect a single row per
    # table and then join the catalogue row by row: 150 ms instead of 30 per period.
    with tenancy.unscoped():
        dialect = db.session.get_bind().dialect.name
        for (catalogue, used), period_ids in by_statement.items():
            statement, operands = _statement(catalogue, used, dialect)
            # Each method is still asked for its SQL form on every call, as when the statement
            # was built each time: a plugin marked broken since then raises ScoringUnavailable
            # here (its methods are guarded, app/plugins.py) instead of being added up from the
            # cache.
            for _, sql, _ in used:
                sql(*operands)
            rows = db.session.execute(statement, {"period_ids": period_ids})
            for assessment_id, main_code, score, dropped in rows:
                by_main = sums.get(assessment_id)
                if by_main is not None:
                    entry = by_main[main_code]
                    entry[0] = _decimal(score)
                    if dropped is not None:
                        entry[1] -= _decimal(dropped)
    return {period_id: {a_id: _totals(sums[a_id]) for a_id in assessment_ids}
            for _, period_id, assessment_ids in periods}


def group_best(scheme: Scheme, period_id: int, unit_type: str,
               methods: Methods) -> dict[str, Decimal] | None:
    """The best values of the group of ``unit_type`` (``app.scoring.best_values``) from one
    small aggregate, for a form that shows one unit's totals. None where a compared row takes
    a fraction: SQLite divides in binary floating point, and the best must be exact."""
    compared = compared_rows(scheme, methods)
    if any(r.input == "fraction" for r in compared):
        return None
    # Grouped by unit type and folded into the group here: evaluating the type → group CASE
    # on every row in the database made this 1 ms slower, on every form view and save. The
    # group's types as a plain list keep the other groups' answers out of the aggregate (a
    # district's form no longer reads every commune's answers).
    # Pinned to a period the caller read in the current province's scope, as period_totals is:
    # without the scope's province_id conditions SQLite no longer walks the whole province's
    # answers by that index (5 ms → 0.3 ms on a 70-row form, every view and save).
    members = tuple(kind for kind, name in FAMILIES.items() if name == family(unit_type)) \
        or (unit_type,)
    with tenancy.unscoped():
        statement = _group_best_statement(tuple(r.code for r in compared), members,
                                          db.session.get_bind().dialect.name)
        rows = db.session.execute(statement, {"period_id": period_id}).all()
    relative = {r.code for r in compared if methods[r.method].group == "highest"}
    best: dict[str, Decimal] = {}
    for code, member_type, high, low in rows:
        found = high if code in relative else low
        if found is None or family(member_type) != family(unit_type):
            continue
        found = _decimal(found)
        keep = max if code in relative else min
        best[code] = keep(best[code], found) if code in best else found
    return best


@lru_cache(maxsize=256)
def _group_best_statement(codes: tuple[str, ...], members: tuple[str, ...], dialect: str):
    """group_best's statement, built once per scheme, group and database: building it again
    on every form view and save cost as much as running it."""
    return (select(Answer.code, Unit.type, *_high_low(_measured(dialect)))
            .join(Assessment, Answer.assessment_id == Assessment.id)
            .join(Unit, Assessment.unit_id == Unit.id)
            .where(Assessment.period_id == bindparam("period_id"), Unit.type.in_(members),
                   Answer.not_assessed.is_(False), Answer.code.in_(codes))
            .group_by(Answer.code, Unit.type))


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
    if isinstance(number, Decimal):  # PostgreSQL's numeric: as read, not copied
        return number
    return Decimal(str(number)).quantize(FOUR_PLACES) if isinstance(number, float) \
        else Decimal(number)


# -- the statement --------------------------------------------------------------------------
# Built once per catalogue, methods and database, with the periods (an expanding IN list) as its
# one parameter: building it anew on every call (70 catalogue rows as 280 bound values, the CASE
# over the methods) and sending those values cost 25 to 30 ms a period on PostgreSQL, about as
# much as running it. A cached statement also keeps its cache key (SQLAlchemy memoizes it on the
# object), and psycopg sends the same text for the same number of periods (one, from a ranking,
# every time), so PostgreSQL can keep its plan.
def _catalogue_key(leaves: list[Row], mains: dict[str, str]) -> tuple:
    """What the statement takes from the scheme: each leaf's code, main index, maximum (as
    text: 2 and 2.0 are equal Decimals but not the same numeric), method."""
    return tuple((row.code, mains[row.code], str(row.max_points or ZERO), row.method)
                 for row in leaves)


def _methods_key(leaves: list[Row], methods: Methods) -> tuple:
    """The leaves' methods as the statement uses them: each one's SQL form and group."""
    return tuple(sorted((name, methods[name].sql, methods[name].group)
                        for name in {row.method for row in leaves}))


@lru_cache(maxsize=64)
def _statement(catalogue: tuple, used: tuple, dialect: str):
    """The statement, and the operands its methods' SQL forms were given."""
    group_of = {name: group for name, _, group in used}
    leaves = _catalogue(catalogue, dialect)
    answers = _answers(dialect)
    best = _best(answers, [code for code, _, _, method in catalogue if group_of[method]])
    operands = (answers.c.measured, leaves.c.top, best.c.high, best.c.low)
    score = _score(answers, leaves.c.method, operands, used)
    # NULL where nothing was dropped: most groups, and one number fewer to read for each.
    dropped = case((answers.c.not_assessed, leaves.c.top))
    return (select(answers.c.assessment_id, leaves.c.main, func.sum(score), func.sum(dropped))
            .join(leaves, leaves.c.code == answers.c.code)
            .outerjoin(best, and_(best.c.period_id == answers.c.period_id,
                                  best.c.code == answers.c.code,
                                  best.c.family == answers.c.family))
            .group_by(answers.c.assessment_id, leaves.c.main)), operands


def _answers(dialect: str):
    """The periods' answers, each with its value in the row's measure, its unit's type and the
    type's group."""
    families = _families()
    return (select(Answer.assessment_id, Assessment.period_id, Answer.code, Answer.self_score,
                   Answer.appraised_score, Answer.not_assessed,
                   _measured(dialect).label("measured"), Unit.type.label("type"),
                   func.coalesce(families.c.family, Unit.type).label("family"))
            .join(Assessment, Answer.assessment_id == Assessment.id)
            .join(Unit, Assessment.unit_id == Unit.id)
            .outerjoin(families, families.c.type == Unit.type)
            .where(Assessment.period_id.in_(bindparam("period_ids", expanding=True)))
            .subquery("answers"))


def _best(answers, codes: list[str]):
    """Per period, row and group of units, the best values (``_high_low``). Taken by unit type
    first, then by group: PostgreSQL knows how many types there are, not how many groups the
    COALESCE makes, and grouping the 112,000 compared answers of 34 periods by group directly
    it expected 72,000 groups where there are 2,856, and sorted them on disk instead of
    hashing them in memory. The codes are written in the text as the catalogue is."""
    listed = [literal_column(_quoted(code), String) for code in codes] or codes
    by_type = (select(answers.c.period_id, answers.c.code, answers.c.type,
                      *_high_low(answers.c.measured))
               .where(answers.c.code.in_(listed), answers.c.not_assessed.is_(False))
               .group_by(answers.c.period_id, answers.c.code, answers.c.type)
               .subquery("by_type"))
    families = _families()
    family = func.coalesce(families.c.family, by_type.c.type)
    return (select(by_type.c.period_id, by_type.c.code, family.label("family"),
                   func.max(by_type.c.high).label("high"), func.min(by_type.c.low).label("low"))
            .select_from(by_type).outerjoin(families, families.c.type == by_type.c.type)
            .group_by(by_type.c.period_id, by_type.c.code, family).subquery("best"))


def _high_low(value):
    """The highest value (the best of a relative row) and the lowest above zero (the best of
    an inverse row), as ``app.scoring.best_values`` takes them."""
    return func.max(value).label("high"), func.min(case((value > 0, value))).label("low")


def _score(answers, method, operands: tuple, used: tuple):
    """A leaf's score as ``app.scoring.leaf_score`` gives it: appraised, else self, else what
    the method proposes from the value (each method's own ``sql`` of value, top, high, low)."""
    value = operands[0]
    rules = [(method == name, expression) for name, sql, _ in used
             if (expression := sql(*operands)) is not None]
    proposed = case((value.is_(None), None), *rules, else_=None)
    return case((answers.c.not_assessed, None),
                (answers.c.appraised_score.is_not(None), answers.c.appraised_score),
                (answers.c.self_score.is_not(None), answers.c.self_score),
                else_=proposed)


def _measured(dialect: str):
    """The value in the row's measure: a fraction becomes a percentage (× 100.0 first, so that
    SQLite does not divide integers). SQLite also keeps an integer value an integer (× 1.0
    makes it a real); PostgreSQL's value is numeric already, and multiplying it by 1.0 was
    one more numeric product for each of 281,000 answers."""
    value = Answer.value * literal_column("1.0") if dialect == "sqlite" else Answer.value
    # A numeric of no fixed scale: typed as the columns (4 decimals), it was cast back to them
    # wherever a method divides by it, and a fraction's 33.3333…% became 33.3333 in the
    # ranking but not in app.scoring (a score a thousandth apart in 0.6 % of such pairs).
    return type_coerce(case((and_(Answer.numerator.is_not(None), Answer.denominator != 0),
                             Answer.numerator * literal_column("100.0") / Answer.denominator),
                            else_=value), Numeric())


# -- the catalogue --------------------------------------------------------------------------
# Written as VALUES lists with the values in the text: they come from the catalogue files and
# the core's unit types, never from a user, and are quoted here. Bound instead, 280 values went
# through SQLAlchemy and psycopg on every call.
def _catalogue(catalogue: tuple, dialect: str):
    """The scheme's leaves as a table: code, main index, maximum, method."""
    rows = ", ".join(f"({_in_text(code)}, {_in_text(main)}, {_number(top, dialect)}, "
                     f"{_in_text(method)})" for code, main, top, method in catalogue)
    # column1… are the names SQLite and PostgreSQL both give the columns of a VALUES list.
    sql = ("SELECT column1 AS code, column2 AS main, column3 AS top, column4 AS method "
           f"FROM (VALUES {rows}) AS leaves")
    return (text(sql).columns(column("code", String), column("main", String),
                              column("top", Numeric), column("method", String)).cte("leaves"))


def _families():
    """Unit type → group (``app.scoring.group.FAMILIES``) as a table: joined to the 500 units
    rather than a CASE over the types on each of 8,400 answers, twice (4 to 6 ms a period on
    PostgreSQL). A type not listed forms a group of its own (the COALESCE in ``_answers``)."""
    rows = ", ".join(f"({_in_text(kind)}, {_in_text(name)})" for kind, name in FAMILIES.items())
    return (text(f"SELECT column1 AS type, column2 AS family FROM (VALUES {rows}) AS families")
            .columns(column("type", String), column("family", String)).subquery("families"))


def _quoted(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _in_text(value: str) -> str:
    """A quoted value inside a text() clause, where SQLAlchemy reads ":name" as a parameter
    (a code such as «1.:a», allowed by the loader, would otherwise become one): "\\:" is its
    escape for a plain colon."""
    return _quoted(value).replace(":", "\\:")


def _number(value: str, dialect: str) -> str:
    """A maximum as the bound value used to reach the database: PostgreSQL's numeric with the
    Decimal's own scale, SQLite's binary float (SQLAlchemy's Numeric binds a float there)."""
    if dialect == "sqlite":
        return repr(float(Decimal(value)))
    return f"CAST({format(Decimal(value), 'f')} AS NUMERIC)"


def _leaf_max_sum(row: Row) -> Decimal:
    if row.is_leaf:
        return row.max_points or ZERO
    return sum((_leaf_max_sum(child) for child in row.children), ZERO)
