"""Reading a scheme file and refusing it, with the file and row named, when it is not sound."""
from __future__ import annotations

import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from app.catalogue.model import INPUTS, KINDS, PILLARS, UNIT_TYPES, Row, Scheme
from app.periods import PERIOD_TYPES
from app.scoring.core import CORE
from app.scoring.methods import ScoringMethod

ROW_KEYS = {
    "code", "parent", "title", "source_title", "max_points", "method", "method_note", "period",
    "measure", "input", "lead", "lead_unit", "coordinating", "pillar", "evidence_required",
    "not_assessable", "level", "raised_from", "targets", "target_op", "explanation",
}


class CatalogueError(ValueError):
    """A catalogue file that does not validate; the message names the file and the row."""


def load_scheme(path: str | Path, plugin: str,
                methods: Mapping[str, ScoringMethod] | None = None) -> Scheme:
    """Load and validate one scheme file; ``methods`` are the scoring methods its rows may name
    (the registry's; the core's alone without it)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path.name}: không đọc được tệp ({exc})") from exc
    head = data.get("scheme") or {}
    fail = _failer(path)
    for key in ("code", "title", "kind", "unit_types"):
        if key not in head:
            fail(None, f"thiếu khóa «{key}» trong [scheme]")
    if head["kind"] not in KINDS:
        fail(None, f"kind «{head['kind']}» không hợp lệ")
    for unit_type in head["unit_types"]:
        if unit_type not in UNIT_TYPES:
            fail(None, f"loại đơn vị «{unit_type}» không có")
    methods = CORE if methods is None else methods
    rows = [_row(raw, head, fail, methods) for raw in data.get("row", [])]
    if not rows:
        fail(None, "không có dòng chỉ số nào")
    scheme = Scheme(
        code=head["code"], plugin=plugin, title=head["title"], version=int(head.get("version", 1)),
        kind=head["kind"], unit_types=list(head["unit_types"]), source=dict(head.get("source", {})),
        max_points=_points(head.get("max_points")), rows=rows, path=str(path),
    )
    _link(scheme, fail)
    _check_points(scheme, fail)
    _check_targets(scheme, fail)
    return scheme


def _failer(path: Path):
    def fail(code, message):
        where = f"{path.name}, dòng mã «{code}»" if code is not None else path.name
        raise CatalogueError(f"{where}: {message}")
    return fail


def _row(raw: dict, head: dict, fail, methods) -> Row:
    code = str(raw.get("code", "")).strip()
    if not code:
        fail("?", f"dòng không có mã (tiêu đề: {raw.get('title', '')[:60]!r})")
    unknown = set(raw) - ROW_KEYS
    if unknown:
        fail(code, f"khóa không biết: {', '.join(sorted(unknown))}")
    if not str(raw.get("title", "")).strip():
        fail(code, "thiếu tiêu đề")
    method = raw.get("method", head.get("method", "manual"))
    period = raw.get("period", head.get("period", "year"))
    measure = raw.get("measure")
    row = Row(
        code=code, title=" ".join(raw["title"].split()), parent=raw.get("parent"),
        source_title=raw.get("source_title"), max_points=_points(raw.get("max_points")),
        method=method, method_note=raw.get("method_note"), period=period, measure=measure,
        input=raw.get("input", methods[method].default_input(measure) if method in methods
                        else "number"), lead=raw.get("lead"),
        lead_unit=raw.get("lead_unit"), coordinating=list(raw.get("coordinating", [])),
        pillar=raw.get("pillar"),
        evidence_required=bool(raw.get("evidence_required", head.get("evidence_required", False))),
        not_assessable=bool(raw.get("not_assessable", head.get("not_assessable", False))),
        level=raw.get("level"), raised_from=raw.get("raised_from"), targets=raw.get("targets"),
        target_op=raw.get("target_op", ">="), explanation=raw.get("explanation"),
    )
    if row.parent is None and "." in code:
        row.parent = code.rsplit(".", 1)[0]
    checks = [
        (method in methods, f"phương pháp chấm «{method}» không có"),
        (period in PERIOD_TYPES, f"kỳ «{period}» không hợp lệ"),
        (row.input in INPUTS, f"kiểu nhập «{row.input}» không có"),
        (row.pillar is None or row.pillar in PILLARS, f"trụ cột «{row.pillar}» không có"),
        (row.level in (None, "basic", "advanced"), f"mức «{row.level}» không hợp lệ"),
        (row.target_op in (">=", "<="), f"target_op «{row.target_op}» không hợp lệ"),
    ]
    for ok, message in checks:
        if not ok:
            fail(code, message)
    return row


def _link(scheme: Scheme, fail) -> None:
    seen: dict[str, Row] = {}
    for row in scheme.rows:
        if row.code in seen:
            fail(row.code, "mã bị trùng")
        if row.parent is not None:
            parent = seen.get(row.parent)
            if parent is None:
                fail(row.code, f"dòng cha «{row.parent}» không có (hoặc đứng sau dòng con)")
            parent.children.append(row)
            row.depth = parent.depth + 1
            row.pillar = row.pillar or parent.pillar
        seen[row.code] = row
    scheme.by_code = seen
    for row in scheme.rows:
        if row.is_leaf and row.pillar is None:
            fail(row.code, "không thuộc trụ cột chung nào (khóa pillar ở chỉ số chính)")
        if row.raised_from is not None:
            base = seen.get(row.raised_from)
            if base is None or base.level != "basic":
                fail(row.code, f"raised_from «{row.raised_from}» không phải chỉ tiêu cơ bản có trong bộ")


def _check_points(scheme: Scheme, fail) -> None:
    if scheme.kind != "points":
        return
    for row in scheme.rows:
        if row.max_points is None:
            fail(row.code, "thiếu điểm tối đa")
        if row.children:
            total = sum(child.max_points or Decimal(0) for child in row.children)
            if total != row.max_points:
                fail(row.code, f"điểm tối đa {row.max_points} khác tổng các chỉ số con {total}")
    total = sum(row.max_points for row in scheme.main)
    if scheme.max_points is None or total != scheme.max_points:
        fail(None, f"tổng điểm các chỉ số chính là {total}, khác điểm tối đa khai báo "
                   f"{scheme.max_points}")


def _check_targets(scheme: Scheme, fail) -> None:
    if scheme.kind != "target":
        return
    for row in scheme.leaves:
        missing = set(scheme.unit_types) - set(row.targets or {})
        if missing:
            fail(row.code, f"thiếu ngưỡng cho loại đơn vị: {', '.join(sorted(missing))}")


def _points(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value))
