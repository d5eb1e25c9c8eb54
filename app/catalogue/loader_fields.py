"""The type and the bounds of every value of a scheme file, checked before the loader uses it.

A scheme may come from a province's upload: a value of the wrong type (``title = 5``,
``parent = [1]``) must be refused with its key named, never reach code that expects a string,
and every length and number must fit the columns it ends up in (a row's code is stored with
each answer, audit event and evidence link, all String(20); a scheme's code in String(60)).
"""
from __future__ import annotations

import datetime
import math
from decimal import Decimal, InvalidOperation

CODE_LIMIT = 20         # Answer.code, AuditEvent.code, EvidenceLink.code: String(20)
SCHEME_CODE_LIMIT = 60  # ImportedScheme.code, Period.scheme_code: String(60)
FAMILY_LIMIT = 60       # ImportedScheme.family
TEXT_LIMIT = 2000       # a title, an agency, a note: the longest shipped is under 300
LONG_TEXT_LIMIT = 20000  # an explanation: the longest shipped is under 1,000
WORD_LIMIT = 60         # a key such as a method's or a pillar's name
VERSION_LIMIT = 9999
POINTS_LIMIT = Decimal(100000)  # a scheme's total is 100 to 1,000 points
TARGET_LIMIT = Decimal(10) ** 12  # a threshold may be an amount in đồng
DECIMALS = 3  # the scores are kept to three decimals
LIST_LIMIT = 100  # unit types, coordinating agencies

HEAD_TEXTS = {"code": SCHEME_CODE_LIMIT, "title": TEXT_LIMIT, "kind": WORD_LIMIT,
              "family": FAMILY_LIMIT, "method": WORD_LIMIT, "period": WORD_LIMIT}
ROW_TEXTS = {"code": CODE_LIMIT, "parent": CODE_LIMIT, "raised_from": CODE_LIMIT,
             "title": TEXT_LIMIT, "source_title": TEXT_LIMIT, "method": WORD_LIMIT,
             "method_note": LONG_TEXT_LIMIT, "period": WORD_LIMIT, "measure": TEXT_LIMIT,
             "input": WORD_LIMIT, "lead": TEXT_LIMIT, "lead_unit": TEXT_LIMIT,
             "pillar": WORD_LIMIT, "level": WORD_LIMIT, "target_op": WORD_LIMIT,
             "explanation": LONG_TEXT_LIMIT}
FLAGS = ("evidence_required", "not_assessable")
DECISION_KEYS = ("number", "issuer", "document", "table", "date", "note")


def check_head(head: dict, fail) -> None:
    """``[scheme]``: each key present has its type and fits its bounds."""
    for key, limit in HEAD_TEXTS.items():
        if key in head:
            _text(head[key], limit, None, key, fail)
    if "unit_types" in head:
        _strings(head["unit_types"], WORD_LIMIT, None, "unit_types", fail)
    version = head.get("version")
    if "version" in head and (isinstance(version, bool) or not isinstance(version, int)
                              or not 1 <= version <= VERSION_LIMIT):
        fail(None, f"version «{_shown(version)}» phải là số nguyên từ 1 đến {VERSION_LIMIT}",
             "version")
    for key in FLAGS:
        if key in head and not isinstance(head[key], bool):
            fail(None, f"«{key}» phải là true hoặc false", key)
    if head.get("max_points") is not None:
        check_points(head["max_points"], None, "max_points", fail)
    source = head.get("source", {})
    if isinstance(source, dict):
        amended = source.get("amended_by") or []
        for item in [source] + [a for a in (amended if isinstance(amended, list) else [amended])
                                if isinstance(a, dict)]:
            for key in DECISION_KEYS:
                value = item.get(key)
                if value is not None and not isinstance(value, datetime.date):
                    _text(value, TEXT_LIMIT, None, f"source.{key}", fail)
        for item in amended if isinstance(amended, list) else [amended]:
            if isinstance(item, str):
                _text(item, TEXT_LIMIT, None, "amended_by", fail)


def check_row(raw: dict, code: str, fail) -> None:
    """One ``[[row]]``: each key present has its type and fits its bounds (``code``: the row's
    code, already known to be a string within its limit, for the messages)."""
    for key, limit in ROW_TEXTS.items():
        if key in raw:
            _text(raw[key], limit, code, key, fail)
    if "coordinating" in raw:
        _strings(raw["coordinating"], TEXT_LIMIT, code, "coordinating", fail)
    for key in FLAGS:
        if key in raw and not isinstance(raw[key], bool):
            fail(code, f"«{key}» phải là true hoặc false", key)
    if raw.get("max_points") is not None:
        check_points(raw["max_points"], code, "max_points", fail)
    targets = raw.get("targets")
    if targets is not None:
        if not isinstance(targets, dict) or len(targets) > LIST_LIMIT:
            fail(code, "targets phải là bảng { loại đơn vị = ngưỡng }", "targets")
        for unit_type, value in targets.items():
            if isinstance(value, str):
                _text(value, TEXT_LIMIT, code, "targets", fail)
            elif not _number(value, -TARGET_LIMIT, TARGET_LIMIT, None):
                fail(code, f"ngưỡng của «{_shown(unit_type)}» phải là một số (tối đa "
                           f"{_count(TARGET_LIMIT)} về trị tuyệt đối) hoặc chữ", "targets")


def row_code(raw: dict, fail) -> str:
    """The row's code: a string without spaces, at most CODE_LIMIT characters."""
    value = raw.get("code", "")
    if not isinstance(value, str):
        fail("?", f"mã dòng «{_shown(value)}» phải là chuỗi ký tự (viết trong dấu nháy)", "code")
    code = value.strip()
    if not code:
        title = raw.get("title")
        fail("?", f"dòng không có mã (tiêu đề: {_shown(title)[:60]!r})", "code")
    if len(code) > CODE_LIMIT or any(char.isspace() for char in code):
        fail(_shown(code)[:CODE_LIMIT], f"mã dòng dài {len(code)} ký tự: tối đa {CODE_LIMIT} "
                                        "ký tự, không có khoảng trắng", "code")
    return code


def check_points(value, code: str | None, key: str, fail) -> None:
    if not _number(value, Decimal(0), POINTS_LIMIT, DECIMALS):
        fail(code, f"{key} «{_shown(value)}» phải là số từ 0 đến {_count(POINTS_LIMIT)}, tối đa "
                   f"{DECIMALS} chữ số thập phân", key)


def _number(value, low: Decimal, high: Decimal, decimals: int | None) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return False
    if decimals is not None and number.as_tuple().exponent < -decimals:
        return False
    return low <= number <= high


def _text(value, limit: int, code: str | None, key: str, fail) -> None:
    if not isinstance(value, str):
        fail(code, f"«{key}» phải là chuỗi ký tự (viết trong dấu nháy), không phải "
                   f"«{_shown(value)}»", key)
    if len(value) > limit:
        fail(code, f"«{key}» dài {_count(len(value))} ký tự, quá giới hạn {_count(limit)} ký tự",
             key)


def _strings(value, limit: int, code: str | None, key: str, fail) -> None:
    if not isinstance(value, list) or len(value) > LIST_LIMIT:
        fail(code, f"«{key}» phải là danh sách chuỗi ký tự, ví dụ [\"a\", \"b\"]", key)
    for item in value:
        _text(item, limit, code, key, fail)


def _count(number) -> str:
    """1.000.000: thousands grouped as Vietnamese writes them."""
    return f"{number:,}".replace(",", ".")


def _shown(value) -> str:
    """A value as it may be printed in a message: short, whatever its type."""
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"
