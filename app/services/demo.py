"""Demo data: what `flask demo` loads so that every page has something real to show."""
from __future__ import annotations


from sqlalchemy import select

from app import clock, tenancy
from app.extensions import db
from app.models import OfficeAssignment, Period, Province, Publication, Unit, User
from app.models.user import ROLE_LABELS
from app.plugins import Registry
from app.services.demo_communes import (commune_demo_province, load_commune_demo,
                                        load_measured_values)
from app.services.demo_values import load_demo_values
from app.services.periods import open_period
from app.services.provinces import setup_province

PROVINCE_ROLES = ("province_admin", "appraiser", "unit_user", "viewer")


def demo_email(role: str, province: str | None) -> str:
    return f"{role}.{province}@demo.chiso.vn" if province else f"{role}@demo.chiso.vn"


def demo_units(registry: Registry) -> dict[str, str]:
    """Province code → the unit its demo unit user works for, as each working plugin's
    ``chiso_demo`` names it (``demo_unit``), in the order the plugins were loaded."""
    answers = {record.code: registry.demo(record.code)
               for record in registry.records.values() if record.ok}
    return {code: answer["demo_unit"] for code, answer in answers.items()
            if answer.get("demo_unit")}


def load_demo(registry: Registry, demo_units: dict[str, str], period: str, password: str,
              values: bool = True, communes: bool = True):
    """Yield one line per thing done; safe to run again (nothing is duplicated). ``communes``:
    also the 2025 structure of one province (app/services/demo_communes.py)."""
    _ensure_user(demo_email("superadmin", None), "superadmin", None, None, password)
    yield f"superadmin: {demo_email('superadmin', None)}"
    for code, unit_code in demo_units.items():
        if registry.plugin(code) is None:
            yield f"{code}: bỏ qua (plugin không hoạt động)"
            continue
        province, added = setup_province(registry, code)
        with tenancy.scoped(province.id):
            unit = db.session.scalar(select(Unit).where(Unit.code == unit_code,
                                                      Unit.valid_to.is_(None)))
            for role in PROVINCE_ROLES:
                _ensure_user(demo_email(role, code), role, province.id,
                             unit.id if role == "unit_user" else None, password)
            opened = []
            _office_assignments(registry.demo(code))
            schemes = [s for s in registry.schemes_of(code) if s.origin == "plugin"]
            for scheme in schemes:
                for period_code in _demo_periods(scheme, period):
                    row, _ = open_period(registry, scheme.code, period_code, clock.today())
                    opened.append(f"{scheme.code} {row.code}")
            db.session.commit()
            made = load_demo_values(registry, schemes, keep_empty={unit_code}) if values else 0
        yield (f"{code}: {province.name}, {added} đơn vị mới; kỳ mở: {', '.join(opened)}"
               + (f"; {made} hồ sơ mẫu" if made else ""))
    code = commune_demo_province(registry, demo_units) if communes else None
    if code is not None:
        line, commune = load_commune_demo(registry, code, demo_email("unit_user", f"{code}-xa"),
                                          password, _ensure_user)
        made = 0
        if commune is not None:
            # the systems send first, so the assessments the units submit hold their values
            for scheme in registry.schemes_of(code):
                if scheme.origin == "imported" and any(r.measured_source for r in scheme.leaves):
                    load_measured_values(registry, scheme.code, code, commune, values)
        if values and commune is not None:
            with tenancy.scoped(_province_id(code)):
                imported = [s for s in registry.schemes_of(code) if s.origin == "imported"]
                made = load_demo_values(registry, imported, keep_empty={commune})
        yield line + (f"; {made} hồ sơ mẫu" if made else "")


def _province_id(code: str) -> int:
    with tenancy.unscoped():
        return db.session.scalar(select(Province.id).where(Province.code == code))


def _demo_periods(scheme, year: str) -> list[str]:
    """The year (the next one where the year's results are already published history); for a
    scheme reported at several period types, every period ending in December."""
    if scheme.periods == ["year"]:
        published = db.session.scalar(select(Period.id).join(Publication).where(
            Period.scheme_code == scheme.code, Period.code == year))
        return [str(int(year) + 1) if published else year]
    from app.services.calendar_due import due_in_month
    return [due.period.code for due in due_in_month(scheme, int(year), 12)]


def _office_assignments(demo: dict) -> None:
    for item in demo.get("office_assignments", []):
        unit = db.session.scalar(select(Unit).where(Unit.code == item["unit"],
                                                    Unit.valid_to.is_(None)))
        exists = unit is not None and db.session.scalar(select(OfficeAssignment.id).where(
            OfficeAssignment.unit_id == unit.id, OfficeAssignment.scheme_code == item["scheme"],
            OfficeAssignment.code == item["code"]))
        if unit is not None and not exists:
            db.session.add(OfficeAssignment(unit_id=unit.id, scheme_code=item["scheme"],
                                            code=item["code"], lead=item["lead"],
                                            coordinating="\n".join(item["coordinating"])))


def _ensure_user(email, role, province_id, unit_id, password) -> None:
    with tenancy.unscoped():
        user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, role=role, province_id=province_id, unit_id=unit_id,
                    full_name=f"{ROLE_LABELS[role]} (demo)")
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
