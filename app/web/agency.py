"""Acting for a person in the web flow: a relative or guardian, signed in, picks a principal.

The choice belongs to one web session (``Runtime.acting_person``, beside the session in
Redis, like the enterprise switcher) and is only a wish: every request checks again that an
authorization or guardianship naming this agent is active (``acting_principal``); revoked or
expired, the choice is forgotten and the request is the agent's own. While it holds, the
resident's own pages under ``/me/drafts`` and ``/me/applications`` work on the principal's
drafts and applications, each step passing ``AuthorizationService.require_agent`` for its
scope and bundle (404 otherwise): the same checklist as a field worker's ``AssistedDesk``.
Other pages of the resident's space stay the agent's own (``applicant()`` answers the agent
there), so nothing of the principal shows through them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar.connection import ASGIConnection

from app.assist.authorizations import Agent, AuthorizationService
from app.assist.models import Scope
from app.composition.runtime import Runtime
from app.identity.models import Person
from app.identity.sessions import SESSION_COOKIE
from app.web.subjects import signed_in_person

_STATE_KEY = "acting_person"
ACTED_PATHS = ("/me/drafts", "/me/applications")


class Agency(msgspec.Struct, frozen=True, kw_only=True):
    """The signed-in agent acts for the principal in this request."""

    principal: Person
    agent: Person
    guardian: bool  # under a guardianship rather than an authorization


def agency_so_far(connection: ASGIConnection[Any, Any, Any, Any]) -> Agency | None:
    """The agency the guard found for this request (no I/O: for providers and templates)."""
    found: Agency | None = connection.scope.get("state", {}).get(_STATE_KEY)
    return found


async def acting_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Agency | None:
    """The person the signed-in agent acts for in this request; None: as themself."""
    state = connection.scope.setdefault("state", {})
    if _STATE_KEY not in state:
        state[_STATE_KEY] = await _load(connection)
    found: Agency | None = state[_STATE_KEY]
    return found


async def _load(connection: ASGIConnection[Any, Any, Any, Any]) -> Agency | None:
    person = await signed_in_person(connection)
    token = connection.cookies.get(SESSION_COOKIE)
    if person is None or not token:
        return None
    runtime: Runtime = connection.app.state.runtime
    key = runtime.sessions.key_of(token)
    principal_id = await runtime.acting_person.get(key)
    if principal_id is None:
        return None
    async with runtime.sessionmaker() as db, db.begin():
        service = AuthorizationService(db, catalog=runtime.catalog.catalog)
        active = await service.active_for(Agent.person(person.id), principal_id)
        principal = await db.get(Person, principal_id)
    if not active or principal is None or not principal.is_active:
        await runtime.acting_person.set(key, None)  # revoked or expired: forgotten at once
        return None
    return Agency(
        principal=principal, agent=person, guardian=any(a.basis is not None for a in active)
    )


async def choose(connection: ASGIConnection[Any, Any, Any, Any], principal_id: UUID | None) -> None:
    """Act for ``principal_id`` from the next request on (None: as oneself).

    The caller checked that an active authorization names the signed-in person.
    """
    runtime: Runtime = connection.app.state.runtime
    key = runtime.sessions.key_of(connection.cookies.get(SESSION_COOKIE, ""))
    await runtime.acting_person.set(key, principal_id)
    if principal_id is not None:
        await runtime.acting.set(key, None)  # one principal at a time: not an enterprise too


def scope_of(method: str, path: str) -> Scope:
    """The action a request under ``ACTED_PATHS`` takes for the principal."""
    if path.startswith("/me/applications"):
        if method == "GET" and path != "/me/applications/new":
            return Scope.VIEW_RESULTS
        return Scope.SUBMIT
    if method == "POST" and path.endswith("/consent"):
        return Scope.CONSENT
    return Scope.PREPARE


async def act(
    connection: ASGIConnection[Any, Any, Any, Any], bundle_code: str | None, *,
    scope: Scope | None = None, note: str = "",
) -> None:  # fmt: skip
    """Check (and record as used) this request's act for the principal; ``NotFound`` if none.

    Nothing happens when the request is the signed-in person's own.
    """
    agency = await acting_principal(connection)
    if agency is None:
        return
    runtime: Runtime = connection.app.state.runtime
    method = str(connection.scope.get("method", "GET"))
    wanted = scope or scope_of(method, connection.url.path)
    step = note or f"{method} {connection.url.path}"
    async with runtime.sessionmaker() as db, db.begin():
        await AuthorizationService(db, catalog=runtime.catalog.catalog).require_agent(
            Agent.person(agency.agent.id), agency.principal.id, wanted, bundle_code,
            note=step[:150],
        )  # fmt: skip


async def allowed_bundles(
    connection: ASGIConnection[Any, Any, Any, Any], scope: Scope
) -> set[str] | None:
    """Bundles the agent may act on for ``scope`` now; None when acting as oneself."""
    agency = await acting_principal(connection)
    if agency is None:
        return None
    runtime: Runtime = connection.app.state.runtime
    async with runtime.sessionmaker() as db, db.begin():
        service = AuthorizationService(db, catalog=runtime.catalog.catalog)
        active = await service.active_for(Agent.person(agency.agent.id), agency.principal.id)
    return {b for a in active if str(scope) in a.scopes for b in a.bundles}
