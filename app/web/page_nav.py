"""The main navigation of every page, rendered once per process for each kind of page.

The nav in the header took about 40 template calls a request (a url_for, a gettext and a
permission check for each link) for markup that depends on nothing but the user's role, whether
a province is chosen, the page's endpoint, where the app is mounted and the locale. All of those
are code or request data, never database state, so each app keeps the markup it rendered by
that key: the same on every app server, and right after any change to the database.
"""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from app.permissions import permission_key

TEMPLATE = "_nav.html"
CACHE = "chiso_nav"  # key of app.extensions
# Roles × endpoints bound the keys (a few thousand at most); the guard keeps a mount point or
# locale that changed per request from growing the cache without end.
LIMIT = 5000


def main_nav(current_province) -> Markup:
    """The rendered _nav.html for this request (``current_province``: base.html's)."""
    key = (permission_key(current_user), bool(current_province), request.endpoint,
           request.script_root, str(get_locale()))
    cache = current_app.extensions.setdefault(CACHE, {})
    html = cache.get(key)
    if html is None:
        if len(cache) >= LIMIT:
            cache.clear()
        html = cache[key] = Markup(render_template(TEMPLATE, current_province=current_province))
    return html
