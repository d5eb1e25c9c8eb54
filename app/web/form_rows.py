"""Helpers of the assessment form: what each fraction input counts, the fields of a row's
details panel (loaded on demand) that a save must keep when the panel was never opened, nested
parents shown as headings, when the unit reads a summary instead of the form, and what each
row's summary shows (RowView)."""
from __future__ import annotations

import re
from functools import lru_cache

# Fields drawn only in a row's details panel (entry/form.html, block row_details). A panel that
# was never opened posts none of them, and a missing checkbox reads as "unchecked": a save
# without the panel's marker field keeps the stored values instead of clearing them.
DETAIL_TEXTS = ("not_assessed_reason", "no_evidence_reason", "explanation")
DETAIL_FIELDS = ("not_assessed", *DETAIL_TEXTS)
DETAILS_MARKER = "details"


def keep_stored_details(data: dict, answer) -> dict:
    """The posted fields of a row, completed with the stored detail fields when the details
    panel was not in the page (light form, or a section posted without JavaScript)."""
    if DETAILS_MARKER in data or not data:
        return data
    kept = dict(data)
    if answer is not None:
        if answer.not_assessed:
            kept["not_assessed"] = "1"
        for name in DETAIL_TEXTS:
            if name not in kept and getattr(answer, name):  # a field posted is the user's
                kept[name] = getattr(answer, name)
    return kept


@lru_cache(maxsize=512)
def _hints(title: str, explanation: str) -> tuple[str, str]:
    found = {}
    for line in explanation.splitlines():
        match = re.match(r"\s*[-–•]?\s*(Tử số|Mẫu số)\s*[:：]\s*(.+)", line, re.IGNORECASE)
        if match:
            found[match.group(1).lower()] = match.group(2).strip()
    if found:
        return (found.get("tử số", "phần được tính"), found.get("mẫu số", "tổng số"))
    # No explanation says it: read it from the title ("Tỷ lệ X được Y" → số X được Y / tổng số).
    subject = re.sub(r"^\s*Tỷ lệ\s+", "", title, flags=re.IGNORECASE)
    subject = re.split(r"\s*\(", subject, maxsplit=1)[0].rstrip(". ")
    return (f"số {subject[:1].lower()}{subject[1:]}", "tổng số thuộc diện tính tỷ lệ")


def fraction_hints(row) -> tuple[str, str]:
    """(numerator, denominator): what to count in each, from the catalogue's explanation where
    it says ("Tử số: …"), else from the indicator's title."""
    numerator, denominator = _hints(row.title or "", row.explanation or "")
    return f"Đếm: {numerator}", f"Đếm: {denominator}"


def parent_heads(scheme, rows) -> dict:
    """First shown child's code → its parent, for parents that are not main indices (1.2 of
    1.2.1 and 1.2.2): the form shows them as headings so their children are not orphaned."""
    heads, seen = {}, set()
    for row in rows:
        parent = scheme.by_code.get(row.parent) if row.parent else None
        if parent is not None and parent.parent is not None and parent.code not in seen:
            seen.add(parent.code)
            heads[row.code] = parent
    return heads


def read_only_summary(assessment) -> bool:
    """Submitted, appraised or published: the unit reads a compact summary (value, own score,
    appraised score and comment per row) instead of the whole form greyed out. A returned
    assessment keeps the form: some of its rows are open again."""
    return assessment is not None and assessment.state in ("submitted", "appraised", "published")


class RowView:
    """What one row's summary shows, worked out once in Python (entry/form.html, block row):
    Jinja pays a function call for every .get(), filter and helper, about twenty per row, a
    third of a 70-row page's rendering."""
    __slots__ = (
        "a",
        "blocked",
        "checked",
        "conflict",
        "count",
        "details_url",
        "dis",
        "err",
        "leaf",
        "measure",
        "method_label",
        "missing",
        "n",
        "p",
        "proposed",
        "save_url",
        "saved_at",
        "t",
        "top",
        "updated_at",
        "value_label",
        "values",
        "version",
        "whole",
    )


