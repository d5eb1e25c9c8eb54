"""Target schemes over communes: who takes part, how far each commune is, monthly snapshots.

The province admin marks the communes, wards and towns taking part in a year (the scheme's
``[scheme.communes]`` sets the least share of each district's communes, e.g. Yên Bái's plan
30%). Each of them reports values against the thresholds of its type; by the scheme's report
day of each month it sends a snapshot of those values, and by the district report day its
district sends a consolidated snapshot of all its communes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.catalogue.model import Row, Scheme
from app.extensions import db
from app.models import Assessment, MonthlyReport, Participation, Period, Unit
from app.periods import PeriodId
from app.scoring.targets import Classification, classify
from app.services import assessments as svc
from app.services import audit
from app.services.period_units import valid_on

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class CommuneError(ValueError):
    """A request the rules refuse, in Vietnamese; nothing was stored."""


# -- units --------------------------------------------------------------------------------
def valid_in(year: int):
    """The units the year assesses: those existing on its last day (app/services/period_units.py),
    so that a 2025 year lists the current communes, not also the ones merged on 1 July."""
    return valid_on(date(year, 12, 31))


def communes(scheme: Scheme, year: int) -> list[Unit]:
    """Every unit of the scheme's types that the year assesses, in official code order,
    with its district loaded (shares() groups by it: one query, not one per district)."""
    return list(db.session.scalars(select(Unit).where(Unit.type.in_(scheme.unit_types),
                                                      valid_in(year))
                                   .options(selectinload(Unit.parent)).order_by(Unit.code)))


def participants(scheme: Scheme, year: int) -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).join(Participation, Participation.unit_id == Unit.id)
        .where(Participation.scheme_code == scheme.code, Participation.year == year)
        .order_by(Unit.code)))


def participant(scheme: Scheme, year: int, code: str) -> Unit | None:
    return db.session.scalars(
        select(Unit).join(Participation, Participation.unit_id == Unit.id)
        .where(Participation.scheme_code == scheme.code, Participation.year == year,
               Unit.code == code)).first()


def participant_ids(scheme: Scheme, year: int) -> set[int]:
    return set(db.session.scalars(select(Participation.unit_id).where(
        Participation.scheme_code == scheme.code, Participation.year == year)))


def find_district(code: str, year: int) -> Unit | None:
    return db.session.scalars(select(Unit).where(Unit.code == code, Unit.type == "huyen",
                                                 valid_in(year))).first()


def district_of(unit: Unit) -> Unit | None:
    return unit.parent if unit.parent is not None and unit.parent.type == "huyen" else None


# -- participation --------------------------------------------------------------------------
@dataclass
class DistrictShare:
    """One district's communes and how many of them take part."""
    district: Unit | None  # None: communes not under any district (should not happen)
    communes: list[Unit]
    chosen: set[int]
    min_share: int  # percent, the scheme's [scheme.communes] min_share

    @property
    def total(self) -> int:
        return len(self.communes)

    @property
    def count(self) -> int:
        return sum(1 for unit in self.communes if unit.id in self.chosen)

    @property
    def percent(self) -> int:
        # rounded down, so a district at 29.9% never reads "30%" beside its warning
        return 100 * self.count // self.total if self.total else 0

    @property
    def below_minimum(self) -> bool:
        return self.count * 100 < self.min_share * self.total

    @property
    def name(self) -> str:
        return self.district.name if self.district else "Không thuộc huyện nào"


def shares(scheme: Scheme, units: list[Unit], chosen: set[int]) -> list[DistrictShare]:
    """Communes grouped by district (in code order), with the chosen ones counted against the
    scheme's least share."""
    groups: dict[Unit | None, list[Unit]] = {}
    for unit in units:
        groups.setdefault(district_of(unit), []).append(unit)
    ordered = sorted(groups, key=lambda d: d.code if d is not None else "~")
    return [DistrictShare(d, groups[d], chosen, scheme.communes.min_share) for d in ordered]


def parse_choice(values: list[str], year: int, allowed: dict[int, Unit]) -> set[int]:
    """The ids ticked on the form; refuses the whole choice if any is not a commune of the year."""
    chosen = set()
    for value in values:
        unit_id = int(value) if value.isdigit() else None
        if unit_id not in allowed:
            raise CommuneError(
                f"Danh sách có đơn vị «{value}» không phải xã, phường, thị trấn của tỉnh trong "
                f"năm {year}: chưa lưu thay đổi nào. Hãy tải lại trang và chọn lại.")
        chosen.add(unit_id)
    return chosen


@dataclass
class ParticipationChange:
    added: list[Unit] = field(default_factory=list)
    removed: list[Unit] = field(default_factory=list)


