"""Target schemes over communes: participants, district and province progress, monthly reports."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime, time, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from app import clock
from app import periods as period_ids
from app.catalogue.model import Scheme
from app.models import Unit
from app.permissions import can, require
from app.services import communes as svc
from app.services.communes import VIETNAM, CommuneError
from app.web import registry, render
from app.web.home import province_required

bp = Blueprint("communes", __name__)
PREFIX = "/communes/<scheme_code>/<period_code>"


def today() -> date:
    """The Vietnamese calendar day: reports are due on the 25th and 27th of it."""
    return clock.today()


def _sent_at() -> datetime:
    """Now, in UTC, on the day today() names (tests move today(); the time of day stays real)."""
    moment = datetime.now(VIETNAM)
    if moment.date() != today():
        moment = datetime.combine(today(), time(12), VIETNAM)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


@bp.app_template_global()
def commune_scheme(scheme_code: str) -> bool:
    scheme = registry().schemes.get(scheme_code)
    return scheme is not None and scheme.is_commune_target_scheme


# -- what the URL names, checked against the user ---------------------------------------------
def _scheme_and_year(scheme_code: str, period_code: str) -> tuple[Scheme, int]:
    province, _ = province_required()
    scheme = registry().schemes.get(scheme_code)
    if province is None or scheme is None or not province.uses_scheme(scheme) \
            or not scheme.is_commune_target_scheme:
        abort(404)
    try:
        ident = period_ids.parse(period_code)
    except period_ids.PeriodError:
        abort(404)
    if ident.type != "year":
        abort(404)
    return scheme, ident.year


def _own_unit() -> Unit | None:
    return current_user.unit if can(current_user, "units.own_only") else None


def _district(code: str, year: int) -> Unit:
    """A district the user may see: any for province-wide roles, only their own for a unit user."""
    district = svc.find_district(code, year)
    if district is None:
        abort(404)
    if can(current_user, "units.own_only") and getattr(_own_unit(), "id", None) != district.id:
        abort(404)
    return district


def _commune(scheme: Scheme, year: int, code: str) -> Unit:
    """A participating commune the user may see: province-wide roles, its own user and the
    user of its district."""
    unit = svc.participant(scheme, year, code)
    if unit is None:
        abort(404)
    if can(current_user, "units.own_only"):
        own = _own_unit()
        if own is None or own.id not in (unit.id, unit.parent_id):
            abort(404)
    return unit


def _may_send(unit: Unit) -> bool:
    """The province admin, or the unit's own user, sends its monthly report."""
    own = _own_unit()
    return can(current_user, "entry.any_unit") or (own is not None and own.id == unit.id)


def _base(scheme: Scheme, year: int) -> dict:
    return {"scheme_code": scheme.code, "period_code": str(year)}


# -- province overview ----------------------------------------------------------------------
@bp.route(PREFIX)
@login_required
@require("province.view")
def overview(scheme_code, period_code):
    """Per district: participants, classification, this month's reports; a province summary."""
    scheme, year = _scheme_and_year(scheme_code, period_code)
    if can(current_user, "units.own_only"):  # a unit user has one page of their own here
        own = _own_unit()
        if own is None:
            abort(404)
        if own.type == "huyen":
            return redirect(url_for("communes.district", unit_code=own.code, **_base(scheme, year)))
        return redirect(url_for("communes.commune", unit_code=own.code, **_base(scheme, year)))
    now = today()
    month = svc.report_month(year, now)
    units = svc.participants(scheme, year)
    statuses = svc.commune_statuses(scheme, svc.year_period(scheme, year), units, month, now)
    by_unit = {s.unit.id: s for s in statuses}
    groups = svc.shares(scheme, svc.communes(scheme, year), set(by_unit))
    reports = svc.report_states(scheme, [g.district for g in groups if g.district], month, now)
    rows = []  # per district: participation share, tally of its communes, its own report
    for g in groups:
        tally = svc.Tally([by_unit[u.id] for u in g.communes if u.id in by_unit])
        rows.append((g, tally, reports.get(g.district.id) if g.district else None))
    return render("communes/overview.html", scheme=scheme, year=year, month=month,
                  province=svc.Tally(statuses), rows=rows, base=_base(scheme, year),
                  min_share=scheme.communes.min_share)


