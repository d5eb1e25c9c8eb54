"""A unit's offices and their share of an assessment: who leads which indicator, how far along."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

from app.permissions import require
from app.services import assessments as svc
from app.web import render
from app.web.assessment_lookups import assessment_context, visible_rows
from app.web.entry_page import office_assignments

bp = Blueprint("offices", __name__)
UNASSIGNED = "Chưa phân công"


@bp.route("/assessments/<scheme_code>/<period_code>/<unit_code>/offices")
@login_required
@require("province.view")
def progress(scheme_code, period_code, unit_code):
    # Only what the table shows: not the whole form's context (totals, appraisal, last year).
    scheme, period, unit, assessment, writer = assessment_context(scheme_code, period_code,
                                                                  unit_code)
    offices = office_assignments(scheme, unit)
    if not offices:
        abort(404)
    rows = visible_rows(scheme, period, writer)
    answers = svc.answers_by_code(assessment)
    missing = set(svc.progress(rows, answers, svc.evidence_by_code(assessment)).evidence_missing)
    base = {"scheme_code": scheme.code, "period_code": period.code, "unit_code": unit.code}
    return render("entry/offices.html", scheme=scheme, period=period, unit=unit, base=base,
                  by_office=_by_office(rows, offices, answers, missing))


def office_key(name: str) -> str:
    """One office however its name is spelled: seed 004 itself writes both "Phòng Văn hóa &
    Thông tin" and "Phòng Văn hóa và Thông tin". The first spelling met is the one shown."""
    return " ".join(name.replace("&", " và ").split()).casefold()


def _by_office(rows, offices, answers, evidence_missing) -> list[dict]:
    """One line per lead office: its indicators, how many are answered, evidence still missing."""
    lines: dict[str, dict] = {}
    for row in rows:
        # A nested row (1.2.1) is led by whoever leads its parent (1.2) unless it says otherwise.
        assignment = offices.get(row.code) or offices.get(row.parent or "")
        name = assignment.lead if assignment else UNASSIGNED
        line = lines.setdefault(office_key(name), {"office": name, "rows": [], "answered": 0,
                                                   "no_evidence": 0})
        line["rows"].append(row)
        line["answered"] += svc.is_answered(answers.get(row.code))
        line["no_evidence"] += row.code in evidence_missing
    return sorted(lines.values(), key=lambda line: (line["office"] == UNASSIGNED, line["office"]))
