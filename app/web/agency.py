"""Acting for someone: a relative or guardian for a principal, a member for an enterprise.

**Pages.** A relative or guardian, signed in, picks a principal.

The choice belongs to one web session (``Runtime.acting_person``, beside the session in
Redis, like the enterprise switcher) and is only a wish: every request checks again that an
authorization or guardianship naming this agent is active (``acting_principal``); revoked or
expired, the choice is forgotten and the request is the agent's own. While it holds, the
resident's own pages under ``/me/drafts`` and ``/me/applications`` work on the principal's
drafts and applications, each step passing ``AuthorizationService.require_agent`` for its
scope and bundle (404 otherwise): the same checklist as a field worker's ``AssistedDesk``.
Other pages of the resident's space stay the agent's own (``applicant()`` answers the agent
there), so nothing of the principal shows through them.

**Mini-program.** ``X-Acting-For: <id>`` on each request names either an enterprise the bearer
is an active member of or a person who has authorized them (a relative's authorization or a
guardianship), checked on every request by ``bearer_applicant``; anything else answers 404.
The operations then check the same scope and bundle as the pages (``require``), record the
act the same way, and list only what the authorization covers (``permitted``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar.connection import ASGIConnection

from app import errors
from app.applications.drafts import DraftService
from app.applications.states import Actor
from app.assist.authorizations import Agent, AuthorizationService
from app.assist.models import Scope
from app.composition.runtime import Runtime
from app.enterprises.service import EnterpriseService, MyEnterprise
from app.identity.models import Person
from app.identity.sessions import SESSION_COOKIE
from app.web.subjects import bearer_person, signed_in_person

_STATE_KEY = "acting_person"
_BEARER_KEY = "bearer_applicant"
ACTING_FOR_HEADER = "x-acting-for"
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
    method = str(connection.scope.get("method", "GET"))
    wanted = scope or scope_of(method, connection.url.path)
    step = note or f"{method} {connection.url.path}"
    await _require(connection, agency, bundle_code, wanted, step)


async def _require(
    connection: ASGIConnection[Any, Any, Any, Any], agency: Agency, bundle_code: str | None,
    scope: Scope, note: str,
) -> None:  # fmt: skip
    # In a transaction of its own: the use is on the authorization's record even when the
    # step it allowed is then refused for another reason.
    runtime: Runtime = connection.app.state.runtime
    async with runtime.sessionmaker() as db, db.begin():
        await AuthorizationService(db, catalog=runtime.catalog.catalog).require_agent(
            Agent.person(agency.agent.id), agency.principal.id, scope, bundle_code,
            note=note[:150],
        )  # fmt: skip


async def allowed_bundles(
    connection: ASGIConnection[Any, Any, Any, Any], scope: Scope
) -> set[str] | None:
    """Bundles the agent may act on for ``scope`` now; None when acting as oneself."""
    agency = await acting_principal(connection)
    if agency is None:
        return None
    return await _bundles(connection, agency, scope)


async def _bundles(
    connection: ASGIConnection[Any, Any, Any, Any], agency: Agency, scope: Scope
) -> set[str]:
    runtime: Runtime = connection.app.state.runtime
    async with runtime.sessionmaker() as db, db.begin():
        service = AuthorizationService(db, catalog=runtime.catalog.catalog)
        active = await service.active_for(Agent.person(agency.agent.id), agency.principal.id)
    return {b for a in active if str(scope) in a.scopes for b in a.bundles}


class Applicant(msgspec.Struct, frozen=True, kw_only=True):
    """Whom a mini-program request applies as.

    ``person`` owns the drafts and applications the request works on: the bearer, or the
    principal while the bearer acts for one (``agency``); ``enterprise`` is the enterprise a
    member acts for. At most one of the two is set.
    """

    person: Person
    enterprise: MyEnterprise | None = None
    agency: Agency | None = None

    @property
    def enterprise_id(self) -> UUID | None:
        """The enterprise's id, or None."""
        return self.enterprise.id if self.enterprise is not None else None

    @property
    def actor(self) -> Actor:
        """Who acts, as an application's history records it."""
        if self.agency is not None:
            return Actor.person_for_person(self.agency.agent.id, self.person.id)
        return Actor.applicant(self.person.id, self.enterprise_id)

    @property
    def agent_person_id(self) -> UUID | None:
        """The relative or guardian acting, or None."""
        return self.agency.agent.id if self.agency is not None else None


