"""Caching of the public results pages, which the press and citizens all load on publication day.

What identifies a page's state is what it shows, so the ETag is the hash of the rendered body:
it stays right whatever the page is read from (live rankings or a publication snapshot) and
whatever changes it (a new publication, a withdrawal, a renamed unit, a new release).
Last-Modified is the province's latest publication or withdrawal. A reader without a session
gets a shared copy (no CSRF token, no cookie) that nginx (deploy/: micro-cache) and browsers may
keep for CHISO_PUBLIC_MAX_AGE seconds and then revalidate; a reader with a session (logged in)
gets a private copy, since it carries their name.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from flask import current_app, make_response, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from app.extensions import db
from app.models import Publication


def last_changed() -> datetime | None:
    """When the bound province last published or withdrew results (None: never)."""
    published, withdrawn = db.session.execute(select(
        func.max(Publication.published_at), func.max(Publication.withdrawn_at))).one()
    latest = max((t for t in (published, withdrawn) if t is not None), default=None)
    return latest.replace(tzinfo=timezone.utc) if latest is not None else None


def _shared() -> bool:
    return not current_user.is_authenticated and \
        current_app.config["SESSION_COOKIE_NAME"] not in request.cookies


def render_public(template: str, **context):
    """The page as a response with its validators: 304 when the reader's copy is current."""
    shared = _shared()
    body = render_template(template, shared_copy=shared, **context)
    response = make_response(body)
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    if (last_modified := last_changed()) is not None:
        response.last_modified = last_modified
    if shared:
        max_age = int(current_app.config["PUBLIC_MAX_AGE"])
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    else:
        response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response.make_conditional(request)
