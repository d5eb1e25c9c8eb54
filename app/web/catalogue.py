"""Catalogue pages: the schemes the province uses (its enabled plugins' and those it imported),
on screen and as Excel."""
from __future__ import annotations

from flask import Blueprint, Response, request
from flask_login import login_required

from app.catalogue.excel import format_date, scheme_workbook, threshold_columns
from app.catalogue.model import Row, Scheme
from app.periods import TYPE_LABELS
from app.permissions import require
from app.services import imported_schemes
from app.web import registry, render
from app.web.home import enabled_schemes, province_required
from app.web.ownership import scheme_or_404

bp = Blueprint("catalogue", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/catalogue")
@login_required
@require("province.view")
def index():
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    return render("catalogue/index.html", schemes=enabled_schemes(province), province=province)


@bp.route("/catalogue/<code>")
@login_required
@require("province.view")
def show(code):
    province, redirect_ = province_required()
    if redirect_:
        return redirect_
    scheme = scheme_or_404(code)
    pillar = request.args.get("pillar") or None
    pillar_error = None
    if pillar is not None and pillar not in scheme.pillars():
        pillar_error = f"Trụ cột «{pillar}» không có trong bộ chỉ số này; đang hiện tất cả các dòng."
        pillar = None
    response = Response(render(
        "catalogue/show.html", "rows", scheme=scheme, province=province, pillar=pillar,
        pillar_error=pillar_error, groups=_groups(scheme, pillar), show=_columns(scheme),
        thresholds=threshold_columns(scheme), defaults=_defaults(scheme),
        source_date=format_date(scheme.source.get("date")), PERIOD_LABELS=TYPE_LABELS,
        imported=imported_schemes.source_of(code) if scheme.origin == "imported" else None,
    ))
    response.vary.add("HX-Request")  # the same URL answers a fragment or a page
    return response


@bp.route("/catalogue/<code>.xlsx")
@login_required
@require("province.view")
def excel(code):
    _province, redirect_ = province_required()
    if redirect_:
        return redirect_
    scheme = scheme_or_404(code)
    response = Response(scheme_workbook(scheme, registry().method_labels), mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{scheme.code}.xlsx"'
    return response


def _groups(scheme: Scheme, pillar: str | None) -> list[list[Row]]:
    """The rows to show, one list per main index (the main row first).

    With a pillar, a row shows when it belongs to that pillar, or when it is the ancestor of
    one that does (e.g. "Phụ lục 02" above an advanced target), so the reader keeps the context.
    """
    keep = {row.code for row in scheme.rows if pillar is None or row.pillar == pillar}
    for code in list(keep):
        parent = scheme.by_code[code].parent
        while parent is not None:
            keep.add(parent)
            parent = scheme.by_code[parent].parent
    groups: list[list[Row]] = []
    for row in scheme.rows:
        if row.code not in keep:
            continue
        if row.depth == 0:
            groups.append([])
        groups[-1].append(row)
    return groups


def _columns(scheme: Scheme) -> dict[str, bool]:
    """Which optional columns carry information; a value shared by every row goes in the
    summary above the table instead of repeating down a column."""
    leaves = scheme.leaves
    return {
        "points": scheme.kind == "points",
        "method": len({row.method for row in leaves}) > 1,
        "period": len({row.period for row in leaves}) > 1,
        "measure": any(row.measure for row in scheme.rows),
        "units": any(row.lead or row.coordinating for row in scheme.rows),
        "evidence": len({row.evidence_required for row in leaves}) > 1,
        "not_assessable": len({row.not_assessable for row in leaves}) > 1,
        # Measured by a system or declared by the unit: said on each row once any is measured.
        "measured": sum(1 for row in leaves if row.measured_source),
    }


def _defaults(scheme: Scheme) -> dict:
    """The value every leaf shares, for each attribute the summary states."""
    def shared(attribute):
        values = {getattr(row, attribute) for row in scheme.leaves}
        return values.pop() if len(values) == 1 else None
    return {name: shared(name) for name in ("method", "period", "evidence_required", "not_assessable")}

