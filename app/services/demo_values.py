"""Plausible demo values, so that every page of `flask demo` has something to show.

Generic: for each scheme and open period, some units get answers; a few are submitted and
some of those appraised; a commune scheme first gets its participants (40% of each district).
Values are derived from a hash of (unit, indicator) so that a second run writes the same data,
and a unit that already has an assessment is left alone (unless it holds only what the systems
of measured rows sent, as they do while units draft: app/services/demo_communes.py). The demo
users' own units stay empty so that their journeys start from a blank form.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from app.catalogue.model import Row, Scheme
from app.extensions import db
from app.models import Answer, Assessment, Participation, Period, Unit
from app.scoring import Methods, propose
from app.services.assessments import to_entry, visible_rows
from app.services.period_units import valid_in_period

FILLED_UNITS = 8  # per scheme and period
SUBMITTED = 6  # of which submitted…
APPRAISED = 3  # …and of those, appraised
PARTICIPATION = Decimal("0.4")


def load_demo_values(registry, schemes: list[Scheme], keep_empty: set[str]) -> int:
    """Fill the open periods of these schemes (of the province in scope); returns how many
    assessments were made."""
    made = 0
    for scheme in schemes:
        if scheme.kind == "monitor":
            made += _fill_monitor(registry, scheme, keep_empty)
            continue
        for period in db.session.scalars(select(Period).where(Period.scheme_code == scheme.code,
                                                              Period.state == "open")):
            for index, unit in enumerate(units_to_fill(scheme, period, keep_empty)):
                if _fill(scheme, period, unit, index, registry.scoring_methods):
                    made += 1
    db.session.commit()
    return made


def _fill_monitor(registry, scheme: Scheme, keep_empty: set[str]) -> int:
    """KPIs of the assessed province: the year's earlier periods reported (closed), so trends
    show; in the open periods, the agencies other than the demo users' have reported."""
    from app.services.calendar_due import due_in_month
    province = db.session.scalar(select(Unit).where(Unit.type.in_(scheme.unit_types),
                                                    Unit.valid_to.is_(None)))
    open_periods = db.session.scalars(select(Period).where(Period.scheme_code == scheme.code,
                                                           Period.state == "open")).all()
    if province is None or not open_periods:
        return 0
    year = open_periods[0].ident.year
    made = 0
    for month in range(1, 13):
        for due in due_in_month(scheme, year, month):
            period = db.session.scalar(select(Period).where(Period.scheme_code == scheme.code,
                                                            Period.code == due.period.code))
            if period is None:
                period = Period(scheme_code=scheme.code, code=due.period.code, type=due.period.type,
                                state="locked", deadline=registry.calendar(scheme).deadline(due.period))
                db.session.add(period)
                db.session.flush()
            if db.session.scalar(select(Assessment.id).where(Assessment.period_id == period.id)):
                continue
            closed = period.state != "open"
            assessment = Assessment(scheme_code=scheme.code, scheme_version=scheme.version,
                                    period_id=period.id, unit_id=province.id,
                                    state="submitted" if closed else "draft")
            for row in due.rows:
                if not closed and row.lead_unit in keep_empty:
                    continue
                answer = _answer(row, province, False, registry.scoring_methods,
                                 salt=period.code)
                if answer is not None:
                    assessment.answers.append(answer)
            db.session.add(assessment)
            made += 1
    return made


def units_to_fill(scheme: Scheme, period: Period, keep_empty: set[str]) -> list[Unit]:
    """The units whose assessments load_demo_values fills in this period (in that order)."""
    return _units(scheme, period, keep_empty)[:FILLED_UNITS]


def _units(scheme: Scheme, period: Period, keep_empty: set[str]) -> list[Unit]:
    units = db.session.scalars(select(Unit).where(Unit.type.in_(scheme.unit_types),
                                                  valid_in_period(period))
                               .order_by(Unit.code)).all()
    units = [u for u in units if u.code not in keep_empty]
    if scheme.kind == "target":
        units = _participants(scheme, period, units)
    return units


def _participants(scheme: Scheme, period: Period, communes: list[Unit]) -> list[Unit]:
    """Mark 40% of each district's communes as taking part (the plan asks for at least 30%)."""
    year = period.ident.year
    chosen = set(db.session.scalars(select(Participation.unit_id).where(
        Participation.scheme_code == scheme.code, Participation.year == year)))
    if not chosen:
        by_district: dict[int, list[Unit]] = {}
        for unit in communes:
            by_district.setdefault(unit.parent_id, []).append(unit)
        for members in by_district.values():
            count = int((len(members) * PARTICIPATION).to_integral_value(ROUND_HALF_UP)) or 1
            for unit in members[:count]:
                db.session.add(Participation(scheme_code=scheme.code, year=year, unit_id=unit.id))
                chosen.add(unit.id)
        db.session.flush()
    # one commune per district first, so that every district page has something
    picked = [u for u in communes if u.id in chosen]  # in code order, as _units() reads them
    firsts = {}
    for unit in picked:
        firsts.setdefault(unit.parent_id, unit)
    return list(firsts.values()) + [u for u in picked if firsts[u.parent_id] is not u]


