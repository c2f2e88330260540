"""Tenant scoping, in one place.

Every ORM query issued while a request is served for a logged-in user gets,
for each mapped class that defines ``tenant_criteria(scope)``, that criterion
added by SQLAlchemy's ``with_loader_criteria``. Views therefore cannot load a
row of another organisation, whatever id they are given. Association staff
(協会) see every organisation. Code outside a request (jobs, CLI) runs
unscoped and takes ids it was given by scoped code.

Every mapped class must either define ``tenant_criteria`` or declare
``__tenant_global__ = True``; a test enforces this (fail closed). A criterion
depends on the scope only (the built criteria are reused per scope).

A request without a scope (nobody logged in) sees no tenant row at all (fail
closed, ASVS 4.1.5): public pages read only global tables, or say
``skip_tenant_scope`` where they count across offices on purpose (/usage). The
login machinery itself — loading the session's user, a login — runs unscoped
(``login_lookups``).
"""

import functools
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g
from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm import with_loader_criteria

from portal.extensions import db


@dataclass(frozen=True)
class Scope:
    org_id: int
    linked_org_ids: frozenset[int]
    all_orgs: bool = False

    @property
    def visible_org_ids(self) -> frozenset[int]:
        return self.linked_org_ids | {self.org_id}


def tenant_models() -> list[type]:
    return [
        m.class_
        for m in db.Model.registry.mappers
        if hasattr(m.class_, "tenant_criteria")
    ]


def scope_for(user) -> Scope:
    """Build the scope of ``user`` (unscoped query: the links decide visibility)."""
    from portal.models import AgentRequesterLink

    if user.is_association:
        return Scope(org_id=user.org_id, linked_org_ids=frozenset(), all_orgs=True)
    rows = db.session.execute(
        sa.select(AgentRequesterLink.agent_org_id, AgentRequesterLink.requester_org_id)
        .where(
            AgentRequesterLink.active.is_(True),
            sa.or_(
                AgentRequesterLink.agent_org_id == user.org_id,
                AgentRequesterLink.requester_org_id == user.org_id,
            ),
        )
        .execution_options(skip_tenant_scope=True)
    ).all()
    linked = {a if r == user.org_id else r for a, r in rows}
    return Scope(org_id=user.org_id, linked_org_ids=frozenset(linked))


def set_scope(scope: Scope | None) -> None:
    g.tenant_scope = scope


def current_scope() -> Scope | None:
    if not has_request_context():
        return None
    return g.get("tenant_scope")


@functools.lru_cache(maxsize=1024)
def _criteria_options(scope: Scope) -> tuple:
    """The loader criteria of ``scope``. Built once per scope and reused: a scope is an
    immutable value, the options are immutable SQL expressions, and building them for
    every query would cost more than many of the queries themselves."""
    return tuple(
        with_loader_criteria(model, model.tenant_criteria(scope), include_aliases=True)
        for model in tenant_models()
    )


@functools.lru_cache(maxsize=1)
def _deny_all() -> tuple:
    return tuple(with_loader_criteria(model, sa.false(), include_aliases=True)
                 for model in tenant_models())


@contextmanager
def login_lookups():
    """Lookups made while the session's user is loaded, before any scope exists."""
    before = g.get("tenant_login_machinery", False)
    g.tenant_login_machinery = True
    try:
        yield
    finally:
        g.tenant_login_machinery = before


def _add_tenant_criteria(execute_state) -> None:
    if not execute_state.is_select or execute_state.execution_options.get("skip_tenant_scope"):
        return
    if not has_request_context():
        return  # a job or a command: unscoped, working on ids that scoped code gave it
    scope = g.get("tenant_scope")
    if scope is None:
        if not g.get("tenant_login_machinery"):  # nobody logged in: no office's rows
            execute_state.statement = execute_state.statement.options(*_deny_all())
        return
    if scope.all_orgs:
        return
    execute_state.statement = execute_state.statement.options(*_criteria_options(scope))


def init_app(app) -> None:
    if not event.contains(Session, "do_orm_execute", _add_tenant_criteria):
        event.listen(Session, "do_orm_execute", _add_tenant_criteria)


def _audit_if_foreign(model, ident) -> None:
    """A row that exists but is another office's: the 404 stays (nothing is confirmed to
    the caller), and the probe is audited (S11). The request's own writes are dropped
    first, as the 404 would drop them anyway."""
    from flask import request

    from portal import audit

    table = model.__table__
    owner_columns = [table.c[name] for name in ("org_id", "agent_org_id", "requester_org_id")
                     if name in table.c] or [table.c.id]  # (an organisation owns itself)
    found = db.session.execute(sa.select(*owner_columns).where(table.c.id == ident)).first()
    if found is None:
        return
    if set(found) & g.tenant_scope.visible_org_ids:  # its own (a deleted application, say)
        return
    db.session.rollback()
    audit.record("access_denied", outcome="denied", target=request.path[:120],
                 reason=f"another organisation's {model.__tablename__} {ident}")
    db.session.commit()


def get_or_404(model, ident):
    """Load ``model`` by id through a scoped SELECT (never the identity map alone)."""
    from flask import abort

    row = db.session.scalar(sa.select(model).where(model.id == ident))
    if row is None:
        if has_request_context() and g.get("tenant_scope") is not None:
            _audit_if_foreign(model, ident)
        abort(404)
    return row
