"""Imported schemes as the registry serves them: read from the database, beside the plugins'.

A province admin's import is written to the ``imported_scheme`` table by one app server; every
other server (and every worker of each) must serve it at once, with no restart and nothing kept
in one server's memory that another needs. So each server keeps only a cache, keyed by the
table's fingerprint (every row's code and content hash): one small query, at most once per
request (or command: once per app context), says whether the table changed; only then are the
rows read and parsed again by the one loader.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import g, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from app.catalogue.loader import CatalogueError, parse_scheme
from app.catalogue.model import Scheme

log = logging.getLogger(__name__)
CHECKED = "_chiso_imported_checked"  # flag on flask.g: this context has looked already


def fingerprint_query():
    from app.models import ImportedScheme
    return select(ImportedScheme.code, ImportedScheme.sha256).order_by(ImportedScheme.code)


def as_scheme(content: str, code: str, plugin: str, owner: str,
              methods: Mapping | None) -> Scheme:
    """A stored content as a Scheme of origin "imported", owned by the province ``owner``."""
    scheme = parse_scheme(content.encode("utf-8"), f"{code}.toml", plugin, methods)
    scheme.origin, scheme.owner = "imported", owner
    return scheme


class ImportedSchemes:
    """The imported schemes one app server serves, refreshed when the table changes."""

    def __init__(self):
        self._fingerprint: tuple | None = None
        self.schemes: dict[str, Scheme] = {}

    def current(self, methods: Mapping) -> dict[str, Scheme]:
        """The imported schemes by code, checking the table once per app context."""
        if not has_app_context() or g.get(CHECKED):
            return self.schemes
        g.setdefault(CHECKED, True)
        from app.extensions import db
        # Its own connection: a missing table (a database not yet migrated) must not abort
        # the session's transaction, and the query is not a tenant one (every province's).
        try:
            with db.engine.connect() as conn:
                fingerprint = tuple(conn.execute(fingerprint_query()).all())
                if fingerprint != self._fingerprint:
                    self.schemes = self._load(conn, methods)
                    self._fingerprint = fingerprint
        except DBAPIError as exc:
            log.warning("Chưa đọc được bảng bộ chỉ số nhập từ tệp: %s", exc.orig)
        return self.schemes

    def forget_check(self) -> None:
        """After an import is committed: the next access in this context looks again."""
        if has_app_context():
            g.pop(CHECKED, None)

    @staticmethod
    def _load(conn, methods: Mapping) -> dict[str, Scheme]:
        from app.models import ImportedScheme, Province
        rows = conn.execute(
            select(ImportedScheme.code, ImportedScheme.plugin, ImportedScheme.content,
                   Province.code.label("owner"))
            .join(Province, Province.id == ImportedScheme.province_id)).all()
        found: dict[str, Scheme] = {}
        for row in rows:
            try:
                found[row.code] = as_scheme(row.content, row.code, row.plugin, row.owner, methods)
            except CatalogueError as exc:
                # Validated when imported; a scoring method of a plugin since removed would
                # refuse it now. One bad scheme must not take the others (or the site) down.
                log.error("Bộ chỉ số nhập «%s» không nạp được: %s", row.code, exc)
        return found
