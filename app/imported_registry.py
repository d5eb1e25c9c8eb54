"""Imported schemes as the registry serves them: read from the database, beside the plugins'.

A province admin's import is written to the ``imported_scheme`` table by one app server; every
other server (and every worker of each) must serve it at once, with no restart and nothing kept
in one server's memory that another needs. So each server keeps only a cache, keyed by the
table's fingerprint (every row's id, code, content hash, plugin and owner): one small query, at
most once per request (or command: once per app context), says whether the table changed; only
then are the rows that changed read and parsed again by the one loader.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Mapping

from flask import g, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from app.catalogue.loader import CatalogueError, parse_scheme
from app.catalogue.model import Scheme

log = logging.getLogger(__name__)
CHECKED = "_chiso_imported_checked"  # flag on flask.g: this context has looked already


@functools.cache
def fingerprint_query():
    """What says whether a stored scheme changed: its row, code, content hash, plugin and owner
    (a row deleted and stored again under the same code is another scheme). Built once per
    process: it runs on nearly every request, and a statement is immutable."""
    from app.models import ImportedScheme, Province
    return (select(ImportedScheme.id, ImportedScheme.code, ImportedScheme.sha256,
                   ImportedScheme.plugin, Province.code.label("owner"))
            .join(Province, Province.id == ImportedScheme.province_id)
            .order_by(ImportedScheme.id))


def as_scheme(content: str, code: str, plugin: str, owner: str,
              methods: Mapping | None) -> Scheme:
    """A stored content as a Scheme of origin "imported", owned by the province ``owner``."""
    scheme = parse_scheme(content.encode("utf-8"), f"{code}.toml", plugin, methods)
    scheme.origin, scheme.owner = "imported", owner
    return scheme


class ImportedSchemes:
    """The imported schemes one app server serves, refreshed when the table changes."""

    def __init__(self):
        # (fingerprint, schemes by code) as ONE value: a thread swaps it whole, so another never
        # sees a new fingerprint with the old schemes (or the reverse)
        self._state: tuple[tuple | None, dict[str, Scheme]] = (None, {})
        self._parsed: dict[tuple, Scheme] = {}  # fingerprint row -> its scheme, for reuse

    @property
    def schemes(self) -> dict[str, Scheme]:
        return self._state[1]

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
                fingerprint = tuple(tuple(row) for row in conn.execute(fingerprint_query()))
                if fingerprint != self._state[0]:
                    schemes = self._load(conn, fingerprint, methods)
                    self._state = (fingerprint, schemes)
        except DBAPIError as exc:
            log.warning("Chưa đọc được bảng bộ chỉ số nhập từ tệp: %s", exc.orig)
        return self.schemes

    def forget_check(self) -> None:
        """After an import is committed: the next access in this context looks again."""
        if has_app_context():
            g.pop(CHECKED, None)

    def _load(self, conn, fingerprint: tuple, methods: Mapping) -> dict[str, Scheme]:
        """The schemes of the fingerprint's rows: a row unchanged since the last load (same
        id, content hash, plugin and owner) keeps its parsed scheme; only the others' contents
        are read and parsed again."""
        from app.models import ImportedScheme
        parsed = {key: self._parsed[key] for key in fingerprint if key in self._parsed}
        missing = {key[0]: key for key in fingerprint if key not in parsed}
        if missing:
            rows = conn.execute(select(ImportedScheme.id, ImportedScheme.content)
                                .where(ImportedScheme.id.in_(missing))).all()
            for row in rows:
                key = missing[row.id]
                _id, code, _sha256, plugin, owner = key
                try:
                    parsed[key] = as_scheme(row.content, code, plugin, owner, methods)
                except CatalogueError as exc:
                    # Validated when imported; a scoring method of a plugin since removed would
                    # refuse it now. One bad scheme must not take the others (or the site) down.
                    log.error("Bộ chỉ số nhập «%s» không nạp được: %s", code, exc)
        self._parsed = parsed
        return {key[1]: parsed[key] for key in fingerprint if key in parsed}
