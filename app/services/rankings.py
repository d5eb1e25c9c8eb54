"""Scores and rankings of a scheme's period: every unit at once.

A ranking's totals are added up by the database (``app.services.period_totals``); a caller
that shows each indicator's score asks for ``leaves`` and the period's answers are read in one
query and scored together in Python (``app.scoring.group.recompute``). Either way relative rows
compare each unit with the best of its group. A ranking also carries each unit's rank in the previous published period of the same
scheme family (for the change) and, for a period shorter than a year, its rank in the year's
published results.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import scoring
from app.catalogue.model import Scheme
from app.extensions import db
from app.models import Answer, Assessment, Period, Publication, Unit
from app.plugins import Registry
from app.services import period_totals
from app.scoring import Entry, Totals
from app.scoring.group import FAMILY_LABELS, FAMILY_ORDER, family, recompute
from app.scoring.ranking import rank


# Who sees a ranking before it is published; unit users and viewers wait for publication.
EARLY_ROLES = ("superadmin", "province_admin", "appraiser")


def may_see(user, ranking_: Ranking) -> bool:
    return ranking_.published or getattr(user, "role", None) in EARLY_ROLES


@dataclass
class Place:
    unit: Unit
    assessment: Assessment
    totals: Totals
    rank: int | None
    previous_rank: int | None = None
    year_rank: int | None = None

    @property
    def official(self) -> str | None:
        """The decision whose rank this place shows, for a result published before the
        platform (None: the rank is computed here)."""
        if self.assessment.published_rank is None:
            return None
        return self.assessment.published_source or "kết quả đã công bố"

    @property
    def change(self) -> int | None:
        """Places gained since the previous period (negative: lost)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


@dataclass
class Group:
    family: str
    places: list[Place] = field(default_factory=list)

    @property
    def label(self) -> str:
        return FAMILY_LABELS.get(self.family, self.family)


@dataclass
class Ranking:
    scheme: Scheme
    period: Period
    publication: Publication | None
    groups: list[Group]
    previous: Period | None = None
    year: Period | None = None

    @property
    def published(self) -> bool:
        return self.publication is not None

    def place_of(self, unit_id: int) -> Place | None:
        return next((p for g in self.groups for p in g.places if p.unit.id == unit_id), None)


# -- reading --------------------------------------------------------------------------------
def current_publication(period: Period) -> Publication | None:
    """The period's publication while in force (None before it and after it is withdrawn)."""
    return db.session.scalar(select(Publication).where(
        Publication.period_id == period.id, Publication.published_at.is_not(None),
        Publication.withdrawn_at.is_(None)))


def period_entries(period: Period, *where) -> dict[int, dict[str, Entry]]:
    """Every answer of the period (or those matching ``where``), in one query:
    {assessment id: {code: Entry}}."""
    rows = db.session.execute(
        select(Answer.assessment_id, Answer.code, Answer.value, Answer.numerator,
               Answer.denominator, Answer.text, Answer.self_score, Answer.appraised_score,
               Answer.not_assessed)
        .join(Assessment, Answer.assessment_id == Assessment.id)
        .where(Assessment.period_id == period.id, *where))
    entries: dict[int, dict[str, Entry]] = {}
    for (assessment_id, code, value, numerator, denominator, text, self_score, appraised,
         not_assessed) in rows:
        entries.setdefault(assessment_id, {})[code] = Entry(
            value=value, numerator=numerator, denominator=denominator, text=text,
            self_score=self_score, appraised_score=appraised, not_assessed=bool(not_assessed))
    return entries


def period_scores(registry: Registry, scheme: Scheme, period: Period,
                  leaves: bool = True) -> tuple[list[Assessment], dict[int, Totals]]:
    """The period's assessments (with their units) and their totals by assessment id. Without
    ``leaves`` the database adds the scores up where it can (``app.services.period_totals``)
    and the totals carry no leaf scores."""
    assessments = db.session.scalars(
        select(Assessment).where(Assessment.period_id == period.id)
        .options(joinedload(Assessment.unit))).all()
    if not leaves and period_totals.supports(scheme, registry.scoring_methods):
        return assessments, period_totals.period_totals(scheme, period.id,
                                                        [a.id for a in assessments],
                                                        registry.scoring_methods)
    entries = period_entries(period)
    answers = {a.id: entries.get(a.id, {}) for a in assessments}
    unit_types = {a.id: a.unit.type for a in assessments}
    return assessments, recompute(scheme, answers, registry.scoring_methods, unit_types)


