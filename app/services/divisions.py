"""The province's current administrative divisions, from the `vietnam-provinces` package.

On 1 July 2025 districts were abolished and communes merged: a province now has communes and
wards directly. Importing closes the 2022 districts and communes (their rows, and whatever was
assessed against them, stay) and adds the current communes and wards under the province row.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select

from app import tenancy
from app.extensions import db
from app.models import Province, Unit

REORGANISATION_DAY = date(2025, 7, 1)
REORGANISED_TYPES = ("huyen", "xa", "phuong", "thi_tran")  # departments and the province stay
DIVISION_TYPES = {"xã": "xa", "phường": "phuong"}  # the package's division_type -> Unit.type


class DivisionsError(ValueError):
    pass


@dataclass(frozen=True)
class Division:
    code: str  # 5 digits, zero-padded
    name: str
    type: str


@dataclass(frozen=True)
class CurrentDivisions:
    """One province as the package lists it."""
    province_name: str
    divisions: list[Division]
    source: str  # package and data version, for the summary


@dataclass(frozen=True)
class ImportResult:
    closed: int
    added: int
    old_until: date  # the closed units' last day
    renamed_to: str | None  # the province's current name when it differs from ours


def package_divisions(province: Province) -> CurrentDivisions:
    """Read the province's communes and wards from the installed package, selected by the
    province's official code."""
    import vietnam_provinces as vp
    try:
        package_province = vp.Province.from_code(vp.ProvinceCode(int(province.official_code)))
    except (TypeError, ValueError):
        raise DivisionsError(
            f"Mã tỉnh chính thức «{province.official_code or ''}» của tỉnh {province.name} "
            f"không có trong dữ liệu vietnam-provinces {vp.__version__}.") from None
    divisions = [_division(ward) for ward in vp.Ward.iter_by_province(package_province.code)]
    source = f"vietnam-provinces {vp.__version__}, dữ liệu ngày {vp.__data_version__}"
    return CurrentDivisions(province_name=package_province.name, divisions=divisions,
                            source=source)


def _division(ward) -> Division:
    kind = DIVISION_TYPES.get(ward.division_type.value)
    if kind is None:
        raise DivisionsError(f"Đơn vị «{ward.name}» (mã {int(ward.code):05d}): loại "
                             f"«{ward.division_type.value}» chưa có trong danh mục loại đơn vị.")
    return Division(code=f"{int(ward.code):05d}", name=ward.name, type=kind)


def import_current(province: Province, current: CurrentDivisions,
                   day: date = REORGANISATION_DAY) -> ImportResult:
    """Close the province's units of REORGANISED_TYPES that began before `day` (valid to the day
    before) and add `current`'s divisions from `day`. Flushes, does not commit; running it again
    changes nothing."""
    with tenancy.scoped(province.id):
        province_unit = db.session.scalar(
            select(Unit).where(Unit.type == "tinh", Unit.valid_to.is_(None)))
        if province_unit is None:
            raise DivisionsError(f"Tỉnh {province.name} chưa có đơn vị cấp tỉnh: "
                                 f"chạy `provinces setup {province.code}` trước.")
        old_until = day - timedelta(days=1)
        closed = _close_old_units(old_until)
        added = _add_divisions(province_unit, current.divisions, day)
        db.session.flush()
    renamed = not same_name(current.province_name, province.name, province_unit.name)
    return ImportResult(closed=closed, added=added, old_until=old_until,
                        renamed_to=current.province_name if renamed else None)


def _close_old_units(old_until: date) -> int:
    # Units that begin after `old_until` are already the new ones (a second run, or an admin's
    # later addition): closing them would end them before they began.
    old_units = db.session.scalars(select(Unit).where(
        Unit.type.in_(REORGANISED_TYPES), Unit.valid_to.is_(None),
        or_(Unit.valid_from.is_(None), Unit.valid_from <= old_until))).all()
    for unit in old_units:
        unit.valid_to = old_until
    return len(old_units)


def _add_divisions(province_unit: Unit, divisions: list[Division], day: date) -> int:
    # The unique key is (province, code, valid_from): a reused 2022 code gets a second row.
    present = set(db.session.scalars(select(Unit.code).where(Unit.valid_from == day)))
    new_units = [Unit(code=d.code, official=True, name=d.name, type=d.type, parent=province_unit,
                      province_id=province_unit.province_id, valid_from=day)
                 for d in divisions if d.code not in present]
    db.session.add_all(new_units)
    return len(new_units)


def same_name(package_name: str, *our_names: str) -> bool:
    """«Lào Cai» vs «Tỉnh Yên Bái»: compare without the «Tỉnh»/«Thành phố» prefix."""
    def bare(name):
        name = unicodedata.normalize("NFC", name).strip()
        for prefix in ("Tỉnh ", "Thành phố "):
            name = name.removeprefix(prefix)
        return name.casefold()
    return bare(package_name) in {bare(name) for name in our_names}
