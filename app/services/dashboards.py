"""The numbers behind the dashboards, the public results and the comparison of provinces.

One query per data set: a period's answers are scored together (``rankings.period_scores``),
never unit by unit. Percentages are of the maximum a unit could reach (rows it was not assessed
on leave the maximum), so schemes of 500 and 1000 points read on one scale.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from app import tenancy
from app.catalogue.model import PILLARS, Row, Scheme
from app.extensions import db
from app.models import Answer, Assessment, Period, Province, Publication, Unit
from app.plugins import Registry
from app.scoring import HUNDRED, ZERO, Entry, Totals, met
from app.scoring.targets import ADVANCED, BASIC, targets_for
from app.services import communes
from app.services import rankings as ranks
from app.services.rankings import Group, Place, Ranking

SUBMITTED = ("submitted", "returned", "appraised", "published")
APPRAISED = ("appraised", "published")
KIND_ORDER = ("points", "target", "monitor")  # the default scheme of a dashboard comes first
WEAKEST_COUNT = 10


def percent(part, whole) -> Decimal | None:
    """part / whole × 100, to two decimals; None where there is no maximum."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole) * HUNDRED).quantize(Decimal("0.01"), ROUND_HALF_UP)


# -- heat-map classes ----------------------------------------------------------------------
HEAT_CLASSES = (  # (class number, lowest percent, label): five bands of 20 points
    (1, 0, "Dưới 20%"),
    (2, 20, "Từ 20% đến dưới 40%"),
    (3, 40, "Từ 40% đến dưới 60%"),
    (4, 60, "Từ 60% đến dưới 80%"),
    (5, 80, "Từ 80% trở lên"),
)


def heat_class(value: Decimal | None) -> int | None:
    """The band of a percentage: 1 below 20%, …, 5 from 80% up; None without a maximum."""
    if value is None:
        return None
    return max((number for number, low, _label in HEAT_CLASSES if value >= low), default=1)


# -- one unit's main indices -----------------------------------------------------------------
@dataclass
class IndexScore:
    row: Row
    score: Decimal
    max: Decimal

    @property
    def percent(self) -> Decimal | None:
        return percent(self.score, self.max)

    @property
    def heat(self) -> int | None:
        return heat_class(self.percent)


def indices(scheme: Scheme, totals: Totals) -> list[IndexScore]:
    return [IndexScore(row, *totals.main[row.code]) for row in scheme.main
            if row.code in totals.main]


def group_of(ranking_: Ranking, unit_id: int) -> Group | None:
    return next((g for g in ranking_.groups if any(p.unit.id == unit_id for p in g.places)),
                None)


def ranked(group: Group | None) -> list[Place]:
    return [p for p in group.places if p.rank is not None] if group else []


def average_indices(scheme: Scheme, group: Group | None) -> dict[str, Decimal | None]:
    """Per main index, the mean of the group's percentages (units with a maximum there)."""
    result = {}
    for row in scheme.main:
        values = [percent(*p.totals.main[row.code]) for p in ranked(group)
                  if row.code in p.totals.main and p.totals.main[row.code][1]]
        result[row.code] = (sum(values) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP) \
            if values else None
    return result


@dataclass
class Gain:
    """An indicator the unit could gain on: its score, maximum and the points missing."""
    row: Row
    main: Row
    score: Decimal
    max: Decimal

    @property
    def gain(self) -> Decimal:
        return self.max - self.score


def weakest(scheme: Scheme, totals: Totals, limit: int = WEAKEST_COUNT) -> list[Gain]:
    """The indicators with the most points left to gain, largest first (catalogue order
    among equals); rows not assessed and rows at their maximum are left out."""
    gains = []
    for row in scheme.leaves:
        leaf = totals.leaves.get(row.code)
        if leaf is None or not leaf.max:
            continue
        gain = Gain(row, scheme.main_of(row.code), leaf.score or ZERO, leaf.max)
        if gain.gain > 0:
            gains.append(gain)
    gains.sort(key=lambda g: g.gain, reverse=True)  # stable: catalogue order among equals
    return gains[:limit]


@dataclass
class HistoryPoint:
    period: Period
    totals: Totals
    rank: int | None
    group_size: int
    official: str | None = None  # the decision whose rank this is (results before the platform)

    @property
    def percent(self) -> Decimal | None:
        return self.totals.percent


def published_periods(registry: Registry, scheme: Scheme, period_type: str = "year") -> list[Period]:
    """The scheme family's periods of one type whose results are published, oldest first."""
    return list(db.session.scalars(_published(select(Period)).where(
        Period.scheme_code.in_(ranks.family_codes(registry, scheme)),
        Period.type == period_type).order_by(Period.code)))


