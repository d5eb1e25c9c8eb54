"""Dashboards: a unit's, the province's (filters by scheme, period and group of units), and the
superadmin's comparison of provinces. Charts are inline SVG (app.charts), each with a table of
the same numbers; the numbers come from app.services (unit_dashboard, province_dashboard,
province_comparison, dashboard_choices, dashboard_figures)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import charts, clock
from app import tenancy
from app.extensions import db
from app.models import Assessment, Period, Province, Unit
from app.permissions import can, require
from app.services import audit
from app.services import dashboard_choices as choices
from app.services import dashboard_figures as figures
from app.services import province_comparison as comparison
from app.services import province_dashboard as province_board
from app.services import rankings as ranks
from app.services import unit_dashboard as unit_board
from app.web import registry, render
from app.web.home import current_province, province_required
from app.services.lookups import unit_in_period
from app.web.ownership import scheme_and_period

bp = Blueprint("dashboards", __name__)


def today():
    """The Vietnamese calendar day (a deadline passes at midnight in Vietnam)."""
    return clock.today()


def short(row) -> str:
    """A main index as an axis or column reads it: «1. Nhận thức số»."""
    return f"{row.code}. {row.title}"


@bp.route("/dashboards/charts.css")
def chart_css():
    """The charts' stylesheet (pygal's rules for our colours): a file, as the CSP wants."""
    response = make_response(charts.stylesheet())
    response.headers["Content-Type"] = "text/css; charset=utf-8"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# -- landing ---------------------------------------------------------------------------------
@bp.route("/dashboards")
@login_required
@require("results.view")
def index():
    """Province roles go to the province's dashboard; a unit user chooses among its own."""
    if can(current_user, "provinces.pick") and current_province() is None:
        return redirect(url_for("dashboards.compare"))
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    if not can(current_user, "units.own_only"):
        return redirect(url_for("dashboards.province"))
    unit_ = current_user.unit
    schemes = {s.code: s for s in choices.dashboard_schemes(registry(), province)
               if s.kind == "points" and unit_ is not None and unit_.type in s.unit_types}
    periods = db.session.scalars(select(Period).where(Period.scheme_code.in_(list(schemes)))
                                 .order_by(Period.code.desc(), Period.scheme_code)).all()
    assessments = dict(db.session.execute(select(Assessment.period_id, Assessment).where(
        Assessment.unit_id == current_user.unit_id)).all())
    own = [(assessments.get(p.id), p) for p in periods]
    return render("dashboards/index.html", own=own, schemes=schemes, unit=unit_)


# -- one unit --------------------------------------------------------------------------------
def _unit(code: str, period: Period) -> Unit:
    """The unit of that code (the row assessed in the period where codes were reused)."""
    unit_ = unit_in_period(code, period)
    if unit_ is None:
        abort(404)
    if can(current_user, "units.own_only") and getattr(current_user.unit, "code", None) != code:
        abort(404)  # a unit sees its own dashboard only; another's is as if it did not exist
    return unit_


@bp.route("/dashboards/unit/<scheme_code>/<period_code>/<unit_code>")
@login_required
@require("results.view")
def unit(scheme_code, period_code, unit_code):
    scheme, period = scheme_and_period(scheme_code, period_code)
    if scheme.kind != "points":
        abort(404)  # only scored schemes have a score, a rank and indicators to gain on
    unit_ = _unit(unit_code, period)
    view = unit_board.unit_dashboard(registry(), scheme, period, unit_, current_user)
    # A viewer waits for publication; the unit's own user sees its scores, not the others'.
    shows_scores = view.sees_others or can(current_user, "units.own_only")
    return render("dashboards/unit.html", view=view, shows_scores=shows_scores,
                  radar=_radar(view) if shows_scores and view.indices else None,
                  history_chart=_history_chart(view), short=short)


