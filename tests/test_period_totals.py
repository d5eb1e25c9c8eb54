"""The database's totals (app.services.period_totals) equal app.scoring's, answer for answer.

Random answers of every kind a form can store (values, fractions with a zero denominator,
self-scores, appraised scores, "không đánh giá", gaps, values that round exactly at half a
thousandth) for every unit of a province, scored both ways; run on SQLite and PostgreSQL."""
from __future__ import annotations

import copy
import dataclasses
import random
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Answer, Assessment, Period, Unit
from app import scoring
from app.scoring.group import family
from app.scoring.ranking import rank
from app.services import period_totals, rankings
from tests.conftest import province_id

# The group methods (relative, inverse) need rows of their own: Điện Biên's catalogues have
# none, so the test also scores a copy of dienbien-so where some leaves compare units.
CASES = [("dienbien", "dienbien-so-2022", "2022", {}),
         ("dienbien", "dienbien-so-2022", "2022", {1: "relative", 2: "inverse", 4: "ratio"}),
         ("thanhhoa", "thanhhoa-huyen-2022", "2023", {})]


def random_answer(rng: random.Random, code: str, method: str, top: D) -> Answer | None:
    pick = rng.random()
    if pick < 0.15:
        return None
    if pick < 0.2:
        return Answer(code=code, not_assessed=True, not_assessed_reason="Không có")
    answer = Answer(code=code)
    if pick < 0.3:
        answer.appraised_score = D(rng.randint(0, int(top * 100))) / 100
    elif pick < 0.4:
        answer.self_score = D(rng.randint(0, int(top * 10000))) / 10000
    if method == "ratio" and rng.random() < 0.5:
        answer.denominator = D(rng.choice([0, 3, 7, 40, 200]))
        answer.numerator = D(rng.randint(0, 220))
    elif method == "boolean":
        answer.value = D(rng.choice([0, 1]))
    else:
        # Percentages with two decimals (12.35 % of 1 point is 0.1235: a half to round up),
        # counts for the group rows, now and then zero or below.
        answer.value = D(rng.randint(-50, 12_000)) / 100 if rng.random() < 0.9 else D(0)
    return answer


def fill_period(app, province: str, scheme, period_code: str, seed: int) -> int:
    rng = random.Random(seed)
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        period = db.session.scalar(select(Period).where(Period.scheme_code == scheme.code,
                                                        Period.code == period_code))
        taken = set(db.session.scalars(select(Assessment.unit_id)
                                       .where(Assessment.period_id == period.id)))
        for unit in db.session.scalars(select(Unit)):
            if unit.id in taken:
                continue
            assessment = Assessment(scheme_code=scheme.code, scheme_version=1,
                                    period_id=period.id, unit_id=unit.id, state="submitted")
            for row in scheme.leaves:
                answer = random_answer(rng, row.code, row.method, row.max_points or D(0))
                if answer is not None:
                    assessment.answers.append(answer)
            db.session.add(assessment)
        db.session.commit()
        return period.id


def with_methods(scheme, changes: dict[int, str]):
    """A copy of the scheme with the methods of some leaves (by position) changed."""
    changed = copy.deepcopy(scheme)
    for position, method in changes.items():
        changed.leaves[position].method = method
    return changed