def unit_history(registry: Registry, scheme: Scheme, unit: Unit) -> list[HistoryPoint]:
    """The unit's published results, year by year, with its rank in its group."""
    points = []
    for period in published_periods(registry, scheme):
        if period.scheme_code not in registry.schemes:
            continue
        result = ranks.ranking(registry, registry.schemes[period.scheme_code], period,
                               history=False, leaves=False)
        place = result.place_of(unit.id)
        if place is not None and place.totals.max:
            points.append(HistoryPoint(period, place.totals, place.rank,
                                       len(ranked(group_of(result, unit.id))), place.official))
    return points


@dataclass
class UnitDashboard:
    scheme: Scheme
    period: Period
    unit: Unit
    ranking: Ranking
    place: Place | None
    group: Group | None
    sees_others: bool  # rank, average and best unit: published, or a role that sees early
    indices: list[IndexScore] = field(default_factory=list)
    average: dict[str, Decimal | None] = field(default_factory=dict)
    best: Place | None = None
    best_indices: dict[str, Decimal | None] = field(default_factory=dict)
    gains: list[Gain] = field(default_factory=list)
    history: list[HistoryPoint] = field(default_factory=list)


def unit_dashboard(registry: Registry, scheme: Scheme, period: Period, unit: Unit,
                   user) -> UnitDashboard:
    # The ranking needs only totals (the database adds them up); the leaf scores of the
    # indicators to gain on are the unit's own, scored as the ranking scores them.
    ranking_ = ranks.ranking(registry, scheme, period, leaves=False)
    place = ranking_.place_of(unit.id)
    group = group_of(ranking_, unit.id)
    view = UnitDashboard(scheme, period, unit, ranking_, place, group,
                         sees_others=ranks.may_see(user, ranking_),
                         history=unit_history(registry, scheme, unit))
    if place is None:
        return view
    view.indices = indices(scheme, place.totals)
    view.gains = weakest(scheme, ranks.unit_totals(registry, scheme, period, place.assessment))
    if view.sees_others:
        view.average = average_indices(scheme, group)
        # the first of the group; none where the platform holds only results ranked elsewhere
        view.best = next((p for p in ranked(group) if p.rank == 1), None)
        if view.best is not None:
            view.best_indices = {i.row.code: i.percent for i in indices(scheme, view.best.totals)}
    return view


# -- the province's dashboard ----------------------------------------------------------------
def dashboard_schemes(registry: Registry, province: Province) -> list[Scheme]:
    schemes = [s for s in registry.schemes.values() if province.plugin_enabled(s.plugin)]
    return sorted(schemes, key=lambda s: (KIND_ORDER.index(s.kind)
                                          if s.kind in KIND_ORDER else 9, s.code))


def default_scheme(schemes: list[Scheme], published_only: bool) -> Scheme | None:
    """The first scheme with an assessment in a period the user may see, else the first."""
    query = select(Period.scheme_code).join(Assessment, Assessment.period_id == Period.id)
    if published_only:
        query = _published(query)
    with_data = set(db.session.scalars(query.distinct()))
    return next((s for s in schemes if s.code in with_data), schemes[0] if schemes else None)


def _published(query):
    return query.join(Publication, Publication.period_id == Period.id).where(
        Publication.published_at.is_not(None), Publication.withdrawn_at.is_(None))


def scheme_periods(scheme: Scheme, published_only: bool) -> list[Period]:
    """The scheme's periods, newest first; only published ones for a user who waits."""
    query = select(Period).where(Period.scheme_code == scheme.code)
    if published_only:
        query = _published(query)
    return list(db.session.scalars(query.order_by(Period.code.desc())))


def default_period(periods: list[Period]) -> Period | None:
    """The newest period that has any assessment, else the newest period."""
    if not periods:
        return None
    with_data = set(db.session.scalars(select(Assessment.period_id).where(
        Assessment.period_id.in_([p.id for p in periods])).distinct()))
    return next((p for p in periods if p.id in with_data), periods[0])


def is_published(period: Period) -> bool:
    return ranks.current_publication(period) is not None