def set_participants(scheme: Scheme, year: int, chosen: set[int], units: dict[int, Unit],
                     user) -> ParticipationChange:
    """Make the year's participants exactly ``chosen``: one transaction, each change audited."""
    existing = {p.unit_id: p for p in db.session.scalars(select(Participation).where(
        Participation.scheme_code == scheme.code, Participation.year == year))}
    change = ParticipationChange()
    reason = f"{scheme.code} năm {year}"
    for unit_id in sorted(chosen - existing.keys()):
        db.session.add(Participation(scheme_code=scheme.code, year=year, unit_id=unit_id))
        change.added.append(units[unit_id])
        audit.record("participation.set", code=units[unit_id].code, field="participation",
                     old=False, new=True, reason=reason, user=user)
    for unit_id in sorted(existing.keys() - chosen):
        unit = existing[unit_id].unit
        db.session.delete(existing[unit_id])
        change.removed.append(unit)
        audit.record("participation.set", code=unit.code, field="participation",
                     old=True, new=False, reason=reason, user=user)
    db.session.commit()
    return change


# -- progress and classification ------------------------------------------------------------
def year_period(scheme: Scheme, year: int) -> Period | None:
    return db.session.scalar(select(Period).where(Period.scheme_code == scheme.code,
                                                  Period.code == str(year)))


def measured_values(assessment: Assessment | None) -> dict[str, Decimal | str | None]:
    """Each answer's value in its row's measure (a fraction as a percentage), or its text."""
    values = {}
    for code, answer in svc.answers_by_code(assessment).items():
        measured = svc.to_entry(answer).measured()
        values[code] = measured if measured is not None else answer.text
    return values


@dataclass
class CommuneStatus:
    unit: Unit
    answered: int
    required: int
    values: dict[str, Decimal | str | None]
    classification: Classification
    report: ReportState | None = None


def commune_statuses(scheme: Scheme, period: Period | None, units: list[Unit],
                     month: PeriodId | None = None,
                     today: date | None = None) -> list[CommuneStatus]:
    """Progress, classification and (given a month) the monthly report of each unit.
    Loads all assessments and reports at once: a province has under 200 communes."""
    rows = svc.visible_rows(scheme, period) if period is not None else scheme.leaves
    found = _assessments(period, units)
    reports = _reports(scheme, month, units) if month is not None else {}
    result = []
    for unit in units:
        assessment = found.get(unit.id)
        answers = svc.answers_by_code(assessment)
        values = measured_values(assessment)
        numbers = {k: v for k, v in values.items() if isinstance(v, Decimal)}
        status = CommuneStatus(
            unit=unit, required=len(rows), values=values,
            answered=sum(1 for r in rows if svc.is_answered(answers.get(r.code))),
            classification=classify(scheme, unit.type, numbers))
        if month is not None:
            status.report = ReportState(month, scheme.communes.report_day, reports.get(unit.id),
                                        today)
        result.append(status)
    return result


def _assessments(period: Period | None, units: list[Unit]) -> dict[int, Assessment]:
    if period is None or not units:
        return {}
    found = db.session.scalars(select(Assessment).options(selectinload(Assessment.answers))
                               .where(Assessment.period_id == period.id,
                                      Assessment.unit_id.in_([u.id for u in units])))
    return {a.unit_id: a for a in found}


@dataclass
class Tally:
    """Counts over a group of participating communes (a district, or the province)."""
    statuses: list[CommuneStatus]

    @property
    def total(self) -> int:
        return len(self.statuses)

    @property
    def basic(self) -> int:
        return sum(1 for s in self.statuses if s.classification.basic)

    @property
    def advanced(self) -> int:
        return sum(1 for s in self.statuses if s.classification.advanced)

    @property
    def sent(self) -> int:
        return sum(1 for s in self.statuses if s.report and s.report.sent)

    @property
    def late(self) -> int:
        return sum(1 for s in self.statuses if s.report and s.report.late)

    def share(self, count: int) -> int:
        return round(100 * count / self.total) if self.total else 0


# -- monthly reports ------------------------------------------------------------------------
def report_month(year: int, today: date) -> PeriodId:
    """The month whose reports the pages show: this month, kept within the scheme's year."""
    if today.year < year:
        return PeriodId("month", year, 1)
    if today.year > year:
        return PeriodId("month", year, 12)
    return PeriodId("month", year, today.month)


def vietnam_day(moment: datetime) -> date:
    """Stored times are UTC; a report is on time by the Vietnamese calendar day."""
    return moment.replace(tzinfo=timezone.utc).astimezone(VIETNAM).date()


@dataclass
class ReportState:
    """One unit's report for one month: sent or not, on time or late."""
    month: PeriodId
    due_day: int
    report: MonthlyReport | None
    today: date

    @property
    def due(self) -> date:
        return date(self.month.year, self.month.index, self.due_day)

    @property
    def sent(self) -> bool:
        return self.report is not None

    @property
    def sent_on(self) -> date | None:
        return vietnam_day(self.report.sent_at) if self.report else None

    @property
    def late(self) -> bool:
        if self.report is not None:
            return self.sent_on > self.due
        return self.today > self.due

    @property
    def label(self) -> str:
        if self.report is not None:
            when = f"{self.sent_on:%d/%m/%Y}"
            return f"Gửi trễ ngày {when}" if self.late else f"Đã gửi ngày {when}"
        if self.late:
            return f"Trễ hạn, chưa gửi (hạn {self.due:%d/%m/%Y})"
        return f"Chưa gửi (hạn {self.due:%d/%m/%Y})"

    @property
    def tag(self) -> str:
        if self.report is not None:
            return "warn" if self.late else "ok"
        return "bad" if self.late else ""