def _radar(view: unit_board.UnitDashboard):
    axes = [short(i.row) for i in view.indices]
    series = [(view.unit.name, [_float(i.percent) for i in view.indices])]
    if view.sees_others and view.average and len(figures.ranked(view.group)) > 1:
        series.append(("Trung bình các đơn vị cùng nhóm",
                       [_float(view.average.get(i.row.code)) for i in view.indices]))
    if view.sees_others and view.best is not None and view.best.unit.id != view.unit.id:
        series.append((f"Đứng đầu: {view.best.unit.name}",
                       [_float(view.best_indices.get(i.row.code)) for i in view.indices]))
    names = ", ".join(label for label, _values in series)
    return charts.radar("radar", f"Tỷ lệ điểm theo chỉ số chính, {view.period.label.lower()}",
                        f"Biểu đồ mạng nhện so sánh {names}: phần trăm điểm tối đa của từng "
                        "chỉ số chính. Số liệu ở bảng bên dưới.", axes, series)


def _history_chart(view: unit_board.UnitDashboard):
    if not view.history:
        return None
    return charts.lines(
        "history", f"Tỷ lệ điểm của {view.unit.name} qua các năm",
        "Biểu đồ đường: phần trăm điểm tối đa của đơn vị ở từng năm đã công bố. "
        "Số liệu ở bảng bên cạnh.",
        [p.period.label for p in view.history],
        [(view.unit.name, [_float(p.percent) for p in view.history])], percent=True,
        small=True)


def short_period(period: Period) -> str:
    """An axis label: 2022, 6T1/2022, Q1/2022, 1/2022."""
    ident = period.ident
    return {"year": f"{ident.year}", "half_year": f"6T{ident.index}/{ident.year}",
            "quarter": f"Q{ident.index}/{ident.year}"}.get(ident.type, f"{ident.index}/{ident.year}")


def _float(value):
    return None if value is None else float(value)


# -- the province ----------------------------------------------------------------------------
@bp.route("/dashboards/province")
@login_required
@require("results.view")
def province():
    if can(current_user, "provinces.pick") and current_province() is None:
        return redirect(url_for("dashboards.compare"))
    province_, redirect_ = province_required()
    if redirect_:
        return redirect_
    if can(current_user, "units.own_only"):
        return redirect(url_for("dashboards.index"))  # a unit sees its own dashboard
    context = _province_context(province_)
    return render("dashboards/province.html", block="dashboard", **context)


def _province_context(province_: Province) -> dict:
    early = can(current_user, "results.early")
    schemes = choices.dashboard_schemes(registry(), province_)
    scheme = next((s for s in schemes if s.code == request.args.get("scheme")), None) \
        or choices.default_scheme(schemes, published_only=not early)
    context = dict(province=province_, schemes=schemes, scheme=scheme, periods=[], period=None,
                   early=early, group=request.args.get("group", ""), short=short,
                   heat_classes=figures.HEAT_CLASSES)
    if scheme is None:
        return context
    periods = choices.scheme_periods(scheme, published_only=not early)
    period = next((p for p in periods if p.code == request.args.get("period")),
                  choices.default_period(periods))
    context.update(periods=periods, period=period)
    if period is None:
        return context
    context["published"] = choices.is_published(period)
    context["progress"] = province_board.progress(scheme, period, today())
    context["progress_chart"] = _progress_chart(context["progress"], period)
    context["progress_states"] = progress_states(context["progress"])
    if scheme.kind == "points":
        context.update(_points_context(scheme, period, context["group"]))
    elif scheme.is_commune_target_scheme:
        context.update(_levels_context(scheme, period, early or context["published"]))
    elif scheme.kind == "monitor":
        context.update(_kpi_context(scheme, early))
    return context


def progress_states(progress: province_board.Progress) -> list[tuple[str, int]]:
    """Mutually exclusive states: each unit counted once, so the bars add up to the whole
    (an appraised assessment is also submitted; drawn side by side they made 120 %)."""
    return [("Đã thẩm định", progress.appraised),
            ("Đã nộp, chờ thẩm định", progress.awaiting),
            ("Quá hạn chưa nộp", progress.late), ("Chưa nộp, còn hạn", progress.waiting)]


