"""Creating a province from its plugin and loading the plugin's units."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Province, ProvincePlugin, Unit
from app.plugins import Registry
from app.services.history import load_history
from app.unit_rows import UnitRowError, check_units


class SetupError(ValueError):
    pass


def setup_province(registry: Registry, code: str) -> tuple[Province, int]:
    """Create the province (if new), enable its plugin and load the plugin's units.

    Running it again changes nothing. Returns the province and the number of units added."""
    record = registry.plugin(code)
    if record is None:
        broken = next((r for r in registry.records.values() if r.code == code and not r.ok), None)
        if broken is not None:  # e.g. its units.csv was refused at start-up: say where
            raise SetupError(f"Plugin «{code}» bị lỗi: {broken.error}")
        raise SetupError(f"Không có plugin «{code}» đang hoạt động.")
    rows = registry.units(code)
    try:  # checked again: the files may have changed since start-up
        check_units(rows, code, record.info.official_code)
    except UnitRowError as exc:
        raise SetupError(str(exc)) from None
    with tenancy.unscoped():
        province = db.session.scalar(select(Province).where(Province.code == code))
        if province is None:
            province = Province(code=code, name=record.info.province,
                                official_code=record.info.official_code)
            db.session.add(province)
            db.session.flush()
        if not any(p.plugin_code == code for p in province.plugins):
            province.plugins.append(ProvincePlugin(plugin_code=code, enabled=True))
    with tenancy.scoped(province.id):
        added = load_units(province, rows)
        load_history(registry, code)
    db.session.commit()
    return province, added


def load_units(province: Province, rows: list[dict]) -> int:
    """Add the rows whose (code, valid_from) is not there yet; parents must come first."""
    existing = {(u.code, u.valid_from): u for u in db.session.scalars(select(Unit))}
    by_code: dict[str, list[Unit]] = {}  # a code can have a closed row and a current one
    for unit in existing.values():
        by_code.setdefault(unit.code, []).append(unit)
    added = 0
    for row in rows:
        valid_from = _date(row.get("valid_from"))
        key = (row["code"], valid_from)
        if key in existing:
            continue
        parent = _parent(by_code.get(row.get("parent") or "", []), valid_from)
        if row.get("parent") and parent is None:
            raise SetupError(f"Đơn vị {row['code']}: không có đơn vị cha «{row['parent']}».")
        unit = Unit(province_id=province.id, code=row["code"], name=row["name"], type=row["type"],
                    official=str(row.get("official", "0")) == "1", parent=parent,
                    valid_from=valid_from, valid_to=_date(row.get("valid_to")))
        db.session.add(unit)
        existing[key] = unit
        by_code.setdefault(unit.code, []).append(unit)
        added += 1
    db.session.flush()
    return added


def _parent(candidates: list[Unit], child_from: date | None) -> Unit | None:
    """The row of the parent's code that was valid when the child began (a 2022 commune belongs
    to its 2022 district, even once that district is closed), else the current one."""
    if child_from is not None:
        valid_then = [u for u in candidates if u.valid_on(child_from)]
        if valid_then:
            return max(valid_then, key=lambda u: u.valid_from or date.min)
    return next((u for u in candidates if u.current), None)


def _date(text) -> date | None:
    if not text:
        return None
    return text if isinstance(text, date) else date.fromisoformat(str(text))


def each_province(work) -> int:
    """Run ``work(province)`` in each province's scope, committing after each one (a daily job:
    one province's failure leaves the others' notices written); the sum of what it returns."""
    with tenancy.unscoped():
        provinces = db.session.scalars(select(Province)).all()
    done = 0
    for province in provinces:
        with tenancy.scoped(province.id):
            done += work(province)
            db.session.commit()
    return done