def row_views(rows, context: dict, number, vn_time, field_value) -> dict[str, RowView]:
    """code → RowView for the rows the page (or htmx answer) draws. ``context``: the form's
    page context; ``number``, ``vn_time``, ``field_value``: the page's own formatting."""
    answers, typed, errors = context["answers"], context["typed"], context["errors"]
    conflicts, saved, counts = context["conflicts"], context["saved"], context["evidence_counts"]
    whole, missing, no_errors = context["whole_codes"], context["missing_codes"], context["no_errors"]
    row_block, row_url = context["row_block"], context["row_url"]
    leaves = context["totals"].leaves or {}
    compared = context["compared_methods"]
    views = {}
    for row in rows:
        code, view = row.code, RowView()
        view.a = a = answers.get(code)
        view.t = t = typed.get(code)
        view.err = err = errors.get(code) or no_errors
        view.conflict = conflict = conflicts.get(code)
        view.blocked = blocked = row_block(code)
        view.dis = " disabled" if blocked else ""
        view.p, view.n = "f-" + code.replace(".", "-"), code + "__"
        view.whole = bool(code in whole or err or conflict)
        view.leaf = leaf = leaves.get(code)
        view.missing = code in missing
        # a measured row is the system's to write (app/api/measured.py): no save from the form
        view.save_url = None if blocked or row.measured_source else row_url("entry.save_row", code)
        view.details_url = None if view.whole else row_url("entry.row_details", code)
        view.count = counts.get(code, 0)
        view.version = conflict.version if conflict else (a.version if a else 0)
        view.values = {name: field_value(a, t, name)
                       for name in _INPUT_FIELDS.get(row.input, _COMMON)}
        # The yes/no radios: typed text, or a stored 1 or 0 (shown as 1,0000 when stored).
        shown = str(view.values.get("value", ""))
        view.checked = "1" if shown in ("1", "1,0000", "1.0000") \
            else "0" if shown in ("0", "0,0000", "0.0000") else None
        view.top = number(row.max_points) if row.max_points is not None else None
        view.method_label = compared.get(row.method)
        view.value_label = label = value_label(row)
        view.measure = _head_measure(row, label)
        view.proposed = number(leaf.proposed) if leaf and leaf.proposed is not None else None
        view.saved_at = vn_time(saved[code], "%H:%M") if saved.get(code) else None
        view.updated_at = vn_time(a.updated_at, "%H:%M %d/%m") if a else None
        views[code] = view
    return views


def value_label(row) -> str | None:
    """The label of the row's value where it has one: the form's number fields and a measured
    row's value (entry/_measured.html). Yes/no rows (a legend), fractions (two counts) and
    texts («Nội dung») have none naming a measure."""
    if row.input == "percent":
        return "Tỷ lệ (%)"
    if row.input == "amount" and not row.measured_source:
        return "Số tiền (đồng)"
    if row.measured_source or row.input in ("number", "amount"):
        return f"Giá trị ({row.measure})" if row.measure else "Giá trị"
    return None


def _head_measure(row, label: str | None) -> str | None:
    """The unit of measure the row's head says («Đơn vị tính»): none where the value's label
    says it already, or a fraction's ratio line does («= 35,4%»)."""
    if not row.measure or (row.input == "fraction" and row.measure == "%"):
        return None
    return None if label and f"({row.measure})".lower() in label.lower() else row.measure


# The score is in every row's summary, the value fields by the row's input (the explanation is
# in the row's details: DETAIL_FIELDS).
_COMMON = ("self_score",)
_INPUT_FIELDS = {"boolean": ("value",) + _COMMON, "percent": ("value",) + _COMMON,
                 "number": ("value",) + _COMMON, "amount": ("value",) + _COMMON,
                 "fraction": ("numerator", "denominator") + _COMMON, "text": ("text",) + _COMMON}
