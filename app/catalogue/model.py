"""A scheme and its rows, as read from a catalogue file. Plain data: no database, no Flask."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Scoring methods are not listed here: they are objects in the plugin registry
# (app.scoring.methods; the core's seven in app.scoring.core).
INPUTS = ("score", "boolean", "percent", "number", "amount", "text", "fraction")
PILLARS = {
    "nhan_thuc": "Nhận thức số",
    "the_che": "Thể chế số",
    "ha_tang": "Hạ tầng số",
    "nhan_luc": "Nhân lực số",
    "attt": "An toàn thông tin mạng",
    "chinh_quyen": "Chính quyền số",
    "kinh_te": "Kinh tế số",
    "xa_hoi": "Xã hội số",
}
UNIT_TYPES = {
    "tinh": "Tỉnh",
    "so": "Sở, ban, ngành",
    "co_quan": "Cơ quan cấp tỉnh khác",
    "huyen": "Huyện, thị xã, thành phố",
    "xa": "Xã",
    "phuong": "Phường",
    "thi_tran": "Thị trấn",
}
KINDS = ("points", "target", "monitor")


@dataclass
class Row:
    code: str
    title: str
    parent: str | None = None
    source_title: str | None = None
    max_points: Decimal | None = None
    method: str = "manual"
    method_note: str | None = None
    period: str = "year"
    measure: str | None = None
    input: str = "score"
    lead: str | None = None
    lead_unit: str | None = None
    coordinating: list[str] = field(default_factory=list)
    pillar: str | None = None
    evidence_required: bool = False
    not_assessable: bool = False
    level: str | None = None
    raised_from: str | None = None
    targets: dict[str, float | str] | None = None
    target_op: str = ">="
    explanation: str | None = None
    # The system the row's value is measured by (e.g. "Cổng dịch vụ công"): it comes through the
    # API from that system's token, not from the unit, and needs no evidence. None: declared.
    measured_source: str | None = None
    children: list[Row] = field(default_factory=list, repr=False)
    depth: int = 0

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def as_json(self) -> dict:
        """The row as `catalogue show --json` and the API print it (a stable interface)."""
        return {
            "code": self.code,
            "parent": self.parent,
            "title": self.title,
            "source_title": self.source_title,
            "max_points": _number(self.max_points),
            "method": self.method,
            "period": self.period,
            "measure": self.measure,
            "lead": self.lead,
            "coordinating": list(self.coordinating),
            "pillar": self.pillar,
            "evidence_required": self.evidence_required,
            "not_assessable": self.not_assessable,
            "raised_from": self.raised_from,
            "level": self.level,
            "targets": dict(self.targets) if self.targets is not None else None,
            "measured": {"source": self.measured_source} if self.measured_source else None,
        }


COMMUNE_TYPES = ("xa", "phuong", "thi_tran")


@dataclass(frozen=True)
class CommuneRules:
    """What a target scheme over communes asks, from its ``[scheme.communes]`` table: the least
    share (percent) of each district's communes that take part in a year, and the day of the
    month each commune's monthly report, then its district's consolidated one, are due."""
    min_share: int
    report_day: int
    district_report_day: int


@dataclass
class Scheme:
    code: str
    plugin: str
    title: str
    version: int
    kind: str
    unit_types: list[str]
    source: dict
    max_points: Decimal | None
    rows: list[Row]
    path: str = ""
    # Versions of one scheme share a family (``thanhhoa-huyen``); each applies from its first
    # year to its last (None: until a later version of the family starts).
    family: str = ""
    first_year: int | None = None
    last_year: int | None = None
    sha256: str = ""  # of the file's content: a published period records it (drift check)
    content: str = field(default="", repr=False)  # the file as loaded (a snapshot keeps it)
    communes: CommuneRules | None = None  # set exactly when ``is_commune_target_scheme``
    # "plugin": shipped in a plugin's files; "imported": a province admin imported it from a
    # workbook, and it belongs to that province alone (``owner``, the province's code).
    origin: str = "plugin"
    owner: str | None = None

    def __post_init__(self):
        self.by_code = {row.code: row for row in self.rows}
        self.family = self.family or self.code

    @property
    def decisions(self) -> list[dict]:
        """The decision the scheme comes from, then those that amend it (``amended_by``)."""
        amended = self.source.get("amended_by") or []
        amended = [amended] if isinstance(amended, (str, dict)) else list(amended)
        return [dict(self.source)] + [a if isinstance(a, dict) else {"number": a}
                                      for a in amended]

    @property
    def is_commune_target_scheme(self) -> bool:
        """A target scheme over communes, wards and towns: the communes taking part are chosen
        each year and send monthly reports (app/services/communes.py)."""
        return self.kind == "target" and bool(self.unit_types) \
            and set(self.unit_types) <= set(COMMUNE_TYPES)

    @property
    def years_label(self) -> str:
        if self.first_year is None:
            return "mọi năm"
        return (f"từ năm {self.first_year}" if self.last_year is None
                else f"năm {self.first_year}–{self.last_year}")

    @property
    def main(self) -> list[Row]:
        return [row for row in self.rows if row.parent is None]

    @property
    def leaves(self) -> list[Row]:
        return [row for row in self.rows if row.is_leaf]

    @property
    def periods(self) -> list[str]:
        """The period types the scheme's rows are reported at, shortest first."""
        order = ("month", "quarter", "half_year", "year")
        return sorted({row.period for row in self.leaves}, key=order.index)

    def main_of(self, code: str) -> Row:
        """The main index (top-level row) a row belongs to."""
        row = self.by_code[code]
        while row.parent is not None:
            row = self.by_code[row.parent]
        return row

    def pillars(self) -> list[str]:
        return sorted({row.pillar for row in self.rows if row.pillar}, key=list(PILLARS).index)


def _number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
