"""Scores and rankings of a scheme's period: every unit at once.

A ranking's totals are added up by the database (``app.services.period_totals``); a caller
that shows each indicator's score asks for ``leaves`` and the period's answers are read in one
query and scored together in Python (``app.scoring.group.recompute``). Either way relative rows
compare each unit with the best of its group. A ranking also carries each unit's rank in the previous published period of the same
scheme family (for the change) and, for a period shorter than a year, its rank in the year's
published results.

Only finished work is ranked: the appraised assessments (published ones once the period is).
Every other unit the scheme assesses in the period is listed beneath, not ranked, with its
state. Once a period is published, its ranking is read from the publication's snapshot
(``app.services.snapshots``): the figures of record, whatever the files say later.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import scoring
from app.catalogue.model import Scheme
from app.extensions import db
from app.models import Answer, Assessment, Period, Publication, PublicationSnapshot, Unit
from app.permissions import can
from app.plugins import Registry
from app.services import period_totals, snapshots
from app.services.period_units import valid_in_period
from app.scoring import Entry, Totals
from app.scoring.group import FAMILY_LABELS, FAMILY_ORDER, family, recompute
from app.scoring.ranking import rank


RANKED_STATES = ("appraised", "published")  # finished work: only these are ranked
NOT_RANKED_LABELS = {
    "none": "chưa có hồ sơ",
    "draft": "đang nhập",
    "submitted": "đã nộp, chưa thẩm định",
    "returned": "trả lại để giải trình",
}


def may_see(user, ranking_: Ranking) -> bool:
    """Published, or a role the permission table lets see results early (``results.early``)."""
    return ranking_.published or can(user, "results.early")


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
class NotRanked:
    """A unit the scheme assesses in the period whose work is not finished: listed, not ranked."""
    unit_id: int
    code: str
    name: str
    state: str  # a key of NOT_RANKED_LABELS

    @property
    def label(self) -> str:
        return NOT_RANKED_LABELS[self.state]


@dataclass(frozen=True)
class PublishedUnit:
    """A ranked unit as the publication named it (a later renaming does not change it)."""
    id: int
    code: str
    name: str


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
    not_ranked: list[NotRanked] = field(default_factory=list)
    snapshot: PublicationSnapshot | None = None  # the result of record, once published

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
    and the totals carry no leaf scores. A published period's are the scores of record."""
    snapshot = snapshots.of(current_publication(period))
    if snapshot is None:
        return _live_scores(registry, scheme, period, leaves)
    places = snapshot.places  # published: the scores of record
    found = {a.id: a for a in db.session.scalars(
        select(Assessment).where(Assessment.id.in_([p.assessment_id for p in places]))
        .options(joinedload(Assessment.unit)))}
    return ([found[p.assessment_id] for p in places],
            {p.assessment_id: snapshots.totals(p) for p in places})


def _live_scores(registry: Registry, scheme: Scheme, period: Period,
                 leaves: bool) -> tuple[list[Assessment], dict[int, Totals]]:
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
                assessment: Assessment | None, answers: dict | None = None,
                publication: Publication | None | bool = False) -> Totals:
    """One assessment's totals, scored within its group as the ranking scores it. Only what
    that needs is read (a form page shows it on every view and save): the unit's own answers,
    and the best values of its group on the rows that compare units (one small aggregate).
    ``answers``: the assessment's answers by code, and ``publication``: the period's current
    publication (None for none), when the caller has them already."""
    if assessment is None:
        return recompute(scheme, {None: {}}, registry.scoring_methods)[None]
    snapshot = snapshots.of(current_publication(period) if publication is False else publication)
    published = next((p for p in snapshot.places if p.assessment_id == assessment.id),
                     None) if snapshot is not None else None
    if published is not None:
        return snapshots.totals(published)
    if answers is not None:
        from app.services.assessments import to_entry
        own = {code: to_entry(answer) for code, answer in answers.items()}
    else:
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
    """The period's standings by group of units, appraised work only, and beneath them the
    units not ranked; with ``history``, the previous period's and the year's published ranks
    beside them. A caller that shows only totals and main indices passes ``leaves=False``: the
    database then does the adding up, several times faster. A published period is read from
    its snapshot, with the scheme as it was published."""
    publication = current_publication(period)
    snapshot = snapshots.of(publication)
    if snapshot is not None:
        result = _from_snapshot(registry, scheme, period, publication, snapshot)
    else:
        result = _computed(registry, scheme, period, publication, leaves)
    if history and result.scheme.kind == "points":
        _add_history(registry, result)
    return result


