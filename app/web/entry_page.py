"""The unit's assessment form (entry/form.html): what the page needs to draw, and the htmx answer
that draws one row again (with the totals out of band)."""
from __future__ import annotations

import re
from numbers import Number
from urllib.parse import urlsplit

from flask import current_app, make_response, request, url_for
from jinja2_fragments.flask import render_blocks
from sqlalchemy import select

from app import scoring
from app.extensions import db
from app.models import OfficeAssignment
from app.models.assessment import STATE_LABELS
from app.services import assessments as svc
from app.services.appraisal_history import history_by_code
from app.services.previous_period import previous_answers
from app.services.rankings import current_publication, unit_totals
from app.services.unit_form_appraisal import unit_form_context
from app.web import _number, _vietnam_time, registry, render
from app.web.assessment_lookups import today, visible_rows
from app.web.form_rows import fraction_hints, parent_heads, read_only_summary, row_views

PAGE = "entry/form.html"
_UNREAD = object()  # page_context's publication when the caller has not read it


def page_context(scheme, period, unit, assessment, writer, errors=None, typed=None,
                 conflicts=None, saved=None, evidence_errors=None, evidence_typed=None,
                 only_row=None, open_details=(), summaries=True, publication=_UNREAD):
    """What entry/form.html needs; with ``only_row``, the details of that row alone (enough for
    an htmx answer, which draws that row and the totals). ``open_details``: the codes of the
    rows to draw whole, besides those with an error, a conflict or a question. Without
    ``summaries``, no row summaries (a page that lists the rows without drawing them).
    ``publication``: the period's current publication, when the caller has read it already."""
    rows = visible_rows(scheme, period, writer)
    answers = svc.answers_by_code(assessment)
    counts = svc.evidence_counts(assessment)
    section_rows = _sections(scheme, rows)
    if publication is _UNREAD:  # read once: the edit block and the totals
        publication = current_publication(period)
    blocked = svc.edit_block(assessment, period, today(), published=publication is not None) \
        if writer is not False else "Bạn chỉ được xem hồ sơ này."
    base = {"scheme_code": scheme.code, "period_code": period.code, "unit_code": unit.code}
    progress = svc.progress(rows, answers, counts)
    appraisal = unit_form_context(assessment, period, today(), blocked, writer is False,
                                  svc.visible_rows(scheme, period))
    # The rows drawn whole (the others show their summary and load their details on demand):
    # only theirs are the evidence links, history and last period's answers read for.
    whole = set(open_details) | set(errors or ()) | set(conflicts or ()) \
        | set(appraisal["questions_by_code"])
    if only_row is not None:
        whole &= {only_row.code}
    context = {
        "scheme": scheme, "period": period, "unit": unit, "assessment": assessment,
        "base": base, "row_url": _row_urls(base),
        "rows": rows, "mains": [m for m in scheme.main if m.code in section_rows],
        # Rows a system measures (entry/_measured.html): the form then labels every row's source.
        "measured_count": sum(1 for r in rows if r.measured_source),
        "answers": answers, "evidence_counts": counts,
        "evidence": svc.evidence_by_code(assessment, whole) if whole else {},
        "progress": progress, "missing_codes": {code for code, _ in progress.missing},
        "whole_codes": whole, "fraction_hints": fraction_hints,
        "read_only_summary": read_only_summary(assessment),
        "totals": _totals(scheme, period, unit, assessment, answers, publication),
        "blocked": blocked,
        "errors": errors or {}, "typed": typed or {}, "conflicts": conflicts or {},
        "saved": saved or {}, "today": today(), "STATE_LABELS": STATE_LABELS,
        "evidence_errors": evidence_errors or {}, "evidence_typed": evidence_typed or {},
        "max_upload_mb": current_app.config["MAX_UPLOAD_MB"],
        "section_rows": section_rows, "parent_heads": parent_heads(scheme, rows),
        "share_of": share_of,
        "met": scoring.met, "val": _field_value, "no_errors": _NO_ERRORS,
        # name → label of the methods comparing the unit with its group: the only ones whose
        # label stays in a row's summary (the value is judged against other units, or lower
        # is better); the others' label is in the row's details.
        "compared_methods": {name: method.label for name, method in registry().scoring_methods.items()
                             if method.group},
        "offices": office_assignments(scheme, unit),
        "may_submit": svc.may_submit(writer), "SHARED_SUBMIT": svc.SHARED_SUBMIT,
        # Appraisal: questions and replies, the rows a returned assessment re-opens.
        **appraisal,
        "history_by_code": history_by_code(assessment, whole) if whole else {},
        "previous": previous_answers(registry(), scheme, period, unit) if whole else {},
    }
    # What each row's summary shows (an htmx answer draws one row; a read-only summary none).
    drawn = [only_row] if only_row is not None \
        else [] if context["read_only_summary"] or not summaries else rows
    context["views"] = row_views(drawn, context, _number, _vietnam_time, _field_value)
    return context


