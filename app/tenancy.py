"""Tenant scoping, in one place.

Every tenant-owned model mixes in ``TenantMixin``. While a request (or a command) runs, the
current province is held in a context variable; a ``do_orm_execute`` listener adds
``province_id = <current>`` to every ORM query that touches a tenant model, and refuses to run
such a query when no province is set, unless the caller said ``unscoped()`` explicitly.
``before_flush`` stamps the current province on new rows. So a row of another province cannot be
read by a view that forgot a filter: it is simply not found (404).
"""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from contextvars import ContextVar

from flask import abort
from sqlalchemy import ForeignKey, event, select
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria

ALL = object()  # explicit "every province": start-up, CLI commands, the superadmin overview
_current: ContextVar = ContextVar("chiso_province", default=None)


class TenancyError(RuntimeError):
    """A tenant query ran with no current province: a bug, never a user's fault."""


class TenantMixin:
    @declared_attr
    def province_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("province.id"), index=True, nullable=False)


def current_province_id():
    value = _current.get()
    return None if value is ALL else value


def set_province(province_id) -> None:
    """Bind the rest of this request (or command) to one province."""
    _current.set(province_id)


@contextmanager
def scoped(province_id):
    token = _current.set(province_id)
    try:
        yield
    finally:
        _current.reset(token)


def unscoped():
    """Explicitly run across every province (login look-up, CLI, superadmin overview)."""
    return scoped(ALL)


def get_or_404(model, **filters):
    """One row of the current province, or 404: the only way views fetch by id or code."""
    row = model_query(model, **filters).first()
    if row is None:
        abort(404)
    return row


def model_query(model, **filters):
    from app.extensions import db
    return db.session.scalars(select(model).filter_by(**filters))


@lru_cache(maxsize=1)
def _tenant_tables() -> frozenset:
    from app.extensions import db
    return frozenset(mapper.local_table for mapper in db.Model.registry.mappers
                     if issubclass(mapper.class_, TenantMixin))


def _touches_tenant_data(state) -> bool:
    """An entity selected, or a tenant table anywhere in the statement (``select_from(Unit)``)."""
    if any(issubclass(m.class_, TenantMixin) for m in state.all_mappers):
        return True
    from sqlalchemy.sql.util import find_tables
    tenant = _tenant_tables()
    return any(table in tenant for table in find_tables(state.statement, include_joins=True,
                                                         include_aliases=True))


def _scope_queries(state) -> None:
    """do_orm_execute: add the current province to a query touching tenant data."""
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        # lazy loads follow from a row already scoped; criteria propagate through them
        return
    current = _current.get()
    if current is ALL:
        return
    if not _touches_tenant_data(state):
        return
    if current is None:
        raise TenancyError("truy vấn dữ liệu của tỉnh khi chưa xác định tỉnh hiện tại")
    state.statement = state.statement.options(
        with_loader_criteria(TenantMixin, lambda cls: cls.province_id == current,
                             include_aliases=True, track_closure_variables=True)
    )


def _stamp_province(session, flush_context, instances) -> None:
    """before_flush: new tenant rows belong to the current province."""
    current = current_province_id()
    if current is None:
        return  # nothing to stamp; NOT NULL columns still refuse a row without a province
    for obj in session.new:
        if isinstance(obj, TenantMixin) and getattr(obj, "province_id", None) is None:
            obj.province_id = current


def install(session_class=Session) -> None:
    """Listen on ``session_class`` once: every create_app calls this, and a second listener
    would add the criterion again to every query of the process (a test run makes one app per
    test: 300 apps made a tenant query 150 times slower)."""
    for name, listener in (("do_orm_execute", _scope_queries), ("before_flush", _stamp_province)):
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)