@pytest.mark.parametrize("province, scheme_code, period_code, changes", CASES)
def test_database_totals_equal_the_python_scoring(app, province, scheme_code, period_code,
                                                  changes):
    registry = app.extensions["chiso"]
    scheme = with_methods(registry.schemes[scheme_code], changes)
    assert period_totals.supports(scheme, registry.scoring_methods)
    fill_period(app, province, scheme, period_code, seed=len(changes) + 7)
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        period = db.session.scalar(select(Period).where(Period.scheme_code == scheme.code,
                                                        Period.code == period_code))
        assessments, expected = rankings.period_scores(registry, scheme, period, leaves=True)
        entries = rankings.period_entries(period)
        entries = {a.id: entries.get(a.id, {}) for a in assessments}
        _, summed = rankings.period_scores(registry, scheme, period, leaves=False)
    assert len(assessments) > 100
    assert summed.keys() == expected.keys()
    for assessment_id, totals in expected.items():
        got = summed[assessment_id]
        assert (got.total, got.max, got.main) == (totals.total, totals.max, totals.main), \
            assessment_id
        assert got.leaves is None  # a caller wanting leaves must ask for them
    by_unit = {a.id: a.unit.type for a in assessments}
    for unit_type in ("so", "huyen", "xa"):  # a department, a district, a commune's group
        with app.app_context(), tenancy.scoped(province_id(app, province)):
            best = period_totals.group_best(scheme, period.id, unit_type, registry.scoring_methods)
        members = [a_id for a_id, t in by_unit.items() if family(t) == family(unit_type)]
        assert best == scoring.best_values(scheme, [entries[a_id] for a_id in members],
                                           registry.scoring_methods)
    ranked = [(s.unit, s.rank) for s in rank(summed)]
    assert ranked == [(s.unit, s.rank) for s in rank(expected)]
    assert len({r for _, r in ranked}) > 50  # the data does separate the units


def test_several_periods_in_one_call_are_scored_each_within_its_own_period(app):
    """Thanh Hóa's two periods of one scheme share a statement (with rows that compare units,
    so a unit compared with another period's best would score differently), Điện Biên's period
    has another catalogue: every period's totals are those app.scoring gives it alone, and
    those of a call for that period alone."""
    registry = app.extensions["chiso"]
    methods = registry.scoring_methods
    changes = {1: "relative", 2: "inverse", 4: "ratio"}
    wanted = [("thanhhoa", with_methods(registry.schemes["thanhhoa-huyen-2022"], changes), "2022"),
              ("thanhhoa", with_methods(registry.schemes["thanhhoa-huyen-2022"], changes), "2023"),
              ("dienbien", registry.schemes["dienbien-so-2022"], "2022")]
    for seed, (province, scheme, period_code) in enumerate(wanted):
        fill_period(app, province, scheme, period_code, seed=seed + 20)
    asked, expected, alone = [], {}, {}
    for province, scheme, period_code in wanted:
        with app.app_context(), tenancy.scoped(province_id(app, province)):
            period = db.session.scalar(select(Period).where(Period.scheme_code == scheme.code,
                                                            Period.code == period_code))
            assessments, expected[period.id] = rankings.period_scores(registry, scheme, period,
                                                                      leaves=True)
            ids = [a.id for a in assessments]
            alone[period.id] = period_totals.period_totals(scheme, period.id, ids, methods)
            asked.append((scheme, period.id, ids))
    with app.app_context():
        together = period_totals.period_totals_many(asked, methods)
    assert together.keys() == expected.keys() and len(together) == 3
    for period_id, by_assessment in expected.items():
        assert together[period_id].keys() == by_assessment.keys()
        for assessment_id, totals in by_assessment.items():
            for got in (together[period_id][assessment_id], alone[period_id][assessment_id]):
                assert (got.total, got.max, got.main) == (totals.total, totals.max, totals.main)
    ranks = {period_id: [(s.unit, s.rank) for s in rank(by_assessment)]
             for period_id, by_assessment in together.items()}
    assert ranks == {period_id: [(s.unit, s.rank) for s in rank(by_assessment)]
                     for period_id, by_assessment in expected.items()}


def test_plugin_methods_and_targets_are_scored_in_python(app):
    registry = app.extensions["chiso"]
    scheme = with_methods(registry.schemes["dienbien-so-2022"], {0: "target"})
    assert not period_totals.supports(scheme, registry.scoring_methods)
    without_sql = {**registry.scoring_methods,
                   "manual": dataclasses.replace(registry.scoring_methods["manual"], sql=None)}
    assert not period_totals.supports(registry.schemes["dienbien-so-2022"], without_sql)
    assert not period_totals.supports(registry.schemes["yenbai-kpi-2022"], {})


