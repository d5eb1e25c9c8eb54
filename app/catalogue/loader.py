"""Reading a scheme file and refusing it, with the file and row named, when it is not sound."""
from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

from app.catalogue.loader_fields import check_head, check_row, row_code
from app.catalogue.model import INPUTS, KINDS, PILLARS, UNIT_TYPES, CommuneRules, Row, Scheme
from app.periods import PERIOD_TYPES
from app.scoring.core import CORE
from app.scoring.methods import ScoringMethod

ROW_KEYS = {
    "code", "parent", "title", "source_title", "max_points", "method", "method_note", "period",
    "measure", "input", "lead", "lead_unit", "coordinating", "pillar", "evidence_required",
    "not_assessable", "level", "raised_from", "targets", "target_op", "explanation", "measured",
}


class CatalogueError(ValueError):
    """A catalogue file that does not validate; the message names the file and the row.

    ``code``: the row's code (None: the scheme's header); ``key``: the key at fault where one is
    (``max_points``, ``source.date``, ``communes.report_day``…); ``detail``: the message without
    the file and row, so that a workbook's reader can name its own sheet, line and column."""

    def __init__(self, message: str, code: str | None = None, key: str | None = None,
                 detail: str | None = None):
        super().__init__(message)
        self.code, self.key, self.detail = code, key, detail if detail is not None else message


