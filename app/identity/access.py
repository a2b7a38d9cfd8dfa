"""Who may call what: every route declares ``opt={"access": ...}``; one guard enforces it.

The guard also finds the signed-in person (if any) for every request, public pages
included, so templates can greet them. It fails closed: a route without a declared
access level answers 404 to everyone, and a test walks the route table so none ships.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from app import errors
from app.config import Environment
from app.identity.models import Person
from app.identity.sessions import SESSION_COOKIE

if TYPE_CHECKING:
    from app.runtime import Runtime

_PERSON_KEY = "person"


class Access(StrEnum):
    """Access levels a route can declare."""

    PUBLIC = "public"  # anyone, signed in or not
    PERSON = "person"  # a signed-in resident
    DEVELOPMENT = "development"  # developer tools; absent (404) in production


def access_of(handler: BaseRouteHandler) -> Access | None:
    """The access level a handler declares, or None when it declares none (or a bad one)."""
    value = handler.opt.get("access")
    try:
        return Access(value) if value is not None else None
    except ValueError:
        return None


async def enforce_access(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The app's one guard."""
    access = access_of(handler)
    if access is None:
        raise errors.NotFound  # fail closed; tests/integration/test_route_policy.py keeps this rare
    person = await signed_in_person(connection)
    if access is Access.PERSON and person is None:
        raise errors.Unauthenticated
    if access is Access.DEVELOPMENT:
        runtime: Runtime = connection.app.state.runtime
        if runtime.settings.env is Environment.PRODUCTION:
            raise errors.NotFound


async def signed_in_person(connection: ASGIConnection[Any, Any, Any, Any]) -> Person | None:
    """The person whose live session cookie came with this request (looked up once)."""
    state = connection.scope.setdefault("state", {})
    if _PERSON_KEY in state:
        found: Person | None = state[_PERSON_KEY]
        return found
    state[_PERSON_KEY] = await _load_person(connection)
    return state[_PERSON_KEY]  # type: ignore[no-any-return]


async def _load_person(connection: ASGIConnection[Any, Any, Any, Any]) -> Person | None:
    token = connection.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    runtime: Runtime = connection.app.state.runtime
    session = await runtime.sessions.load(token)
    if session is None:
        return None
    async with runtime.sessionmaker() as db:
        person = await db.get(Person, session.person_id)
    # A disabled account or a later "sign out everywhere" ends this session on its next use.
    if person is None or not person.is_active or person.session_epoch != session.epoch:
        await runtime.sessions.end(token)
        return None
    return person