class _NoErrors(dict):
    """The errors of a row that has none. The form asks for each field's error several times
    per row, and on a plain empty dict each such lookup costs Jinja two exceptions (no such
    attribute, no such key): answering None at once saves a twentieth of the page's rendering."""

    def __getattr__(self, name):
        return None


_NO_ERRORS = _NoErrors()


def _field_value(answer, typed: dict | None, name: str):
    """An input's value: what the user typed (kept after an error), else the stored value.
    A function, not a macro: it runs several times on every row of the form."""
    if typed:
        return typed.get(name, "")
    stored = getattr(answer, name) if answer else None
    if stored is None:
        return ""
    return _number(stored, 4) if isinstance(stored, Number) else stored


def _row_urls(base: dict):
    """(endpoint, code) → url_for(endpoint, code=code, **base). The form needs a few URLs per
    row and url_for costs a routing build each: build each endpoint's URL once with a
    placeholder code, then put in each row's code, quoted as the URL map quotes it. On the
    form's own page (or in an htmx answer swapped into it) the row URLs are written relative
    to it ("./394/rows/1.1"): two per row, a twentieth of a 70-row page's bytes."""
    quote = current_app.url_map.converters["default"](current_app.url_map).to_url
    placeholder = "\x00"  # in no row code; in the URL as %00
    quoted_placeholder = quote(placeholder)
    form = url_for("entry.form", **base)
    shorten = _document_path() == form
    patterns = {}

    def row_url(endpoint: str, code: str) -> str:
        if endpoint not in patterns:
            url = url_for(endpoint, code=placeholder, **base)
            if shorten and url.startswith(form + "/"):
                url = "./" + form.rsplit("/", 1)[1] + url[len(form):]
            patterns[endpoint] = url
        # Codes are mostly digits and dots, which the URL keeps as they are: quote the others.
        return patterns[endpoint].replace(quoted_placeholder,
                                          code if _PLAIN_CODE.fullmatch(code) else quote(code))
    return row_url


def _document_path() -> str | None:
    """The path of the page the browser shows: this request's, or for htmx the page it was
    sent from (a fragment lands in that page, and its relative URLs resolve against it)."""
    if not request.headers.get("HX-Request"):
        return request.path if request.method == "GET" else None
    current = request.headers.get("HX-Current-URL")
    return urlsplit(current).path if current else None


_PLAIN_CODE = re.compile(r"[0-9A-Za-z._-]+")


def office_assignments(scheme, unit) -> dict:
    """The unit's own split of indicators between its offices: code → OfficeAssignment."""
    rows = db.session.scalars(select(OfficeAssignment).where(
        OfficeAssignment.unit_id == unit.id, OfficeAssignment.scheme_code == scheme.code))
    return {row.code: row for row in rows}


def _totals(scheme, period, unit, assessment, answers, publication):
    """Scores as the ranking counts them, with every registered method; rows that compare
    units need the whole group, others only the unit's own answers."""
    methods = registry().scoring_methods
    if scoring.compared_rows(scheme, methods):
        return unit_totals(registry(), scheme, period, assessment, answers, publication)
    return svc.scores(scheme, answers, methods, unit.type)


def _sections(scheme, rows) -> dict:
    """Main index code → its rows the user sees, in order; main indices with none left out."""
    sections = {}
    for main in scheme.main:
        leaves = leaf_codes(main)  # once per main: it walks the whole subtree
        shown = [r for r in rows if r.code in leaves]
        if shown:
            sections[main.code] = shown
    return sections


def leaf_codes(row) -> set[str]:
    return {row.code} if row.is_leaf else set().union(*(leaf_codes(c) for c in row.children))


def share_of(score, top):
    """A score in percent of its maximum (comparing rows whose maximum changed)."""
    return None if score is None or not top else score / top * 100


def row_response(scheme, period, unit, assessment, writer, row, status=200, **extra):
    """htmx: the row, plus out-of-band summary and subtotal; a whole page without htmx."""
    if not request.headers.get("HX-Request"):
        return render(PAGE, **page_context(scheme, period, unit, assessment, writer,
                                           open_details={row.code}, **extra)), status
    # The details stay open after a save made with them open, and after an evidence change.
    opened = request.endpoint != "entry.save_row" or f"{row.code}__details" in request.form
    context = page_context(scheme, period, unit, assessment, writer, only_row=row,
                           open_details={row.code} if opened else (), **extra)
    context["r"] = row
    main = next((m for m in context["mains"] if row in context["section_rows"][m.code]), None)
    blocks = ["row", "summary"] if main is None else ["row", "summary", "subtotal"]
    # One call: the context processors (the bell's unread count, a query) run once, not per block.
    return make_response(render_blocks(PAGE, blocks, m=main, oob=True, **context), status)