def _fill(scheme: Scheme, period: Period, unit: Unit, index: int, methods: Methods) -> bool:
    state = "appraised" if index < APPRAISED else "submitted" if index < SUBMITTED else "draft"
    assessment = db.session.scalar(select(Assessment).where(Assessment.period_id == period.id,
                                                            Assessment.unit_id == unit.id))
    if assessment is None:
        assessment = Assessment(scheme_code=scheme.code, scheme_version=scheme.version,
                                period_id=period.id, unit_id=unit.id)
    elif assessment.state != "draft" or not assessment.answers \
            or any(not a.measured_by for a in assessment.answers):
        return False  # the unit's own (work or blank form): left alone
    # else a draft holding only what systems sent before the unit began: the unit goes on
    assessment.state = state
    assessment.submitted_at = datetime.utcnow() if state != "draft" else None
    for row in visible_rows(scheme, period):
        if row.measured_source:
            continue  # its value comes from the system that measures it, never from the unit
        answer = _answer(row, unit, state == "draft" and _hash(unit.code, row.code) % 3 == 0,
                         methods)
        if answer is not None:
            if state == "appraised":
                _appraise(answer, row, unit, methods)
            assessment.answers.append(answer)
    if state == "appraised":
        assessment.appraisal_started_at = assessment.appraised_at = datetime.utcnow()
    db.session.add(assessment)
    return True


def _answer(row: Row, unit: Unit, skip: bool, methods: Methods,
            salt: str = "") -> Answer | None:
    if skip:
        return None  # a draft is half done
    share = Decimal(50 + _hash(unit.code, row.code, salt) % 51) / 100  # 0.50 … 1.00
    answer = Answer(code=row.code,
                    no_evidence_reason="Tài liệu lưu tại đơn vị (dữ liệu mẫu)"
                    if row.evidence_required else None)
    if row.input == "boolean":
        answer.value = Decimal(1 if share > Decimal("0.6") else 0)
    elif row.input == "fraction":
        answer.denominator = Decimal(40)
        answer.numerator = (answer.denominator * share).to_integral_value()
    elif row.input in ("percent", "number", "amount"):
        target = (row.targets or {}).get(unit.type)
        base = Decimal(str(target)) if isinstance(target, (int, float)) else Decimal(100)
        if target is not None and _hash(unit.code) % 3 == 0:
            share = Decimal("1.0")  # a third of the communes reach every target
        answer.value = (base * (share + Decimal("0.1"))).quantize(Decimal("0.1"))
        if row.input == "percent":
            answer.value = min(answer.value, Decimal(100))
    elif row.input == "text":
        answer.text = "Đã triển khai (dữ liệu mẫu)"
    if row.max_points is not None and _typed_by_unit(row, unit, answer, methods):
        # A unit types a score only where a person judges: elsewhere the score is worked out
        # from the value (never a typed figure that could disagree with the value).
        answer.self_score = (row.max_points * share).quantize(Decimal("0.25"))
    return answer


def _typed_by_unit(row: Row, unit: Unit, answer: Answer, methods: Methods) -> bool:
    """Whether the unit must type the row's score: its method proposes none from the value
    (a person judges). A group method's proposal waits for the group, so it is not typed."""
    method = methods.get(row.method)
    if method is not None and method.group:
        return False
    return propose(row, to_entry(answer), methods, unit_type=unit.type) is None


def _appraise(answer: Answer, row: Row, unit: Unit, methods: Methods) -> None:
    own = answer.self_score
    if own is None:
        own = propose(row, to_entry(answer), methods, unit_type=unit.type)
    if own is None:
        return
    lower = _hash(unit.code, row.code, "appraise") % 4 == 0
    answer.appraised_score = max(Decimal(0), own - (1 if lower else 0))
    answer.appraisal_comment = "Tài liệu chưa đủ chứng minh toàn bộ (dữ liệu mẫu)" if lower else None
    answer.appraised_at = datetime.utcnow()


def _hash(*parts: str) -> int:
    return int(hashlib.sha256("/".join(parts).encode()).hexdigest()[:8], 16)