def load_scheme(path: str | Path, plugin: str,
                methods: Mapping[str, ScoringMethod] | None = None) -> Scheme:
    """Load and validate one scheme file; ``methods`` are the scoring methods its rows may name
    (the registry's; the core's alone without it)."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(f"{path.name}: không đọc được tệp ({exc})") from exc
    return parse_scheme(content, path, plugin, methods)


def parse_scheme(content: bytes, path: str | Path, plugin: str,
                 methods: Mapping[str, ScoringMethod] | None = None,
                 published: bool = False) -> Scheme:
    """A scheme from a file's content (a publication keeps the content it was published with;
    ``published``: such a content, which may predate a key a file now needs)."""
    path = Path(path)
    try:
        data = tomllib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path.name}: không đọc được tệp ({exc})") from exc
    head = data.get("scheme") or {}
    fail = _failer(path)
    if not isinstance(head, dict):
        fail(None, "[scheme] phải là một bảng")
    for key in ("code", "title", "kind", "unit_types", "family", "version", "first_year"):
        if key not in head:
            fail(None, f"thiếu khóa «{key}» trong [scheme]", key)
    check_head(head, fail)
    first_year, last_year = _years(head, fail)
    _check_source(head.get("source", {}), fail)
    if head["kind"] not in KINDS:
        fail(None, f"kind «{head['kind']}» không hợp lệ", "kind")
    for unit_type in head["unit_types"]:
        if unit_type not in UNIT_TYPES:
            fail(None, f"loại đơn vị «{unit_type}» không có", "unit_types")
    methods = CORE if methods is None else methods
    raw_rows = data.get("row", [])
    if not isinstance(raw_rows, list) or not all(isinstance(raw, dict) for raw in raw_rows):
        fail(None, "mỗi dòng chỉ số là một bảng [[row]]", "row")
    rows = [_row(raw, head, fail, methods) for raw in raw_rows]
    if not rows:
        fail(None, "không có dòng chỉ số nào")
    scheme = Scheme(
        code=head["code"], plugin=plugin, title=head["title"], version=head["version"],
        kind=head["kind"], unit_types=list(head["unit_types"]), source=dict(head.get("source", {})),
        max_points=_points(head.get("max_points")), rows=rows, path=str(path),
        family=head["family"], first_year=first_year, last_year=last_year,
        sha256=hashlib.sha256(content).hexdigest(), content=content.decode("utf-8"),
    )
    scheme.communes = _commune_rules(scheme, head.get("communes"), fail, required=not published)
    _link(scheme, fail)
    _check_points(scheme, fail)
    _check_targets(scheme, fail)
    return scheme


def _years(head: dict, fail) -> tuple[int, int | None]:
    """The version and the years it applies to, checked: whole numbers, first before last."""
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", str(head["family"])):
        fail(None, f"family «{head['family']}» phải gồm chữ thường không dấu, số và dấu gạch ngang",
             "family")
    if not isinstance(head["version"], int) or head["version"] < 1:
        fail(None, f"version «{head['version']}» phải là số nguyên từ 1", "version")
    first, last = head["first_year"], head.get("last_year")
    for key, year in (("first_year", first), ("last_year", last)):
        if year is not None and (not isinstance(year, int) or not 1990 <= year <= 2100):
            fail(None, f"{key} «{year}» phải là một năm (số nguyên, ví dụ 2022)", key)
    if last is not None and last < first:
        fail(None, f"last_year {last} đứng trước first_year {first}", "last_year")
    return first, last


COMMUNE_KEYS = {"min_share": 100, "report_day": 28, "district_report_day": 28}  # key: its maximum


def _commune_rules(scheme: Scheme, table, fail, required: bool) -> CommuneRules | None:
    """``[scheme.communes]``: required by a target scheme over communes, refused elsewhere.
    A published content from before the table reads without it: its figures need no rules."""
    if not scheme.is_commune_target_scheme:
        if table is not None:
            fail(None, "[scheme.communes] chỉ dùng cho bộ mục tiêu của xã, phường, thị trấn "
                       "(kind = \"target\", unit_types chỉ gồm xa, phuong, thi_tran)", "communes")
        return None
    if table is None and not required:
        return None
    if not isinstance(table, dict):
        fail(None, "bộ mục tiêu của xã, phường, thị trấn cần bảng [scheme.communes] với "
                   + ", ".join(COMMUNE_KEYS), "communes")
    unknown = set(table) - set(COMMUNE_KEYS)
    if unknown:
        fail(None, f"[scheme.communes]: khóa không biết: {', '.join(sorted(unknown))}", "communes")
    for key, top in COMMUNE_KEYS.items():
        value = table.get(key)
        low = 0 if key == "min_share" else 1  # a day of every month: 1..28
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= top:
            fail(None, f"[scheme.communes] {key} «{value}» phải là số nguyên từ {low} đến {top}",
                 f"communes.{key}")
    return CommuneRules(**{key: table[key] for key in COMMUNE_KEYS})


def _check_source(source: dict, fail) -> None:
    """The decision(s) a scheme comes from: dates ISO, amendments named by their number."""
    if not isinstance(source, dict):
        fail(None, "source phải là bảng (number, date, issuer, …)", "source")
    decisions = [source]
    amended = source.get("amended_by") or []
    for item in [amended] if isinstance(amended, (str, dict)) else amended:
        if isinstance(item, dict):
            decisions.append(item)
        elif not isinstance(item, str):
            fail(None, "amended_by: số quyết định (chuỗi) hoặc bảng {number, date, issuer}",
                 "amended_by")
    for index, decision in enumerate(decisions):
        if "date" in decision:
            try:
                date.fromisoformat(str(decision["date"]))
            except ValueError:
                fail(None, f"ngày quyết định «{decision['date']}» phải viết YYYY-MM-DD",
                     f"amended_by.{index}.date" if index else "source.date")


def _failer(path: Path):
    def fail(code, message, key=None):
        where = f"{path.name}, dòng mã «{code}»" if code is not None else path.name
        raise CatalogueError(f"{where}: {message}", code=code, key=key, detail=message)
    return fail


def _row(raw: dict, head: dict, fail, methods) -> Row:
    code = row_code(raw, fail)
    unknown = set(raw) - ROW_KEYS
    if unknown:
        fail(code, f"khóa không biết: {', '.join(sorted(unknown))}")
    check_row(raw, code, fail)
    if not str(raw.get("title", "")).strip():
        fail(code, "thiếu tiêu đề", "title")
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
        measured_source=_measured_source(raw.get("measured"), code, fail),
    )
    if row.parent is None and "." in code:
        row.parent = code.rsplit(".", 1)[0]
    checks = [
        (method in methods, f"phương pháp chấm «{method}» không có", "method"),
        (period in PERIOD_TYPES, f"kỳ «{period}» không hợp lệ", "period"),
        (row.input in INPUTS, f"kiểu nhập «{row.input}» không có", "input"),
        (row.pillar is None or row.pillar in PILLARS, f"trụ cột «{row.pillar}» không có", "pillar"),
        (row.level in (None, "basic", "advanced"), f"mức «{row.level}» không hợp lệ", "level"),
        (row.target_op in (">=", "<="), f"target_op «{row.target_op}» không hợp lệ", "target_op"),
    ]
    if row.measured_source and "evidence_required" not in raw:
        row.evidence_required = False  # the scheme's default is for declared rows
    checks.append((not (row.measured_source and row.evidence_required),
                   ("chỉ số đo tự động (measured) không cần tài liệu kiểm chứng: "
                    "bỏ evidence_required"), "evidence_required"))
    # a system sends a value (a number, a share…), never a score: the unit's score is its own
    checks.append((not (row.measured_source and row.input == "score"),
                   ("chỉ số nhập điểm trực tiếp (kiểu nhập «score») không thể đo tự động: bỏ "
                    "measured, hoặc chọn kiểu nhập là giá trị (số, tỷ lệ…)"), "measured"))
    for ok, message, key in checks:
        if not ok:
            fail(code, message, key)
    return row


MEASURED_SOURCE_LIMIT = 120


def _measured_source(table, code: str, fail) -> str | None:
    """``measured = { source = "Cổng dịch vụ công" }``: the row's value comes from that system."""
    if table is None:
        return None
    source = table.get("source") if isinstance(table, dict) else None
    if set(table if isinstance(table, dict) else ()) - {"source"} or not isinstance(source, str) \
            or not source.strip() or len(source) > MEASURED_SOURCE_LIMIT:
        fail(code, "measured phải là bảng { source = \"tên hệ thống\" } "
                   f"(tên từ 1 đến {MEASURED_SOURCE_LIMIT} ký tự)", "measured")
    return " ".join(source.split())


