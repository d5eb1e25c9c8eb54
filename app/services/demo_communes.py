"""The demo on the 2025 structure: one province's current communes and wards, assessed with a
commune-level scheme its admin imported, so that every page can be tried after 1 July 2025.

The province is the first of the demo whose plugin asks for it (``chiso_demo`` answers
``commune_scheme: True``); the core names none. Its communes come from `units import-current`
and the scheme from app/demo_data/demo-xa-2026.toml (made up, and titled so), written as the
workbook the catalogue download gives and stored through the import service, exactly the path a
province admin's upload takes. Every step finds what a first run made and leaves it: running
`flask demo` twice gives the same data.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from app import clock, tenancy
from app.catalogue.excel import scheme_workbook
from app.catalogue.loader import parse_scheme
from app.extensions import db
from app.models import Period, Province, Unit
from app.plugins import Registry
from app.services import imported_schemes as imports
from app.services import assessments as svc
from app.services import measured
from app.services.demo_values import units_to_fill
from app.services.divisions import DivisionsError, import_current, package_divisions
from app.services.periods import open_period
from app.services.system_tokens import SystemPrincipal

DEMO_SCHEME = Path(__file__).resolve().parent.parent / "demo_data" / "demo-xa-2026.toml"
DEMO_YEAR = "2026"
COMMUNE_TYPES = ("xa", "phuong")


def commune_demo_province(registry: Registry, demo_units: dict[str, str]) -> str | None:
    """The first demo province whose plugin asks for the commune-level demo, or None."""
    return next((code for code in demo_units
                 if registry.plugin(code) is not None
                 and registry.demo(code).get("commune_scheme")), None)


def workbook_of_demo_scheme(registry: Registry, owner: str) -> tuple[str, bytes]:
    """(scheme code, the .xlsx an admin would upload) of the demo scheme: the catalogue
    download's layout, so the import reads it as it reads any province's edited download."""
    scheme = parse_scheme(DEMO_SCHEME.read_bytes(), DEMO_SCHEME, owner, registry.scoring_methods)
    return scheme.code, scheme_workbook(scheme, registry.method_labels)


def load_commune_demo(registry: Registry, province_code: str, email: str,
                      password: str, ensure_user) -> tuple[str, str | None]:
    """Current communes, the imported demo scheme, its open 2026 period and a commune user.
    Returns the line `flask demo` prints and the commune user's unit code (None if skipped);
    ``ensure_user(email, role, province_id, unit_id, password)`` is the demo's own."""
    with tenancy.unscoped():
        province = db.session.scalar(select(Province).where(Province.code == province_code))
    with tenancy.scoped(province.id):
        try:
            import_current(province, package_divisions(province))
        except DivisionsError as exc:
            db.session.rollback()
            return f"{province_code}: bỏ qua bộ chỉ số mẫu cấp xã ({exc})", None
        db.session.commit()
        code, workbook = workbook_of_demo_scheme(registry, province.code)
        taken = registry.schemes.get(code)
        if taken is not None and not province.uses_scheme(taken):
            # another province's scheme holds the code: no period is opened on it from here
            return f"{province_code}: bỏ qua bộ chỉ số mẫu cấp xã (mã «{code}» đã được dùng)", None
        if taken is None:
            try:
                imports.store(registry, province, None, workbook, f"{code}.xlsx")
            except imports.ImportRefused as exc:
                db.session.rollback()
                return f"{province_code}: bộ chỉ số mẫu cấp xã không nhập được: {exc}", None
            db.session.commit()
            imports.committed(registry)
        period, _ = open_period(registry, code, DEMO_YEAR, clock.today())
        communes = db.session.scalars(select(Unit).where(
            Unit.type.in_(COMMUNE_TYPES), Unit.valid_to.is_(None)).order_by(Unit.code)).all()
        db.session.commit()
        ensure_user(email, "unit_user", province.id, communes[0].id, password)
    return (f"{province_code}: {len(communes)} xã, phường hiện hành; bộ chỉ số mẫu cấp xã "
            f"«{code}» (nhập từ bảng Excel), kỳ mở {period.code}; tài khoản cấp xã: {email} "
            f"({communes[0].name})"), communes[0].code


def load_measured_values(registry: Registry, scheme_code: str, province_code: str,
                         commune: str, values: bool = True) -> int:
    """The measured rows of the 2026 assessments the demo fills (``values``) and of the commune
    user's own, as their systems would send them, dated the last day of the month before
    today: so the form shows a measured value with its source and date. Run before the demo
    values, as in life the systems send while the units are still drafting; like the API, it
    writes only where a system may (a draft in an open period, before the deadline). A value
    received is kept."""
    scheme = registry.schemes[scheme_code]
    rows = [row for row in scheme.leaves if row.measured_source]
    with tenancy.unscoped():
        province_id = db.session.scalar(select(Province.id).where(Province.code == province_code))
    as_of = datetime.combine(clock.today().replace(day=1) - timedelta(days=1), datetime.min.time())
    written = 0
    with tenancy.scoped(province_id):
        period = db.session.scalar(select(Period).where(Period.scheme_code == scheme_code,
                                                        Period.code == DEMO_YEAR))
        units = units_to_fill(scheme, period, keep_empty={commune}) if values else []
        units += db.session.scalars(select(Unit).where(Unit.code == commune,
                                                       Unit.valid_to.is_(None))).all()
        for index, unit in enumerate(sorted(units, key=lambda u: u.code)):
            assessment = svc.get_assessment(scheme, period, unit)
            if svc.edit_block(assessment, period, clock.today()) is not None:
                continue  # submitted, locked, late: the API would refuse the system too
            assessment = assessment or svc.get_assessment(scheme, period, unit, create=True)
            answers = svc.answers_by_code(assessment)
            for number, row in enumerate(rows):
                answer = answers.get(row.code)
                if answer is not None and answer.measured_by:
                    continue
                share = 60 + (index * 7 + number * 13) % 40  # 60..99 %, varied by unit and row
                system = SystemPrincipal(token_id=0, system_name=row.measured_source,
                                         province_id=province_id)
                measured.write(assessment, answer, row, {"value": Decimal(share)}, as_of, system)
                written += 1
        db.session.commit()
    return written
