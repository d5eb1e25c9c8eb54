"""The comparison of provinces on the common pillars, for one year (the superadmin's page and
the API's export): points where a province scores, targets met where it does not."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from app import tenancy
from app.catalogue.model import PILLARS, Scheme
from app.extensions import db
from app.models import Period, Province
from app.plugins import Registry
from app.scoring import ZERO, met
from app.scoring.targets import ADVANCED, BASIC, targets_for
from app.services import communes
from app.services import rankings as ranks
from app.services.dashboard_choices import dashboard_schemes
from app.services.dashboard_figures import percent

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
            if assessment.state not in ranks.RANKED_STATES:
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