async def bearer_applicant(connection: ASGIConnection[Any, Any, Any, Any]) -> Applicant:
    """The mini-program request's applicant: the bearer, or whom ``X-Acting-For`` names.

    ``Unauthenticated`` without a live bearer token; ``NotFound`` when the header names
    neither an enterprise the bearer is an active member of now nor a person with an active
    authorization or guardianship naming the bearer (someone else's enterprise, a revoked or
    expired authorization, nobody, not an id), so every operation refuses alike and none can
    fall back to the bearer's own objects. Looked up once per request.
    """
    person = await bearer_person(connection)
    if person is None:
        raise errors.Unauthenticated
    state = connection.scope.setdefault("state", {})
    if _BEARER_KEY not in state:
        found = await _load_bearer(connection, person)
        state[_BEARER_KEY], state[_STATE_KEY] = found, found.agency
    applicant: Applicant = state[_BEARER_KEY]
    return applicant


async def _load_bearer(connection: ASGIConnection[Any, Any, Any, Any], person: Person) -> Applicant:
    raw = connection.headers.get(ACTING_FOR_HEADER, "").strip()
    if not raw:
        return Applicant(person=person)
    try:
        wanted = UUID(raw)
    except ValueError:
        raise errors.NotFound from None
    runtime: Runtime = connection.app.state.runtime
    async with runtime.sessionmaker() as db, db.begin():
        member = await EnterpriseService(db, protector=runtime.protector).membership(
            wanted, person.id
        )
        if member is not None:
            return Applicant(person=person, enterprise=member)
        service = AuthorizationService(db, catalog=runtime.catalog.catalog)
        active = await service.active_for(Agent.person(person.id), wanted)
        principal = await db.get(Person, wanted) if active else None
    if principal is None or not principal.is_active:
        raise errors.NotFound
    guardian = any(a.basis is not None for a in active)
    return Applicant(
        person=principal, agency=Agency(principal=principal, agent=person, guardian=guardian)
    )


async def request_agency(connection: ASGIConnection[Any, Any, Any, Any]) -> Agency | None:
    """Whom this request's signed-in agent acts for, in either channel (None: nobody)."""
    state = connection.scope.get("state", {})
    if _STATE_KEY in state:
        found: Agency | None = state[_STATE_KEY]
        return found
    if await bearer_person(connection) is None:
        return None
    return (await bearer_applicant(connection)).agency


async def require(
    connection: ASGIConnection[Any, Any, Any, Any], applicant: Applicant,
    bundle_code: str | None, scope: Scope, note: str,
) -> None:  # fmt: skip
    """An agent's act for the principal, checked and recorded as used (``NotFound`` if the
    authorization does not cover it); nothing when the applicant acts for no one."""
    if applicant.agency is not None:
        await _require(connection, applicant.agency, bundle_code, scope, note)


async def require_submit(
    connection: ASGIConnection[Any, Any, Any, Any], agency: Agency | None, drafts: DraftService,
    draft_id: UUID,
) -> None:  # fmt: skip
    """An agent's submission passes ``submit`` for the draft's service (``NotFound`` if not).

    A draft already submitted is a retry: the submission's key finds the application the
    agent made (keys are the acting person's own), so only the action is checked then.
    """
    if agency is None:
        return
    try:
        draft = await drafts.get(agency.principal, draft_id, enterprise_id=None)
    except errors.NotFound:
        bundle_code = None
    else:
        bundle_code = draft.bundle_code
    await _require(connection, agency, bundle_code, Scope.SUBMIT, f"draft {draft_id} submit")


async def permitted(
    connection: ASGIConnection[Any, Any, Any, Any], applicant: Applicant, scope: Scope
) -> set[str] | None:
    """The bundles an agent may act on for ``scope`` now; None when acting for no one."""
    if applicant.agency is None:
        return None
    return await _bundles(connection, applicant.agency, scope)