@dataclass
class Progress:
    """How far the period's units are: submitted, appraised, late (not submitted after the
    deadline), out of the units expected to report."""
    expected: int
    submitted: int
    appraised: int
    late: int
    deadline: date

    @property
    def awaiting(self) -> int:
        """Submitted, not appraised yet: with ``appraised``, ``late`` and ``waiting`` the four
        add up to the units expected (no unit counted twice)."""
        return self.submitted - self.appraised

    @property
    def waiting(self) -> int:
        """Not submitted yet, deadline not passed."""
        return self.expected - self.submitted - self.late

    def share(self, count: int) -> Decimal | None:
        return percent(count, self.expected)


def expected_units(scheme: Scheme, period: Period) -> set[int]:
    """The units that should report: the year's participants of a commune scheme, else every
    unit of the scheme's types that existed during the period's year."""
    year = period.ident.year
    if scheme.is_commune_target_scheme:
        return communes.participant_ids(scheme, year)
    return set(db.session.scalars(select(Unit.id).where(Unit.type.in_(scheme.unit_types),
                                                        communes.valid_in(year))))


def progress(scheme: Scheme, period: Period, today: date) -> Progress:
    expected = expected_units(scheme, period)
    states = dict(db.session.execute(select(Assessment.unit_id, Assessment.state).where(
        Assessment.period_id == period.id)).all())
    submitted = {u for u, state in states.items() if state in SUBMITTED} & expected
    appraised = {u for u, state in states.items() if state in APPRAISED} & expected
    late = len(expected - submitted) if today > period.deadline else 0
    return Progress(len(expected), len(submitted), len(appraised), late, period.deadline)


@dataclass
class HeatRow:
    place: Place
    cells: list[IndexScore]

    @property
    def heat(self) -> int | None:
        return heat_class(self.place.totals.percent)


def heatmap(scheme: Scheme, group: Group) -> list[HeatRow]:
    """Units (in rank order) × main indices, each cell with its percentage and band."""
    return [HeatRow(place, indices(scheme, place.totals)) for place in group.places]


@dataclass
class KpiTrend:
    """One KPI's values over its periods (the province unit's answers), and its target."""
    row: Row
    periods: list[Period]
    values: list[Decimal | None]
    target: Decimal | None  # a numeric targets["tinh"], drawn as a line
    target_text: str | None  # a threshold the decision states in words

    @property
    def has_values(self) -> bool:
        return any(v is not None for v in self.values)

    @property
    def latest(self) -> Decimal | None:
        return next((v for v in reversed(self.values) if v is not None), None)

    @property
    def meets(self) -> bool | None:
        return met(self.row, self.latest, "tinh") if self.row.targets else None


def kpi_trends(scheme: Scheme, published_only: bool) -> list[KpiTrend]:
    """Every KPI of a monitor scheme over the periods of its own type, from one query."""
    periods = sorted(scheme_periods(scheme, published_only), key=lambda p: p.code)
    values: dict[tuple[int, str], Decimal | None] = {}
    rows = db.session.execute(
        select(Assessment.period_id, Answer.code, Answer.value, Answer.numerator,
               Answer.denominator)
        .join(Assessment, Answer.assessment_id == Assessment.id)
        .join(Unit, Assessment.unit_id == Unit.id)
        .where(Assessment.period_id.in_([p.id for p in periods]), Unit.type == "tinh"))
    for period_id, code, value, numerator, denominator in rows:
        entry = Entry(value=value, numerator=numerator, denominator=denominator)
        values[(period_id, code)] = entry.measured()
    trends = []
    for row in scheme.leaves:
        own = [p for p in periods if p.type == row.period]
        target = (row.targets or {}).get("tinh")
        trends.append(KpiTrend(
            row, own, [values.get((p.id, row.code)) for p in own],
            target=Decimal(str(target)) if isinstance(target, (int, float)) else None,
            target_text=target if isinstance(target, str) else None))
    return trends


@dataclass
class LevelShare:
    """Participating communes of a district (or the whole province) reaching each level."""
    name: str
    total: int
    basic: int
    advanced: int

    @property
    def basic_percent(self) -> Decimal | None:
        return percent(self.basic, self.total)

    @property
    def advanced_percent(self) -> Decimal | None:
        return percent(self.advanced, self.total)


def commune_levels(scheme: Scheme, year: int) -> list[LevelShare]:
    """The province first, then each district: how many participants reach the basic level
    (đạt xã chuyển đổi số) and the advanced one."""
    units = communes.participants(scheme, year)
    _load_parents(units)
    statuses = communes.commune_statuses(scheme, communes.year_period(scheme, year), units)
    by_district: dict[Unit | None, list] = defaultdict(list)
    for status in statuses:
        by_district[communes.district_of(status.unit)].append(status)

    def share(name, members):
        return LevelShare(name, len(members), sum(s.classification.basic for s in members),
                          sum(s.classification.advanced for s in members))
    districts = sorted(by_district, key=lambda d: d.code if d is not None else "~")
    return [share("Toàn tỉnh", statuses)] + [
        share(d.name if d else "Không thuộc huyện nào", by_district[d]) for d in districts]