def test_catalogue_values_are_written_quoted_in_the_statement(app):
    """The catalogue's values are in the statement's text (not bound): a quote in a code
    stays a quote, a colon is not taken for a parameter, a maximum keeps its value."""
    with app.app_context():
        dialect = db.session.get_bind().dialect.name
        leaves = period_totals._catalogue((("1'%a", "1", "2.50", "ratio"),
                                           ("1.:b", "1", "3", "boolean")), dialect)
        rows = db.session.execute(select(leaves.c.code, leaves.c.main, leaves.c.top,
                                         leaves.c.method)).all()
    assert [tuple(r) for r in rows] == [("1'%a", "1", D("2.5"), "ratio"),
                                        ("1.:b", "1", D(3), "boolean")]


def test_the_statement_is_built_once_per_catalogue_and_methods(app):
    registry = app.extensions["chiso"]
    scheme = registry.schemes["dienbien-so-2022"]
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == scheme.code))
        period_totals.period_totals(scheme, period.id, [], registry.scoring_methods)
        built = period_totals._statement.cache_info().misses
        period_totals.period_totals(scheme, period.id, [], registry.scoring_methods)
        assert period_totals._statement.cache_info().misses == built
        # Another method on a leaf is another statement.
        period_totals.period_totals(with_methods(scheme, {1: "relative"}), period.id, [],
                                    registry.scoring_methods)
        assert period_totals._statement.cache_info().misses == built + 1


def test_a_method_broken_since_the_statement_was_built_still_stops_the_totals(app):
    """The cached statement does not skip a plugin method's guard: a plugin marked broken after
    the statement was built makes the totals unavailable, as when it was built on every call."""
    from app.plugins import PluginRecord, ScoringUnavailable
    registry = app.extensions["chiso"]
    scheme = registry.schemes["dienbien-so-2022"]
    plugin = PluginRecord(name="thu-nghiem")
    methods = {**registry.scoring_methods,
               "ratio": registry._guarded(plugin, registry.scoring_methods["ratio"])}
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == scheme.code))
        period_totals.period_totals(scheme, period.id, [], methods)
        plugin.error = "hỏng khi chấm"
        with pytest.raises(ScoringUnavailable):
            period_totals.period_totals(scheme, period.id, [], methods)


def test_a_fraction_compared_with_the_group_is_not_rounded_to_four_decimals(app):
    """A relative row filled as fractions: the best unit's 1/35 (2.857142…%) is not cut to
    2.8571 % before dividing by it (the answer columns' scale), which gave 14.584 where
    app.scoring gives 15 × (1/36) / (1/35) = 14.583."""
    registry = app.extensions["chiso"]
    scheme = with_methods(registry.schemes["dienbien-so-2022"], {1: "relative"})  # 1.2, 15 points
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == scheme.code))
        taken = set(db.session.scalars(select(Assessment.unit_id)
                                       .where(Assessment.period_id == period.id)))
        units = [u for u in db.session.scalars(select(Unit).where(Unit.type == "so"))
                 if u.id not in taken][:2]
        made = []
        for unit, denominator in zip(units, (35, 36)):
            assessment = Assessment(scheme_code=scheme.code, scheme_version=1, state="submitted",
                                    period_id=period.id, unit_id=unit.id)
            assessment.answers.append(Answer(code="1.2", numerator=D(1),
                                             denominator=D(denominator)))
            db.session.add(assessment)
            made.append(assessment)
        db.session.commit()
        ids = [a.id for a in made]
        _, expected = rankings.period_scores(registry, scheme, period, leaves=True)
        got = period_totals.period_totals(scheme, period.id, ids, registry.scoring_methods)
    assert len(ids) == 2
    assert expected[ids[1]].main["1"][0] == D("14.583")
    assert [got[i].main["1"] for i in ids] == [expected[i].main["1"] for i in ids]
    assert got[ids[1]].total == expected[ids[1]].total
