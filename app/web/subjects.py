"""Who this request comes from: the signed-in resident or member of staff, a mini-program's
bearer, and the enterprise a resident acts for on the pages (the mini-program's
``X-Acting-For`` is resolved in ``app.web.agency``). Each is looked up once per request and kept
in the request's state, where templates find it without I/O (``identity_so_far``).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection

from app import errors
from app.composition.runtime import Runtime
from app.enterprises.service import MyEnterprise
from app.identity.models import Person
from app.identity.sessions import SESSION_COOKIE, SessionStore, SubjectKind
from app.staff.models import Staff

_SUBJECT_KEY = "signed_in"
_BEARER_KEY = "bearer_person"
_ACTING_KEY = "acting_enterprise"


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


async def required_bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> Person:
    """``bearer_person`` on an operation whose guard already required one."""
    person = await bearer_person(connection)
    if person is None:
        raise errors.Unauthenticated
    return person


def bearer_key(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """A key of this request's bearer token, as a session cookie's is (``SessionStore.key_of``):
    what holds a re-authentication to the one sign-in that proved it. Never the token itself.
    """
    _, _, token = connection.headers.get("authorization", "").partition(" ")
    # Prefixed, so that it can never be taken for a web session's key.
    return "mp:" + SessionStore.key_of(token.strip()) if token.strip() else ""


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


async def current_person(request: Request[Any, Any, Any]) -> Person:
    """The signed-in person of a route whose guard has already required one.

    The page channels provide it as the ``person`` dependency.
    """
    person = await signed_in_person(request)
    if person is None:
        raise errors.Unauthenticated
    return person


async def current_staff(request: Request[Any, Any, Any]) -> Staff:
    """The signed-in member of staff on a route whose guard already required one.

    The staff and field channels provide it as the ``staff`` dependency.
    """
    staff = await signed_in_staff(request)
    if staff is None:
        raise errors.Unauthenticated
    return staff