def unit_totals(registry: Registry, scheme: Scheme, period: Period,
                assessment: Assessment | None) -> Totals:
    """One assessment's totals, scored within its group as the ranking scores it. Only what
    that needs is read (a form page shows it on every view and save): the unit's own answers,
    and the best values of its group on the rows that compare units (one small aggregate)."""
    if assessment is None:
        return recompute(scheme, {None: {}}, registry.scoring_methods)[None]
    own = period_entries(period, Answer.assessment_id == assessment.id).get(assessment.id, {})
    methods = registry.scoring_methods
    compared = [row.code for row in scoring.compared_rows(scheme, methods)]
    best = period_totals.group_best(scheme, period.id, assessment.unit.type, methods) \
        if compared else {}
    if best is None:
        group = family(assessment.unit.type)
        members = [a_id for a_id, unit_type in db.session.execute(
            select(Assessment.id, Unit.type).join(Unit, Assessment.unit_id == Unit.id)
            .where(Assessment.period_id == period.id)) if family(unit_type) == group]
        others = period_entries(period, Answer.code.in_(compared))
        best = scoring.best_values(scheme, [others.get(a_id, {}) for a_id in members], methods)
    return scoring.totals(scheme, own, methods, best, assessment.unit.type)


# -- ranking --------------------------------------------------------------------------------
def ranking(registry: Registry, scheme: Scheme, period: Period, history: bool = True,
            leaves: bool = True) -> Ranking:
    """The period's standings by group of units; with ``history``, the previous period's and
    the year's published ranks beside them. A caller that shows only totals and main indices
    passes ``leaves=False``: the database then does the adding up, several times faster."""
    assessments, totals = period_scores(registry, scheme, period, leaves)
    by_family: dict[str, list[Assessment]] = {}
    for assessment in assessments:
        by_family.setdefault(family(assessment.unit.type), []).append(assessment)
    groups = []
    for name in sorted(by_family, key=_family_position):
        members = {a.id: a for a in sorted(by_family[name], key=lambda a: a.unit.name)}
        standings = rank({a_id: totals[a_id] for a_id in members})
        places = [Place(members[s.unit].unit, members[s.unit], s.totals,
                        _published_or(members[s.unit], s.rank)) for s in standings]
        places.sort(key=lambda p: (p.rank is None, p.rank or 0))  # stable: ties keep order
        groups.append(Group(name, places))
    result = Ranking(scheme, period, current_publication(period), groups)
    if history and scheme.kind == "points":
        _add_history(registry, result)
    return result


def _published_or(assessment: Assessment, computed: int | None) -> int | None:
    """The rank a decision published (history), else the one computed among these units."""
    return assessment.published_rank if assessment.published_rank is not None else computed


def _family_position(name: str) -> int:
    return FAMILY_ORDER.index(name) if name in FAMILY_ORDER else len(FAMILY_ORDER)


def _add_history(registry: Registry, result: Ranking) -> None:
    result.previous = previous_published(registry, result.scheme, result.period)
    if result.period.type != "year":
        result.year = published_year(registry, result.scheme, result.period)
    previous = _ranks(registry, result.previous)
    year = _ranks(registry, result.year)
    for group in result.groups:
        for place in group.places:
            place.previous_rank = previous.get(place.unit.id)
            place.year_rank = year.get(place.unit.id)
    if result.period.type == "year" and result.published:
        for group in result.groups:
            for place in group.places:
                place.year_rank = place.rank  # the year's published rank is this one


def _ranks(registry: Registry, period: Period | None) -> dict[int, int]:
    if period is None or period.scheme_code not in registry.schemes:
        return {}
    earlier = ranking(registry, registry.schemes[period.scheme_code], period, history=False,
                      leaves=False)
    return {p.unit.id: p.rank for g in earlier.groups for p in g.places if p.rank is not None}


def family_codes(registry: Registry, scheme: Scheme) -> list[str]:
    """The scheme's codes across decisions: dienbien-so-2022 and a later dienbien-so-2024."""
    stem = _stem(scheme.code)
    return [code for code, s in registry.schemes.items()
            if s.plugin == scheme.plugin and _stem(code) == stem] or [scheme.code]


def _stem(code: str) -> str:
    return re.sub(r"-\d{4}$", "", code)


def _published_periods(registry: Registry, scheme: Scheme):
    return (select(Period).join(Publication, Publication.period_id == Period.id)
            .where(Period.scheme_code.in_(family_codes(registry, scheme)),
                   Publication.published_at.is_not(None), Publication.withdrawn_at.is_(None)))


def previous_published(registry: Registry, scheme: Scheme, period: Period) -> Period | None:
    """The latest published period of the same type before this one."""
    return db.session.scalars(_published_periods(registry, scheme).where(
        Period.type == period.type, Period.code < period.code)
        .order_by(Period.code.desc())).first()


def published_year(registry: Registry, scheme: Scheme, period: Period) -> Period | None:
    return db.session.scalars(_published_periods(registry, scheme).where(
        Period.type == "year", Period.code == str(period.ident.year))).first()