def scheme_of_record(registry: Registry, scheme: Scheme, period: Period) -> Scheme:
    """The scheme a period's figures belong to: as published, once published."""
    snapshot = snapshots.of(current_publication(period))
    if snapshot is None:
        return scheme
    return snapshots.scheme(snapshot, scheme.plugin, registry.scoring_methods)


def _computed(registry: Registry, scheme: Scheme, period: Period,
              publication: Publication | None, leaves: bool) -> Ranking:
    assessments, totals = _live_scores(registry, scheme, period, leaves)
    finished = [a for a in assessments if a.state in RANKED_STATES]
    by_family: dict[str, list[Assessment]] = {}
    for assessment in finished:
        by_family.setdefault(family(assessment.unit.type), []).append(assessment)
    groups = []
    for name in sorted(by_family, key=_family_position):
        members = {a.id: a for a in sorted(by_family[name], key=lambda a: a.unit.name)}
        standings = rank({a_id: totals[a_id] for a_id in members})
        places = [Place(members[s.unit].unit, members[s.unit], s.totals,
                        _published_or(members[s.unit], s.rank)) for s in standings]
        places.sort(key=lambda p: (p.rank is None, p.rank or 0))  # stable: ties keep order
        groups.append(Group(name, places))
    # A result published before the platform was ranked by its decision among units the
    # platform does not hold: those are not "without an assessment" here.
    elsewhere = any(a.published_rank is not None for a in finished)
    waiting = [n for n in not_ranked(scheme, period, assessments)
               if not (elsewhere and n.state == "none")]
    return Ranking(scheme, period, publication, groups, not_ranked=waiting)


def not_ranked(scheme: Scheme, period: Period, assessments: list[Assessment]) -> list[NotRanked]:
    """Every unit the scheme assesses in the period whose assessment is not appraised, or
    that has none, by group and name."""
    states = {a.unit_id: a.state for a in assessments}
    waiting = [u for u, state in states.items() if state not in RANKED_STATES]
    # one query: the units of the scheme's types that the period assesses (those existing on
    # its last day: a 2026 period has no districts), and those with an unfinished assessment
    units = db.session.scalars(select(Unit).where(
        (Unit.type.in_(scheme.unit_types) & valid_in_period(period))
        | Unit.id.in_(waiting))).all()
    units = sorted((u for u in units if states.get(u.id) not in RANKED_STATES),
                   key=lambda u: (_family_position(family(u.type)), u.name))
    return [NotRanked(u.id, u.code, u.name, states.get(u.id, "none")) for u in units]


def _from_snapshot(registry: Registry, scheme: Scheme, period: Period,
                   publication: Publication, snapshot: PublicationSnapshot) -> Ranking:
    """The ranking as published: places, scores and the scheme read back as they were."""
    published = snapshots.scheme(snapshot, scheme.plugin, registry.scoring_methods)
    places = snapshot.places
    found = {a.id: a for a in db.session.scalars(select(Assessment).where(
        Assessment.id.in_([p.assessment_id for p in places])))}
    groups: dict[str, Group] = {}
    for p in places:
        unit = PublishedUnit(p.unit_id, p.unit_code, p.unit_name)
        groups.setdefault(p.group, Group(p.group)).places.append(
            Place(unit, found[p.assessment_id], snapshots.totals(p), p.rank))
    waiting = [NotRanked(n["unit_id"], n["code"], n["name"], n["state"])
               for n in snapshots.not_ranked(snapshot)]
    return Ranking(published, period, publication, list(groups.values()),
                   not_ranked=waiting, snapshot=snapshot)


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
    if period is None:
        return {}
    snapshot = snapshots.of(current_publication(period))
    if snapshot is not None:
        return {p.unit_id: p.rank for p in snapshot.places if p.rank is not None}
    if period.scheme_code not in registry.schemes:
        return {}
    earlier = ranking(registry, registry.schemes[period.scheme_code], period, history=False,
                      leaves=False)
    return {p.unit.id: p.rank for g in earlier.groups for p in g.places if p.rank is not None}


def family_codes(registry: Registry, scheme: Scheme) -> list[str]:
    """The codes of every version of the scheme's family (its ``family`` key): dienbien-so-2022
    and a later dienbien-so-2024, whatever their codes."""
    return [s.code for s in registry.family_versions(scheme)] or [scheme.code]


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