def _progress_chart(progress: province_board.Progress, period: Period):
    states = progress_states(progress)
    labels, counts = [label for label, _n in states], [n for _label, n in states]
    return charts.hbars("progress", f"Tiến độ nộp hồ sơ {period.label.lower()}",
                        f"Biểu đồ thanh ngang: số đơn vị theo trạng thái hồ sơ, mỗi đơn vị ở "
                        f"đúng một trạng thái, trên tổng số {progress.expected} đơn vị phải "
                        "báo cáo. Số liệu ở bảng bên cạnh.",
                        labels, [("Số đơn vị", counts)], top=max(progress.expected, 1),
                        percent=False,
                        width=560)


def _points_context(scheme, period, group_code: str) -> dict:
    ranking = ranks.ranking(registry(), scheme, period, leaves=False)
    # A group this scheme does not have (kept from another scheme's filter) means all groups.
    groups = [g for g in ranking.groups if g.family == group_code] or ranking.groups
    return {"ranking": ranking, "all_groups": ranking.groups, "groups": groups,
            "rank_charts": {g.family: _rank_chart(g, period) for g in groups},
            "heat": {g.family: province_board.heatmap(scheme, g) for g in groups}}


def _rank_chart(group, period):
    places = figures.ranked(group)
    if not places:
        return None
    return charts.hbars(
        f"rank-{group.family}", f"Xếp hạng {group.label.lower()}, {period.label.lower()}",
        "Biểu đồ thanh ngang: phần trăm điểm tối đa của từng đơn vị, hạng cao ở trên. "
        "Số liệu ở bảng xếp hạng bên dưới.",
        [f"{p.rank}. {p.unit.name}" for p in places],
        [("Tỷ lệ điểm", [_float(p.totals.percent) for p in places])])


def _levels_context(scheme, period, visible: bool) -> dict:
    if not visible:
        return {"levels": None}
    levels = province_board.commune_levels(scheme, period.ident.year)
    chart = None
    if levels and levels[0].total:
        chart = charts.hbars(
            "levels", f"Tỷ lệ đơn vị tham gia đạt chuẩn, {period.label.lower()}",
            "Biểu đồ thanh ngang: phần trăm xã, phường, thị trấn tham gia đạt mức cơ bản và nâng cao, "
            "toàn tỉnh và từng huyện. Số liệu ở bảng bên cạnh.",
            [lv.name for lv in levels],
            [("Đạt cơ bản", [_float(lv.basic_percent) for lv in levels]),
             ("Đạt nâng cao", [_float(lv.advanced_percent) for lv in levels])], width=640)
    return {"levels": levels, "levels_chart": chart}


def _kpi_context(scheme, early: bool) -> dict:
    trends = province_board.kpi_trends(scheme, published_only=not early)
    shown = [t for t in trends if t.has_values]
    kpi_charts = {t.row.code: charts.lines(
        f"kpi-{index}", f"Chỉ tiêu {t.row.code}", f"Biểu đồ đường: giá trị chỉ tiêu {t.row.code} "
        f"({t.row.title}) qua các kỳ{', đường nét đứt là mục tiêu' if t.target is not None else ''}. "
        "Số liệu ở bảng bên dưới.",
        [short_period(p) for p in t.periods], [("Giá trị", [_float(v) for v in t.values])],
        target=_float(t.target), percent=t.row.measure == "%", small=True)
        for index, t in enumerate(shown, start=1)}
    return {"kpis": shown, "kpis_empty": [t for t in trends if not t.has_values],
            "kpi_charts": kpi_charts}


@bp.route("/province/public-results", methods=["POST"])
@login_required
@require("province.plugins")
def public_results():
    """Turn the public results page (/cong-khai/<province>) on or off."""
    province_, redirect_ = province_required()
    if redirect_:
        return redirect_
    enabled = request.form.get("enabled") == "1"
    if province_.public_results != enabled:
        audit.record("province.public_results", field="public_results",
                     old=province_.public_results, new=enabled)
        province_.public_results = enabled
        db.session.commit()
    if enabled:
        flash(f"Đã bật trang công khai kết quả của {province_.name}: ai cũng xem được kết quả "
              "đã công bố, không cần đăng nhập.", "success")
    else:
        flash(f"Đã tắt trang công khai kết quả của {province_.name}.", "success")
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/dashboards/") else url_for("dashboards.province"))


