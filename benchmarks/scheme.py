"""The benchmark's points scheme, built in memory: 7 main indices × 10 leaves = 70 indicators.

Every province gets its own copy (its own code, its own plugin code) so that the database holds
34 schemes as it would nationally; the rows are the same. The methods are mixed so that scoring
does every kind of work: fractions, yes/no, manual scores, and the group methods (relative,
inverse) that compare each unit with the best of its group.
"""
from __future__ import annotations

from decimal import Decimal

from app.catalogue.model import PILLARS, Row, Scheme
from app.scoring.core import CORE

MAINS = 7
LEAVES_PER_MAIN = 10
# The method of leaf k (0..9) of every main index: 2 relative and 2 inverse rows in each.
LEAF_METHODS = ("ratio", "boolean", "relative", "inverse", "manual",
                "ratio", "relative", "boolean", "manual", "inverse")
UNIT_TYPES = ["so", "co_quan", "huyen", "xa", "phuong", "thi_tran"]
YEAR = "2024"


def province_code(number: int) -> str:
    return f"bench{number:02d}"


def scheme_code(province: str) -> str:
    return f"{province}-cds-{YEAR}"


def leaf_points(k: int) -> Decimal:
    return Decimal(2 + k % 4)  # 2, 3, 4 or 5 points


def build_scheme(province: str) -> Scheme:
    """The scheme of one province, linked like app.catalogue.loader links a TOML file."""
    pillars = list(PILLARS)
    rows: list[Row] = []
    for m in range(1, MAINS + 1):
        leaves = []
        for k, method in enumerate(LEAF_METHODS):
            leaves.append(Row(
                code=f"{m}.{k + 1}", title=f"Chỉ số thành phần {m}.{k + 1} ({method})",
                parent=str(m), max_points=leaf_points(k), method=method,
                measure="%" if method == "ratio" else None, input=CORE[method].default_input(None),
                pillar=pillars[m - 1], evidence_required=k in (0, 4), depth=1))
        main = Row(code=str(m), title=f"Chỉ số chính {m}: {PILLARS[pillars[m - 1]]}",
                   max_points=sum(r.max_points for r in leaves), method="manual",
                   pillar=pillars[m - 1], children=leaves)
        rows.append(main)
        rows.extend(leaves)
    return Scheme(code=scheme_code(province), plugin=province,
                  title=f"Bộ chỉ số chuyển đổi số (benchmark) {province}", version=1,
                  kind="points", unit_types=list(UNIT_TYPES), source={},
                  max_points=sum(r.max_points for r in rows if r.parent is None), rows=rows)


def install(registry, provinces: list[str]) -> None:
    """Add the provinces' schemes to a running app's plugin registry (no TOML, no plugin)."""
    for province in provinces:
        scheme = build_scheme(province)
        registry.schemes[scheme.code] = scheme
