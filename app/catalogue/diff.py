"""What changed from one version of a scheme to the next, row by row (the import's preview).

Rows are matched by code. Only what was edited is listed: an unchanged row gives nothing, and a
pillar is compared where it is the row's own (a main index's), not where a child inherits it, so
moving a main index to another pillar is one change, not one per child.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.catalogue.model import PILLARS, Row, Scheme, _number
from app.periods import TYPE_LABELS

YES_NO = {True: "có", False: "không"}


@dataclass(frozen=True)
class Change:
    kind: str          # see KINDS
    code: str | None   # the row's code; None for the scheme's declared total
    before: object = None  # the earlier value (None for "added"), as the catalogue holds it
    after: object = None   # the later value (None for "removed")

    @property
    def label(self) -> str:
        """The change in Vietnamese, for the preview and the command line."""
        what = KINDS[self.kind]
        if self.kind == "added":
            return f"Thêm dòng {self.code}: {self.after}"
        if self.kind == "removed":
            return f"Bỏ dòng {self.code}: {self.before}"
        where = "Bộ chỉ số" if self.code is None else f"Dòng {self.code}"
        return f"{where}: {what} «{_shown(self.before)}» → «{_shown(self.after)}»"


# kind -> what it is in Vietnamese; the fields compared, in the order the preview lists them
KINDS = {
    "added": "thêm dòng",
    "removed": "bỏ dòng",
    "total_changed": "đổi tổng điểm tối đa",
    "retitled": "đổi tên",
    "max_changed": "đổi điểm tối đa",
    "method_changed": "đổi cách chấm",
    "moved": "đổi dòng cha",
    "period_changed": "đổi kỳ báo cáo",
    "measure_changed": "đổi đơn vị tính",
    "pillar_changed": "đổi trụ cột",
    "evidence_changed": "đổi yêu cầu tài liệu kiểm chứng",
    "not_assessable_changed": "đổi quyền «không đánh giá»",
    "targets_changed": "đổi ngưỡng chỉ tiêu",
    "level_changed": "đổi mức",
    "measured_changed": "đổi nguồn đo tự động",
    "lead_changed": "đổi cơ quan chủ trì",
}
FIELDS = [
    ("retitled", lambda scheme, row: row.title),
    ("max_changed", lambda scheme, row: _number(row.max_points)),
    ("method_changed", lambda scheme, row: row.method),
    ("moved", lambda scheme, row: row.parent),
    ("period_changed", lambda scheme, row: TYPE_LABELS.get(row.period, row.period)),
    ("measure_changed", lambda scheme, row: row.measure),
    ("pillar_changed", lambda scheme, row: _own_pillar(scheme, row)),
    ("evidence_changed", lambda scheme, row: YES_NO[row.evidence_required]),
    ("not_assessable_changed", lambda scheme, row: YES_NO[row.not_assessable]),
    ("targets_changed", lambda scheme, row: row.targets or None),
    ("level_changed", lambda scheme, row: row.level),
    ("measured_changed", lambda scheme, row: row.measured_source),
    ("lead_changed", lambda scheme, row: row.lead),
]


def differences(earlier: Scheme, later: Scheme) -> list[Change]:
    """The edits that make ``earlier`` into ``later``: the total first, then the later version's
    rows in order (added, or each field changed), then the rows it no longer has."""
    changes: list[Change] = []
    if earlier.max_points != later.max_points:
        changes.append(Change("total_changed", None, _number(earlier.max_points),
                              _number(later.max_points)))
    for row in later.rows:
        before = earlier.by_code.get(row.code)
        if before is None:
            changes.append(Change("added", row.code, None, row.title))
            continue
        for kind, value in FIELDS:
            old, new = value(earlier, before), value(later, row)
            if old != new:
                changes.append(Change(kind, row.code, old, new))
    changes += [Change("removed", row.code, row.title, None)
                for row in earlier.rows if row.code not in later.by_code]
    return changes


def _own_pillar(scheme: Scheme, row: Row) -> str | None:
    parent = scheme.by_code.get(row.parent) if row.parent else None
    own = row.pillar if parent is None or row.pillar != parent.pillar else None
    return PILLARS.get(own, own) if own else None


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in value.items())
    return str(value)