def _reports(scheme: Scheme, month: PeriodId, units: list[Unit]) -> dict[int, MonthlyReport]:
    found = db.session.scalars(select(MonthlyReport).where(
        MonthlyReport.scheme_code == scheme.code, MonthlyReport.period_code == month.code,
        MonthlyReport.unit_id.in_([u.id for u in units])))
    return {r.unit_id: r for r in found}


def due_day(scheme: Scheme, unit: Unit) -> int:
    """The day of the month the unit's report is due: a district consolidates after its communes."""
    rules = scheme.communes
    return rules.district_report_day if unit.type == "huyen" else rules.report_day


def report_state(scheme: Scheme, unit: Unit, month: PeriodId, today: date) -> ReportState:
    return report_states(scheme, [unit], month, today)[unit.id]


def report_states(scheme: Scheme, units: list[Unit], month: PeriodId,
                  today: date) -> dict[int, ReportState]:
    """unit id → its report for the month, the reports of all the units read in one query."""
    found = _reports(scheme, month, units)
    return {unit.id: ReportState(month, due_day(scheme, unit), found.get(unit.id), today)
            for unit in units}


def history(scheme: Scheme, unit: Unit) -> list[tuple[MonthlyReport, dict]]:
    """The unit's reports, latest month first, each with its snapshot read back."""
    found = db.session.scalars(select(MonthlyReport).where(
        MonthlyReport.scheme_code == scheme.code, MonthlyReport.unit_id == unit.id)
        .order_by(MonthlyReport.period_code.desc()))
    return [(report, json.loads(report.data)) for report in found]


def _check_sendable(period: Period | None, year: int, today: date) -> PeriodId:
    if period is None or period.state != "open":
        raise CommuneError(f"Kỳ báo cáo năm {year} chưa mở hoặc đã khóa: "
                           "chưa gửi được báo cáo tháng.")
    if today.year != year:
        raise CommuneError(f"Báo cáo tháng của năm {year} chỉ gửi được trong năm {year} "
                           f"(hôm nay là {today:%d/%m/%Y}).")
    return PeriodId("month", year, today.month)


def _json_value(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def commune_snapshot(scheme: Scheme, status: CommuneStatus) -> dict:
    """{code: value} of every target, None where the commune has no value yet."""
    return {row.code: _json_value(status.values.get(row.code)) for row in _targets(scheme)}


def _targets(scheme: Scheme) -> list[Row]:
    return [row for row in scheme.leaves if row.targets]


def district_snapshot(scheme: Scheme, statuses: list[CommuneStatus]) -> dict:
    """{commune code: its values, progress, status and missing targets}."""
    return {s.unit.code: {
        "name": s.unit.name, "type": s.unit.type, "status": s.classification.status,
        "answered": s.answered, "required": s.required,
        "missing_basic": [m.code for m in s.classification.missing_basic],
        "missing_advanced": [m.code for m in s.classification.missing_advanced],
        "values": commune_snapshot(scheme, s),
    } for s in statuses}


@dataclass
class Sent:
    report: MonthlyReport
    replaced_at: datetime | None  # when the snapshot it replaced had been sent


def send_report(scheme: Scheme, period: Period | None, year: int, unit: Unit, data: dict,
                user, today: date, sent_at: datetime) -> Sent:
    """Store this month's snapshot of a unit, replacing an earlier one of the same month.
    The audit trail keeps the replaced snapshot, since the row no longer does."""
    month = _check_sendable(period, year, today)
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True)
    report = db.session.scalar(select(MonthlyReport).where(
        MonthlyReport.scheme_code == scheme.code, MonthlyReport.unit_id == unit.id,
        MonthlyReport.period_code == month.code))
    replaced_at, old = (report.sent_at, report.data) if report is not None else (None, None)
    if report is None:
        report = MonthlyReport(scheme_code=scheme.code, unit_id=unit.id, period_code=month.code)
        db.session.add(report)
    report.data, report.sent_at, report.sent_by_id = payload, sent_at, getattr(user, "id", None)
    audit.record("report.replace" if old else "report.send", code=unit.code,
                 field="monthly_report", old=old, new=payload, user=user,
                 reason=f"{scheme.code} {month.label}")
    try:
        db.session.commit()
    except IntegrityError:  # the same report sent twice at the same instant
        db.session.rollback()
        raise CommuneError("Báo cáo tháng này vừa được gửi từ nơi khác. "
                           "Hãy tải lại trang.") from None
    return Sent(report, replaced_at)
