"""Whether a province has been part of another since the 2025 reorganisation, from the
`vietnam-provinces` package's 2025 data (the core names no province: the data does).

Resolution 202/2025/QH15 left 34 provinces from 1 July 2025. A merged province kept one of the
old official codes, so an old province is "part of" the one the package lists under its own
official code when the names differ; an old province whose code the package no longer lists is
part of the province that holds most of its 2022 commune codes (a merged commune kept one of the
old codes). Its pages say so, and its earlier results stay readable as they were published.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Province, Unit
from app.services.divisions import REORGANISATION_DAY, same_name


@dataclass(frozen=True)
class Merger:
    province: str  # ours, e.g. as the plugin names it
    into: str  # the current province, as the package names it ("Thành phố Huế", "tỉnh X")
    since: date

    @property
    def text(self) -> str:
        return (f"Từ ngày {self.since:%d/%m/%Y}, {self.province} là một phần của {self.into} "
                f"(sắp xếp đơn vị hành chính năm 2025). Kết quả các năm trước vẫn được giữ "
                f"nguyên như đã công bố.")


def merger_of(province: Province) -> Merger | None:
    """The province this one has been part of since 1 July 2025, or None (unchanged, or its
    official code unknown to us). Every page of a province asks, so the answer is worked out
    once per process for a province, official code and name: the package's data never changes
    while the process runs, and the 2022 communes it is matched against are the province's
    units of record, the same for every server (see _merger)."""
    try:
        code = int(province.official_code)
    except (TypeError, ValueError):
        return None
    try:
        return _merger(province.id, code, province.name)
    except _NoCommunes:
        return None  # not cached: its units may be loaded in a moment


class _NoCommunes(Exception):
    """A province whose code is gone and whose 2022 communes are not loaded (yet)."""


@lru_cache(maxsize=256)
def _merger(province_id: int, code: int, name: str) -> Merger | None:
    try:
        import vietnam_provinces as vp
    except ImportError:
        return None
    try:
        current = vp.Province.from_code(vp.ProvinceCode(code))
    except ValueError:
        # Units imported later (the 2025 wards) lie in the province it became part of, so
        # they only confirm the answer the 2022 communes give: caching it stays true.
        current = _holder_of_communes(vp, province_id)
    if current is None or same_name(current.name, name):
        return None
    return Merger(province=name, into=_shown(vp, current), since=REORGANISATION_DAY)


def _holder_of_communes(vp, province_id: int):
    """The current province holding most of this province's 2022 official commune codes."""
    with tenancy.scoped(province_id):
        codes = db.session.scalars(select(Unit.code).where(
            Unit.official, Unit.type.in_(("xa", "phuong", "thi_tran")))).all()
    holders = Counter()
    for code in codes:
        try:
            holders[vp.Ward.from_code(vp.WardCode(int(code))).province_code] += 1
        except ValueError:
            continue  # a commune merged under another's code
    if not holders:
        raise _NoCommunes
    # a tie goes to the smaller code, whatever order the rows came in: every server agrees
    best = max(holders.items(), key=lambda item: (item[1], -int(item[0])))[0]
    return vp.Province.from_code(best)


def _shown(vp, current) -> str:
    """«tỉnh Lào Cai»; a centrally governed city already says «Thành phố Huế»."""
    if current.division_type == vp.VietNamDivisionType.TINH:
        return f"tỉnh {current.name}"
    return current.name