def _load_parents(units: list[Unit]) -> None:
    """Load the units' parents in one query (the identity map then serves unit.parent)."""
    ids = {u.parent_id for u in units if u.parent_id is not None}
    if ids:
        db.session.scalars(select(Unit).where(Unit.id.in_(ids))).all()


# -- public results --------------------------------------------------------------------------
@dataclass
class PublishedRanking:
    scheme: Scheme
    period: Period
    ranking: Ranking


def published_rankings(registry: Registry, province: Province) -> list[PublishedRanking]:
    """Every published period of the province's scored schemes, newest first, each ranking
    holding published assessments only."""
    result = []
    for scheme in dashboard_schemes(registry, province):
        if scheme.kind != "points":
            continue
        for period in scheme_periods(scheme, published_only=True):
            result.append(PublishedRanking(scheme, period, published_ranking(registry, scheme,
                                                                             period)))
    return result


def published_ranking(registry: Registry, scheme: Scheme, period: Period) -> Ranking:
    """The period's ranking restricted to published assessments (a draft begun after
    publication never shows). Totals only: a unit's leaf scores are ``ranks.unit_totals``."""
    result = ranks.ranking(registry, scheme, period, history=False, leaves=False)
    for group in result.groups:
        group.places = [p for p in group.places if p.assessment.state == "published"]
    result.groups = [g for g in result.groups if g.places]
    return result


def row_sums(scheme: Scheme, totals: Totals) -> dict[str, tuple[Decimal | None, Decimal]]:
    """Score and maximum of every row (leaves as scored, parents as the sum of children)."""
    sums: dict[str, tuple[Decimal | None, Decimal]] = {}

    def walk(row: Row) -> tuple[Decimal, Decimal]:
        if row.is_leaf:
            leaf = totals.leaves.get(row.code)
            sums[row.code] = (leaf.score, leaf.max) if leaf else (None, ZERO)
            return (leaf.score or ZERO, leaf.max) if leaf else (ZERO, ZERO)
        score = top = ZERO
        for child in row.children:
            child_score, child_max = walk(child)
            score, top = score + child_score, top + child_max
        sums[row.code] = (score, top)
        return score, top
    for main in scheme.main:
        walk(main)
    return sums


# -- the comparison of provinces -------------------------------------------------------------
POINTS_LABEL = "Tỷ lệ điểm đạt được trên điểm tối đa"
TARGETS_LABEL = "Tỷ lệ chỉ tiêu đạt của các xã, phường, thị trấn tham gia (bộ chỉ tiêu không có điểm)"


class _Tally:
    """Achieved and maximum per pillar, and which units and schemes are behind them."""

    def __init__(self):
        self.achieved: dict[str, Decimal] = defaultdict(lambda: ZERO)
        self.max: dict[str, Decimal] = defaultdict(lambda: ZERO)
        self.units: dict[str, set[int]] = defaultdict(set)
        self.schemes: dict[str, list[str]] = defaultdict(list)

    def add(self, pillar: str, unit_id: int, scheme_code: str, achieved, top) -> None:
        if not top:
            return
        self.achieved[pillar] += Decimal(achieved)
        self.max[pillar] += Decimal(top)
        self.units[pillar].add(unit_id)
        if scheme_code not in self.schemes[pillar]:
            self.schemes[pillar].append(scheme_code)

    def figure(self, pillar: str) -> dict | None:
        if not self.max.get(pillar):
            return None
        return {"achieved": float(self.achieved[pillar]), "max": float(self.max[pillar]),
                "percent": float(percent(self.achieved[pillar], self.max[pillar])),
                "units": len(self.units[pillar]), "schemes": list(self.schemes[pillar])}

    def total(self) -> dict | None:
        top = sum(self.max.values(), ZERO)
        if not top:
            return None
        achieved = sum(self.achieved.values(), ZERO)
        units = set().union(*self.units.values())
        schemes = []
        for codes in self.schemes.values():
            schemes += [c for c in codes if c not in schemes]
        return {"achieved": float(achieved), "max": float(top),
                "percent": float(percent(achieved, top)), "units": len(units),
                "schemes": schemes}