def _link(scheme: Scheme, fail) -> None:
    seen: dict[str, Row] = {}
    for row in scheme.rows:
        if row.code in seen:
            fail(row.code, "mã bị trùng", "code")
        if row.parent is not None:
            parent = seen.get(row.parent)
            if parent is None:
                fail(row.code, f"dòng cha «{row.parent}» không có (hoặc đứng sau dòng con)", "parent")
            parent.children.append(row)
            row.depth = parent.depth + 1
            row.pillar = row.pillar or parent.pillar
        seen[row.code] = row
    scheme.by_code = seen
    for row in scheme.rows:
        if row.is_leaf and row.pillar is None:
            fail(row.code, "không thuộc trụ cột chung nào (khóa pillar ở chỉ số chính)", "pillar")
        if row.raised_from is not None:
            base = seen.get(row.raised_from)
            if base is None or base.level != "basic":
                fail(row.code, f"raised_from «{row.raised_from}» không phải chỉ tiêu cơ bản có trong bộ",
                     "raised_from")


def _check_points(scheme: Scheme, fail) -> None:
    if scheme.kind != "points":
        return
    for row in scheme.rows:
        if row.max_points is None:
            fail(row.code, "thiếu điểm tối đa", "max_points")
        if row.children:
            total = sum(child.max_points or Decimal(0) for child in row.children)
            if total != row.max_points:
                fail(row.code, f"điểm tối đa {row.max_points} khác tổng các chỉ số con {total}",
                     "max_points")
    total = sum(row.max_points for row in scheme.main)
    if scheme.max_points is None or total != scheme.max_points:
        fail(None, f"tổng điểm các chỉ số chính là {total}, khác điểm tối đa khai báo "
                   f"{scheme.max_points}", "max_points")


def _check_targets(scheme: Scheme, fail) -> None:
    if scheme.kind != "target":
        return
    for row in scheme.leaves:
        missing = set(scheme.unit_types) - set(row.targets or {})
        if missing:
            fail(row.code, f"thiếu ngưỡng cho loại đơn vị: {', '.join(sorted(missing))}", "targets")


def _points(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value))