# -- participation --------------------------------------------------------------------------
def _fold(text: str) -> str:
    """Lower case without diacritics, so «tuy loc» finds «Xã Tuy Lộc»."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _participants_page(scheme, year, chosen, status=200, error=None):
    units = svc.communes(scheme, year)
    query = (request.values.get("q") or "").strip()
    shown = {u.id for u in units if not query or _fold(query) in _fold(u.name) or query == u.code}
    groups = svc.shares(scheme, units, chosen)
    return render("communes/participants.html", scheme=scheme, year=year, groups=groups,
                  chosen=chosen, shown=shown, query=query, error=error, total=len(units),
                  base=_base(scheme, year), min_share=scheme.communes.min_share,
                  may_edit=can(current_user, "communes.participants")), status


@bp.route(PREFIX + "/participants")
@login_required
@require("province.view")
def participants(scheme_code, period_code):
    scheme, year = _scheme_and_year(scheme_code, period_code)
    return _participants_page(scheme, year, svc.participant_ids(scheme, year))


@bp.route(PREFIX + "/participants", methods=["POST"])
@login_required
@require("communes.participants")
def save_participants(scheme_code, period_code):
    """All or nothing: the ticked list becomes the year's participants, or nothing changes."""
    scheme, year = _scheme_and_year(scheme_code, period_code)
    units = {u.id: u for u in svc.communes(scheme, year)}
    try:
        chosen = svc.parse_choice(request.form.getlist("unit"), year, units)
    except CommuneError as exc:
        kept = {int(v) for v in request.form.getlist("unit") if v.isdigit() and int(v) in units}
        return _participants_page(scheme, year, kept, 422, str(exc))
    change = svc.set_participants(scheme, year, chosen, units, current_user)
    flash(f"Đã lưu danh sách tham gia năm {year}: {len(chosen)} đơn vị "
          f"(thêm {len(change.added)}, bỏ {len(change.removed)}).", "success")
    short = [g for g in svc.shares(scheme, list(units.values()), chosen) if g.below_minimum]
    if short:
        flash(f"Chưa đủ {scheme.communes.min_share}% số xã của huyện: " + "; ".join(
            f"{g.name} ({g.count}/{g.total})" for g in short) + ".", "error")
    return redirect(url_for("communes.participants", **_base(scheme, year)))


@bp.route(PREFIX + "/participants/counts", methods=["POST"])
@login_required
@require("province.view")
def participant_counts(scheme_code, period_code):
    """htmx: per-district counts of what is ticked now (nothing is saved)."""
    scheme, year = _scheme_and_year(scheme_code, period_code)
    units = svc.communes(scheme, year)
    ids = {u.id for u in units}
    chosen = {int(v) for v in request.form.getlist("unit") if v.isdigit() and int(v) in ids}
    return render_template("communes/_counts.html", groups=svc.shares(scheme, units, chosen),
                           chosen=chosen, total=len(units), min_share=scheme.communes.min_share)


# -- a district -------------------------------------------------------------------------------
@bp.route(PREFIX + "/district/<unit_code>")
@login_required
@require("province.view")
def district(scheme_code, period_code, unit_code):
    scheme, year = _scheme_and_year(scheme_code, period_code)
    unit = _district(unit_code, year)
    now = today()
    month = svc.report_month(year, now)
    period = svc.year_period(scheme, year)
    units = [u for u in svc.participants(scheme, year) if u.parent_id == unit.id]
    statuses = svc.commune_statuses(scheme, period, units, month, now)
    return render("communes/district.html", scheme=scheme, year=year, unit=unit, month=month,
                  period=period, statuses=statuses, tally=svc.Tally(statuses),
                  report=svc.report_state(scheme, unit, month, now), may_send=_may_send(unit),
                  base=_base(scheme, year))


@bp.route(PREFIX + "/district/<unit_code>/report", methods=["POST"])
@login_required
@require("entry.own_unit")
def send_district_report(scheme_code, period_code, unit_code):
    """The district's consolidated monthly report: a snapshot of all its communes."""
    scheme, year = _scheme_and_year(scheme_code, period_code)
    unit = _district(unit_code, year)
    if not _may_send(unit):
        abort(404)
    period = svc.year_period(scheme, year)
    units = [u for u in svc.participants(scheme, year) if u.parent_id == unit.id]
    data = svc.district_snapshot(scheme, svc.commune_statuses(scheme, period, units))
    _send(scheme, period, year, unit, data)
    return redirect(url_for("communes.district", unit_code=unit.code, **_base(scheme, year)))


