"""Measurement 1: the whole country's scores and rankings, against one SQL aggregate.

The measured path is what a ranking does, for every unit at once: the periods' totals added up
by the database with the scoring rules (``app.services.period_totals.period_totals_many``, one
statement for the periods whose schemes score alike: relative and inverse rows compare each
unit with the best of its group in its period) and ``app.scoring.ranking.rank`` per group of
units. Beside it, the leaf-by-leaf path an export takes: the answers read into Python and
scored by ``app.scoring.group.recompute``. The floor reads the same rows and only adds them up,
in the database.
"""
from __future__ import annotations

import cProfile
import gc
import io
import pstats
import statistics
import time

from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import Answer, Assessment, Period, Province, Unit
from app.scoring import Entry
from app.scoring.group import family, recompute
from app.scoring.ranking import rank
from app.services import rankings
from app.services.period_totals import period_totals_many


def load_answers(period_ids: list[int]):
    """{scheme code: {assessment id: {code: Entry}}} and {assessment id: unit type}."""
    assessments = db.session.execute(
        select(Assessment.id, Assessment.scheme_code, Unit.type)
        .join(Unit, Assessment.unit_id == Unit.id).where(Assessment.period_id.in_(period_ids)))
    by_scheme: dict[str, dict[int, dict[str, Entry]]] = {}
    unit_types: dict[int, str] = {}
    scheme_of: dict[int, str] = {}
    for assessment_id, scheme_code, unit_type in assessments:
        by_scheme.setdefault(scheme_code, {})[assessment_id] = {}
        unit_types[assessment_id] = unit_type
        scheme_of[assessment_id] = scheme_code
    rows = db.session.execute(
        select(Answer.assessment_id, Answer.code, Answer.value, Answer.numerator,
               Answer.denominator, Answer.text, Answer.self_score, Answer.appraised_score,
               Answer.not_assessed)
        .join(Assessment, Answer.assessment_id == Assessment.id)
        .where(Assessment.period_id.in_(period_ids)))
    for (assessment_id, code, value, numerator, denominator, text, self_score, appraised,
         not_assessed) in rows:
        by_scheme[scheme_of[assessment_id]][assessment_id][code] = Entry(
            value=value, numerator=numerator, denominator=denominator, text=text,
            self_score=self_score, appraised_score=appraised, not_assessed=bool(not_assessed))
    return by_scheme, unit_types


def scores_and_ranking(registry, period_ids: list[int]) -> int:
    """Every unit's totals from the database, ranked within its group; returns how many units
    were ranked."""
    units = db.session.execute(
        select(Assessment.id, Assessment.period_id, Unit.type)
        .join(Unit, Assessment.unit_id == Unit.id).where(Assessment.period_id.in_(period_ids)))
    by_period: dict[int, dict[int, str]] = {}
    for assessment_id, period_id, unit_type in units:
        by_period.setdefault(period_id, {})[assessment_id] = unit_type
    schemes = dict(db.session.execute(
        select(Period.id, Period.scheme_code).where(Period.id.in_(period_ids))).all())
    # All periods in one call: those whose schemes score alike share one statement.
    every = period_totals_many([(registry.schemes[schemes[period_id]], period_id, list(types))
                                for period_id, types in by_period.items()],
                               registry.scoring_methods)
    ranked = 0
    for period_id, unit_types in by_period.items():
        totals = every[period_id]
        groups: dict[str, dict] = {}
        for assessment_id, unit_totals in totals.items():
            groups.setdefault(family(unit_types[assessment_id]), {})[assessment_id] = unit_totals
        ranked += sum(len(rank(members)) for members in groups.values())
    return ranked


def scores_leaf_by_leaf(registry, period_ids: list[int]) -> int:
    """Every unit scored leaf by leaf in Python and ranked within its group (what an export
    with every indicator's score needs); returns how many units were ranked."""
    by_scheme, unit_types = load_answers(period_ids)
    ranked = 0
    for scheme_code, answers in by_scheme.items():
        totals = recompute(registry.schemes[scheme_code], answers, registry.scoring_methods,
                           unit_types)
        groups: dict[str, dict] = {}
        for assessment_id, unit_totals in totals.items():
            groups.setdefault(family(unit_types[assessment_id]), {})[assessment_id] = unit_totals
        ranked += sum(len(rank(members)) for members in groups.values())
    return ranked


def sql_floor(period_ids: list[int]) -> int:
    """The same rows added up by the database: SELECT unit_id, SUM(self_score) … GROUP BY."""
    rows = db.session.execute(
        select(Assessment.unit_id, func.sum(Answer.self_score))
        .join(Assessment, Answer.assessment_id == Assessment.id)
        .where(Assessment.period_id.in_(period_ids)).group_by(Assessment.unit_id)).all()
    return len(rows)


def ranking_service(registry, provinces: list[str]) -> int:
    """The application's own path (app.services.rankings.ranking), province by province."""
    ranked = 0
    for province in provinces:
        with tenancy.unscoped():
            province_id = db.session.scalar(select(Province.id).where(Province.code == province))
        with tenancy.scoped(province_id):
            for period in db.session.scalars(select(Period)).all():
                result = rankings.ranking(registry, registry.schemes[period.scheme_code], period,
                                          history=False, leaves=False)
                ranked += sum(len(g.places) for g in result.groups)
        db.session.remove()
    return ranked


def timed(function, *args, runs: int) -> tuple[float, object]:
    """Median wall time of ``runs`` calls, each on a fresh session (no identity-map reuse)."""
    times, result = [], None
    for _ in range(runs):
        db.session.remove()
        started = time.perf_counter()
        with tenancy.unscoped():
            result = function(*args)
        times.append(time.perf_counter() - started)
    db.session.remove()
    return statistics.median(times), result


def profile(function, *args, top: int = 18) -> str:
    """cProfile of one call: the entries with most time of their own, then by cumulative."""
    profiler = cProfile.Profile()
    db.session.remove()
    with tenancy.unscoped():
        profiler.runcall(function, *args)
    db.session.remove()
    return format_profile(profiler, top)


def gc_time(function, *args) -> str:
    """How much of one call the cyclic garbage collector takes (cProfile charges it to
    whichever function happened to allocate): a line for the report."""
    paused: dict[int, float] = {}
    started: list[float] = []

    def watch(phase, info):
        if phase == "start":
            started.append(time.perf_counter())
        else:
            generation = info["generation"]
            paused[generation] = paused.get(generation, 0.0) + time.perf_counter() - started.pop()
    db.session.remove()
    gc.collect()
    gc.callbacks.append(watch)
    try:
        began = time.perf_counter()
        with tenancy.unscoped():
            function(*args)
        total = time.perf_counter() - began
    finally:
        gc.callbacks.remove(watch)
    db.session.remove()
    spent = sum(paused.values())
    by_generation = ", ".join(f"gen{g} {s * 1000:.0f} ms" for g, s in sorted(paused.items()))
    return (f"garbage collector: {spent * 1000:.0f} ms of {total * 1000:.0f} ms "
            f"({spent / total:.0%}; {by_generation})")


def format_profile(profiler, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    noise = ("Ordered by", "List reduced")
    return "\n".join(line for line in out.getvalue().splitlines()
                     if line.strip() and not line.lstrip().startswith(noise))
