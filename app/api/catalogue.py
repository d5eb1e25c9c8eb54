"""Schemes, their indicators, and the province's units."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.api.convert import number
from app.api.errors import ApiError
from app.api.lookups import province, registry, scheme_or_404
from app.api.spec import endpoint
from app.extensions import db
from app.models import Unit
from app.models.unit import UNIT_TYPE_ORDER


@endpoint("/schemes", summary="Các bộ chỉ số của tỉnh", action="province.view",
          responses={200: ("Danh sách bộ chỉ số", "Scheme[]")})
def schemes():
    here, schemes_ = province(), registry()
    found = [s for s in schemes_.schemes.values() if here.uses_scheme(s)]
    return jsonify([{
        "code": s.code, "province": s.plugin, "title": s.title, "version": s.version,
        "family": s.family, "first_year": s.first_year, "last_year": schemes_.last_year(s),
        "kind": s.kind, "source": s.source, "max_points": number(s.max_points),
        "unit_types": list(s.unit_types), "origin": s.origin,
    } for s in sorted(found, key=lambda s: s.code)])


@endpoint("/schemes/<scheme_code>/indicators", summary="Các chỉ số của một bộ chỉ số",
          action="province.view",
          description="Cùng các đối tượng như `flask --app wsgi catalogue show --json`.",
          responses={200: ("Các dòng của bộ chỉ số, theo thứ tự của quyết định", "Indicator[]")})
def indicators(scheme_code):
    return jsonify([row.as_json() for row in scheme_or_404(scheme_code).rows])


@endpoint("/units", summary="Các đơn vị hiện hành của tỉnh", action="province.view",
          query={"province": ("string", "Mã tỉnh (mã plugin của tỉnh, xem "
                                        "/api/v1/schemes); tỉnh khác tỉnh của bạn: 404")},
          responses={200: ("Đơn vị: mã, tên, loại, đơn vị cha", "Unit[]")})
def units():
    here = province()
    asked = request.args.get("province")
    if asked and asked != here.code:
        raise ApiError(404, f"Không có tỉnh «{asked}» trong phạm vi của bạn.")
    found = db.session.scalars(select(Unit).where(Unit.valid_to.is_(None))
                               .options(joinedload(Unit.parent))).all()
    order = {t: i for i, t in enumerate(UNIT_TYPE_ORDER)}
    found.sort(key=lambda u: (order.get(u.type, len(order)), u.code))
    return jsonify([{"code": u.code, "name": u.name, "type": u.type,
                     "parent": u.parent.code if u.parent else None} for u in found])