# -- the superadmin's comparison ---------------------------------------------------------------
@bp.route("/dashboards/compare")
@login_required
@require("results.compare")
def compare():
    years = comparison.compare_years()
    asked = request.args.get("period")
    if asked in years:
        period, data = asked, comparison.compare(registry(), asked)
    else:
        period, data = _default_comparison(years)
    return render("dashboards/compare.html", block="dashboard", data=data,
                  years=years, period=period, chart=_compare_chart(data),
                  targets_chart=_targets_chart(data))


def _default_comparison(years: list[str]) -> tuple[str, dict]:
    """The newest year that compares at least two provinces (a comparison of one is none),
    else the newest year with the most provinces."""
    best = None
    for year in years:
        data = comparison.compare(registry(), year)
        count = sum(1 for p in data["provinces"] if p["total"])
        if count >= 2:
            return year, data
        if best is None or count > best[0]:
            best = (count, year, data)
    if best is None:
        year = str(today().year)
        return year, comparison.compare(registry(), year)
    return best[1], best[2]


def _compare_chart(data: dict):
    """The provinces that score points, on one percent-of-points scale."""
    shown = [p for p in data["provinces"] if p["total"] and p["measure"] == "points"]
    if not shown:
        return None
    pillars = [p for p in data["pillars"]
               if any(pr["pillars"][p["code"]] for pr in shown)]
    series = [(p["name"], [(p["pillars"][pl["code"]] or {}).get("percent") for pl in pillars])
              for p in shown]
    # One province draws no legend: its name goes into the title instead.
    who = f" ({shown[0]['name']})" if len(shown) == 1 else ""
    return charts.hbars(
        "compare", f"Tỷ lệ điểm đạt được theo trụ cột, năm {data['period']}{who}",
        "Biểu đồ thanh ngang: phần trăm điểm tối đa của mỗi tỉnh chấm điểm ở từng trụ cột "
        "chung. Số liệu ở bảng bên dưới.",
        [pl["label"] for pl in pillars], series)


def _targets_chart(data: dict):
    """Provinces whose schemes carry no points: their share of targets met is another
    measure, drawn apart so 3 % of targets is not read against 89 % of points."""
    shown = [p for p in data["provinces"] if p["total"] and p["measure"] == "targets"]
    if not shown:
        return None
    pillars = [p for p in data["pillars"]
               if any(pr["pillars"][p["code"]] for pr in shown)]
    series = [(f"{p['name']} (tỷ lệ chỉ tiêu đạt)",
               [(p["pillars"][pl["code"]] or {}).get("percent") for pl in pillars])
              for p in shown]
    return charts.hbars(
        "compare-targets", f"Tỷ lệ chỉ tiêu đạt (không phải điểm), năm {data['period']}",
        "Biểu đồ thanh ngang: phần trăm chỉ tiêu đạt ngưỡng của các xã tham gia, ở tỉnh không "
        "chấm điểm; không so trực tiếp với tỷ lệ điểm ở biểu đồ trên. Số liệu ở bảng bên dưới.",
        [pl["label"] for pl in pillars], series)


@bp.route("/dashboards/compare/enter", methods=["POST"])
@login_required
@require("results.compare")
def enter():
    """Drill down: enter a province (read-only, as /admin/provinces/<code>/enter does) and
    open its dashboard at the compared year."""
    code = request.form.get("province", "")
    with tenancy.unscoped():
        target = db.session.scalar(select(Province).where(Province.code == code))
    if target is None:
        abort(404)
    session["province_id"] = target.id
    scheme = request.form.get("scheme") or None
    return redirect(url_for("dashboards.province", scheme=scheme,
                            period=request.form.get("period") or None))
