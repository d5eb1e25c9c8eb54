"""The province's reporting calendar for a scheme: per month, what is due, reported, late."""
from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import login_required
from sqlalchemy import select

from app.extensions import db
from app.models import Period, Unit
from app.permissions import require
from app.services import assessments as svc
from app.web import registry, render
from app.web.assessment_lookups import today
from app.web.ownership import scheme_or_404


bp = Blueprint("reporting_calendar", __name__)

CALENDAR_YEARS = (2000, 2100)  # the years a reporting calendar can show


def _calendar_year(periods, day) -> int:
    """The year the calendar opens on: this year if one of its periods is open, else the
    latest year with an open period (Yên Bái's 2022 plan is still being reported in 2026),
    else this year."""
    open_years = {p.ident.year for p in periods if p.state == "open"}
    if not open_years or day.year in open_years:
        return day.year
    return max(open_years)


@bp.route("/calendar/<scheme_code>")
@login_required
@require("province.view")
def calendar(scheme_code):
    """The province's reporting calendar for a scheme: per month, what is due, reported, late."""
    from app.services.calendar_due import due_in_month
    scheme = scheme_or_404(scheme_code)
    opened = {p.code: p for p in db.session.scalars(select(Period).where(
        Period.scheme_code == scheme.code))}
    year = request.args.get("year", type=int) or _calendar_year(opened.values(), today())
    if not CALENDAR_YEARS[0] <= year <= CALENDAR_YEARS[1]:
        abort(404)  # no reporting year: -1 or 10**20 would fail as a date
    province_unit = db.session.scalar(select(Unit).where(Unit.type == "tinh"))
    months = []
    for month in range(1, 13):
        cells = []
        for due in due_in_month(scheme, year, month):
            period = opened.get(due.period.code)
            answers = {}
            if period is not None and province_unit is not None:
                answers = svc.answers_by_code(svc.get_assessment(scheme, period, province_unit))
            reported = sum(1 for r in due.rows if svc.is_answered(answers.get(r.code)))
            deadline = period.deadline if period else registry().calendar(scheme).deadline(due.period)
            cells.append({"due": due, "period": period, "reported": reported,
                          "deadline": deadline,
                          "late": period is not None and deadline < today()
                          and reported < len(due.rows)})
        months.append((month, cells))
    return render("entry/calendar.html", scheme=scheme, year=year, months=months,
                  unit=province_unit, calendar=registry().calendar(scheme))