def _points_tally(registry: Registry, schemes: list[Scheme], period_code: str) -> _Tally:
    """Leaves of the appraised (or published) assessments of the province's scored schemes."""
    tally = _Tally()
    for scheme in schemes:
        period = db.session.scalar(select(Period).where(Period.scheme_code == scheme.code,
                                                        Period.code == period_code))
        if period is None:
            continue
        assessments, totals = ranks.period_scores(registry, scheme, period)
        rows = ranks.scheme_of_record(registry, scheme, period).by_code
        for assessment in assessments:
            if assessment.state not in APPRAISED:
                continue
            for code, leaf in totals[assessment.id].leaves.items():
                tally.add(rows[code].pillar, assessment.unit_id, scheme.code,
                          leaf.score or ZERO, leaf.max)
    return tally


def _targets_tally(schemes: list[Scheme], year: int) -> _Tally:
    """Targets met over targets set, each participating commune counted against its type's
    thresholds (a target without a value is not met)."""
    tally = _Tally()
    for scheme in schemes:
        units = communes.participants(scheme, year)
        statuses = communes.commune_statuses(scheme, communes.year_period(scheme, year), units)
        for status in statuses:
            for level in (BASIC, ADVANCED):
                for row in targets_for(scheme, level, status.unit.type):
                    value = status.values.get(row.code)
                    value = value if isinstance(value, Decimal) else None
                    tally.add(row.pillar, status.unit.id, scheme.code,
                              1 if met(row, value, status.unit.type) else 0, 1)
    return tally


def compare(registry: Registry, period_code: str) -> dict:
    """The provinces side by side on the common pillars, for one year.

    Returns plain data (JSON as it stands)::

        {"period": "2022",
         "pillars": [{"code": "nhan_thuc", "label": "Nhận thức số"}, …],   # PILLARS order
         "provinces": [{
             "code": "dienbien", "name": "Điện Biên",
             "measure": "points" | "targets" | None,     # None: nothing to compare that year
             "measure_label": "Tỷ lệ điểm đạt được trên điểm tối đa" | …,
             "schemes": [{"code": "dienbien-so-2022", "title": …, "kind": "points",
                          "max_points": 500}],          # the schemes behind the figures
             "total": {"achieved": 380.0, "max": 475.0, "percent": 80.0, "units": 1,
                       "schemes": ["dienbien-so-2022"]} | None,
             "pillars": {"nhan_thuc": {same keys as total} | None, …}}, …]}

    ``measure`` "points": achieved / maximum over the leaves of the pillar, summed over the
    province's appraised or published assessments of that year (rows "không đánh giá" leave
    the maximum), so 500- and 1000-point schemes share one scale. "targets" (a province whose
    schemes carry no points, Yên Bái): targets met / targets set among the communes taking
    part that year, each against its type's thresholds. ``units`` counts the units behind a
    figure. Percentages have two decimals.
    """
    year = int(period_code[:4]) if period_code[:4].isdigit() else 0
    with tenancy.unscoped():
        provinces = db.session.scalars(select(Province).order_by(Province.name)).all()
    result = []
    for province in provinces:
        with tenancy.scoped(province.id):
            result.append(_province_figures(registry, province, period_code, year))
    return {"period": period_code,
            "pillars": [{"code": code, "label": label} for code, label in PILLARS.items()],
            "provinces": result}


def _province_figures(registry: Registry, province: Province, period_code: str,
                      year: int) -> dict:
    schemes = dashboard_schemes(registry, province)
    points = [s for s in schemes if s.kind == "points"]
    tally, measure, used = _points_tally(registry, points, period_code), "points", points
    if tally.total() is None:
        targets = [s for s in schemes if s.is_commune_target_scheme]
        tally, measure, used = _targets_tally(targets, year), "targets", targets
    total = tally.total()
    if total is None:
        measure, used = None, []
    behind = set(total["schemes"]) if total else set()
    return {
        "code": province.code, "name": province.name, "measure": measure,
        "measure_label": {"points": POINTS_LABEL, "targets": TARGETS_LABEL}.get(measure),
        "schemes": [{"code": s.code, "title": s.title, "kind": s.kind,
                     "max_points": float(s.max_points) if s.max_points is not None else None}
                    for s in used if s.code in behind],
        "total": total,
        "pillars": {code: tally.figure(code) for code in PILLARS},
    }


def compare_years() -> list[str]:
    """Years that have a yearly period in any province, newest first."""
    with tenancy.unscoped():
        return list(db.session.scalars(select(Period.code).where(Period.type == "year")
                                       .distinct().order_by(Period.code.desc())))
