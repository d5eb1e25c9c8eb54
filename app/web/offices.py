"""A unit's offices and their share of an assessment: who leads which indicator, how far along."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

from app.permissions import require
from app.services import assessments as svc
from app.web import render
from app.web.entry import _context, _page_context

bp = Blueprint("offices", __name__)


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>/offices")
@login_required
@require("province.view")
def progress(scheme_code, period_code, unit_code):
    scheme, period, unit, assessment, writer = _context(scheme_code, period_code, unit_code)
    context = _page_context(scheme, period, unit, assessment, writer)
    if not context["offices"]:
        abort(404)
    return render("entry/offices.html", by_office=_by_office(context), **context)


def _by_office(context) -> list[dict]:
    """One line per lead office: its indicators, how many are answered, evidence still missing."""
    offices: dict[str, dict] = {}
    answers, evidence = context["answers"], context["evidence"]
    for row in context["rows"]:
        assignment = context["offices"].get(row.code)
        name = assignment.lead if assignment else "Chưa phân công"
        line = offices.setdefault(name, {"office": name, "rows": [], "answered": 0, "no_evidence": 0})
        line["rows"].append(row)
        line["answered"] += svc.is_answered(answers.get(row.code))
        if row.code in context["progress"].evidence_missing:
            line["no_evidence"] += 1
    return sorted(offices.values(), key=lambda line: (line["office"] == "Chưa phân công",
                                                      line["office"]))