# -- a commune --------------------------------------------------------------------------------
@bp.route(PREFIX + "/commune/<unit_code>")
@login_required
@require("province.view")
def commune(scheme_code, period_code, unit_code):
    scheme, year = _scheme_and_year(scheme_code, period_code)
    unit = _commune(scheme, year, unit_code)
    now = today()
    month = svc.report_month(year, now)
    period = svc.year_period(scheme, year)
    status = svc.commune_statuses(scheme, period, [unit], month, now)[0]
    district = svc.district_of(unit)
    own = _own_unit()
    return render("communes/commune.html", scheme=scheme, year=year, unit=unit, month=month,
                  period=period, status=status, targets=[r for r in scheme.leaves if r.targets],
                  history=svc.history(scheme, unit), may_send=_may_send(unit),
                  district=district, base=_base(scheme, year),
                  may_see_district=district is not None and (
                      own is None or own.id == district.id))


@bp.route(PREFIX + "/commune/<unit_code>/report", methods=["POST"])
@login_required
@require("entry.own_unit")
def send_commune_report(scheme_code, period_code, unit_code):
    """This month's snapshot of the commune's values (due the 25th)."""
    scheme, year = _scheme_and_year(scheme_code, period_code)
    unit = _commune(scheme, year, unit_code)
    if not _may_send(unit):
        abort(404)
    period = svc.year_period(scheme, year)
    status = svc.commune_statuses(scheme, period, [unit])[0]
    _send(scheme, period, year, unit, svc.commune_snapshot(scheme, status))
    return redirect(url_for("communes.commune", unit_code=unit.code, **_base(scheme, year)))


def _send(scheme, period, year, unit, data) -> None:
    try:
        sent = svc.send_report(scheme, period, year, unit, data, current_user, today(), _sent_at())
    except CommuneError as exc:
        flash(f"Chưa gửi được báo cáo tháng của {unit.name}: {exc}", "error")
        return
    month = period_ids.parse(sent.report.period_code).label.lower()
    if sent.replaced_at is not None:
        flash(f"Đã gửi lại báo cáo {month} của {unit.name}: bản mới thay cho bản đã gửi lúc "
              f"{_vn(sent.replaced_at)}.", "success")
    else:
        flash(f"Đã gửi báo cáo {month} của {unit.name}.", "success")


def _vn(moment: datetime) -> str:
    return moment.replace(tzinfo=timezone.utc).astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


# -- links from the unit's home (the entry index) ----------------------------------------------
def entry_notices(periods, schemes: dict[str, Scheme]) -> list[Markup]:
    """Notices for the entry index, one per open year of a commune scheme: the admin is told
    when no commune takes part yet; a district or a participating commune gets its page."""
    notices = []
    own = _own_unit()
    for period in periods:
        scheme = schemes.get(period.scheme_code)
        if scheme is None or not scheme.is_commune_target_scheme or period.ident.type != "year":
            continue
        year, base = period.ident.year, _base(scheme, period.ident.year)
        if can(current_user, "communes.participants") and not svc.participant_ids(scheme, year):
            notices.append(Markup(
                "Chưa có xã, phường, thị trấn nào tham gia «{}» năm {}. "
                '<a href="{}">Đánh dấu đơn vị tham gia</a>.').format(
                scheme.title, year, url_for("communes.participants", **base)))
        elif own is not None and own.type == "huyen":
            notices.append(Markup(
                '<a href="{}">Tiến độ các xã tham gia chuyển đổi số của {} năm {}</a>: '
                "báo cáo tổng hợp hằng tháng hạn ngày {}.").format(
                url_for("communes.district", unit_code=own.code, **base), own.name, year,
                scheme.communes.district_report_day))
        elif own is not None and own.id in svc.participant_ids(scheme, year):
            notices.append(Markup(
                '<a href="{}">Kết quả và báo cáo tháng của {} năm {}</a>: '
                "hạn gửi ngày {} hằng tháng.").format(
                url_for("communes.commune", unit_code=own.code, **base), own.name, year,
                scheme.communes.report_day))
    return notices
