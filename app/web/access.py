"""Who may call what: every route declares ``opt={"access": ...}``; one guard enforces it.

The guard also finds who is signed in (if anyone) for every request, public pages
included, so templates can greet them. It fails closed: a route without a declared
access level answers 404 to everyone, and a test walks the route table so none ships.

Residents and staff are kept apart: a session knows which kind of subject it belongs to,
so a resident's session never satisfies a staff level and a staff session never
satisfies ``person``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from app import errors
from app.config import Environment
from app.enterprises.service import MyEnterprise
from app.identity.models import Person
from app.identity.sessions import SESSION_COOKIE, SubjectKind
from app.staff.models import Staff, StaffRole

if TYPE_CHECKING:
    from app.composition.runtime import Runtime

_SUBJECT_KEY = "signed_in"
_BEARER_KEY = "bearer_person"
_ACTING_KEY = "acting_enterprise"
PERSON_SIGN_IN_PATH = "/sign-in"
STAFF_SIGN_IN_PATH = "/staff/sign-in"


class Access(StrEnum):
    """Access levels a route can declare."""

    PUBLIC = "public"  # anyone, signed in or not
    PERSON = "person"  # a signed-in resident
    DEVELOPMENT = "development"  # developer tools; absent (404) in production
    BEARER_PERSON = "bearer-person"  # a resident through a mini-program's bearer token
    STAFF = "staff"  # any signed-in, active member of staff
    # One level per role, held by that role only: an administrator manages accounts but
    # does not review or supervise (separation of duties, 等保 三员分立).
    STAFF_WINDOW_CLERK = "staff:window_clerk"
    STAFF_REVIEWER = "staff:reviewer"
    STAFF_FIELD_WORKER = "staff:field_worker"
    STAFF_SUPERVISOR = "staff:supervisor"
    STAFF_ADMINISTRATOR = "staff:administrator"

    @property
    def is_staff(self) -> bool:
        """True for ``staff`` and every ``staff:<role>`` level."""
        return self.value == "staff" or self.value.startswith("staff:")

    @property
    def staff_role(self) -> StaffRole | None:
        """The one role a ``staff:<role>`` level admits (None for other levels)."""
        prefix, _, role = self.value.partition(":")
        return StaffRole(role) if prefix == "staff" and role else None


def access_of(handler: BaseRouteHandler) -> Access | None:
    """The access level a handler declares, or None when it declares none (or a bad one)."""
    value = handler.opt.get("access")
    try:
        return Access(value) if value is not None else None
    except ValueError:
        return None


def sign_in_path_for(access: Access | None) -> str:
    """Where an anonymous caller of a route with this level is sent to sign in."""
    return STAFF_SIGN_IN_PATH if access is not None and access.is_staff else PERSON_SIGN_IN_PATH


async def enforce_access(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The app's one guard."""
    access = access_of(handler)
    if access is None:
        raise errors.NotFound  # fail closed; tests/integration/test_route_policy.py keeps this rare
    if access is Access.BEARER_PERSON:
        if await bearer_person(connection) is None:
            raise errors.Unauthenticated
        return
    if access.is_staff:
        staff = await signed_in_staff(connection)
        if staff is None:
            raise errors.Unauthenticated
        if access.staff_role is not None and staff.role != access.staff_role:
            raise errors.Forbidden
        return
    person = await signed_in_person(connection)
    if access is Access.PERSON and person is None:
        raise errors.Unauthenticated
    if person is not None:
        await acting_enterprise(connection)  # re-checked on every request: removal is immediate
        from app.web.agency import acting_principal  # (agency imports this module)

        await acting_principal(connection)  # likewise: revocation or expiry is immediate
    if access is Access.DEVELOPMENT:
        runtime: Runtime = connection.app.state.runtime
        if runtime.settings.env is Environment.PRODUCTION:
            raise errors.NotFound


async def signed_in_person(connection: ASGIConnection[Any, Any, Any, Any]) -> Person | None:
    """The resident whose live session cookie came with this request."""
    subject = await _signed_in(connection)
    return subject if isinstance(subject, Person) else None


async def signed_in_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> Staff | None:
    """The member of staff whose live session cookie came with this request."""
    subject = await _signed_in(connection)
    return subject if isinstance(subject, Staff) else None


async def _signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> Person | Staff | None:
    # Looked up once per request, whichever of the two functions asks first.
    state = connection.scope.setdefault("state", {})
    if _SUBJECT_KEY not in state:
        state[_SUBJECT_KEY] = await _load_subject(connection)
    found: Person | Staff | None = state[_SUBJECT_KEY]
    return found


async def _load_subject(connection: ASGIConnection[Any, Any, Any, Any]) -> Person | Staff | None:
    token = connection.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    runtime: Runtime = connection.app.state.runtime
    session = await runtime.sessions.load(token)
    if session is None:
        return None
    subject: Person | Staff | None
    async with runtime.sessionmaker() as db:
        if session.subject_kind is SubjectKind.STAFF:
            subject = await db.get(Staff, session.subject_id)
        else:
            subject = await db.get(Person, session.subject_id)
    # A disabled account or a later "sign out everywhere" ends this session on its next use.
    if subject is None or not subject.is_active or subject.session_epoch != session.epoch:
        await runtime.sessions.end(token)
        return None
    return subject


async def bearer_person(connection: ASGIConnection[Any, Any, Any, Any]) -> Person | None:
    """The person behind this request's ``Authorization: Bearer`` token (looked up once).

    Only the header counts: the mini-program API takes no cookies, so it needs no CSRF.
    """
    state = connection.scope.setdefault("state", {})
    if _BEARER_KEY not in state:
        state[_BEARER_KEY] = await _load_bearer_person(connection)
    found: Person | None = state[_BEARER_KEY]
    return found


async def _load_bearer_person(connection: ASGIConnection[Any, Any, Any, Any]) -> Person | None:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    runtime: Runtime = connection.app.state.runtime
    try:
        grant = await runtime.tokens.check_access(token.strip())
    except errors.Unauthenticated:
        return None
    async with runtime.sessionmaker() as db:
        person = await db.get(Person, grant.person_id)
    if person is None or not person.is_active or person.session_epoch != grant.epoch:
        return None
    return person


async def acting_enterprise(connection: ASGIConnection[Any, Any, Any, Any]) -> MyEnterprise | None:
    """The enterprise the signed-in person acts for in this request; None: as themself.

    Looked up once per request, and only while the membership is still active.
    """
    state = connection.scope.setdefault("state", {})
    if _ACTING_KEY not in state:
        state[_ACTING_KEY] = await _load_acting(connection)
    found: MyEnterprise | None = state[_ACTING_KEY]
    return found


async def _load_acting(connection: ASGIConnection[Any, Any, Any, Any]) -> MyEnterprise | None:
    person = await signed_in_person(connection)
    token = connection.cookies.get(SESSION_COOKIE)
    if person is None or not token:
        return None
    runtime: Runtime = connection.app.state.runtime
    return await runtime.acting.verified(
        runtime.sessions.key_of(token), person.id, runtime.sessionmaker, runtime.protector
    )


def identity_so_far(
    connection: ASGIConnection[Any, Any, Any, Any],
) -> tuple[bool, MyEnterprise | None]:
    """Whether a person is signed in, and whom they act for, as the guard found them.

    No I/O: for templates, which cannot await. Both are unknown (False, None) before the guard.
    """
    state = connection.scope.get("state", {})
    return isinstance(state.get(_SUBJECT_KEY), Person), state.get(_ACTING_KEY)
