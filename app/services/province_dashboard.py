"""The province's dashboard: how far a period's units are, the heat map of a group's main
indices, a monitor scheme's KPI trends and how many participating communes reach each level."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.catalogue.model import Row, Scheme
from app.extensions import db
from app.models import Answer, Assessment, Period, Unit
from app.scoring import Entry, met
from app.services import communes
from app.services.dashboard_choices import scheme_periods
from app.services.dashboard_figures import IndexScore, heat_class, indices, percent
from app.services.period_units import valid_in_period
from app.services.rankings import RANKED_STATES, Group, Place

SUBMITTED = ("submitted", "returned", "appraised", "published")


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
    unit of the scheme's types that the period assesses (app/services/period_units.py)."""
    if scheme.is_commune_target_scheme:
        return communes.participant_ids(scheme, period.ident.year)
    return set(db.session.scalars(select(Unit.id).where(Unit.type.in_(scheme.unit_types),
                                                        valid_in_period(period))))


def progress(scheme: Scheme, period: Period, today: date) -> Progress:
    expected = expected_units(scheme, period)
    states = dict(db.session.execute(select(Assessment.unit_id, Assessment.state).where(
        Assessment.period_id == period.id)).all())
    submitted = {u for u, state in states.items() if state in SUBMITTED} & expected
    appraised = {u for u, state in states.items() if state in RANKED_STATES} & expected
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
