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
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from app import errors
from app.composition.runtime import Runtime
from app.config import Environment
from app.staff.models import StaffRole
from app.web.agency import acting_principal
from app.web.subjects import acting_enterprise, bearer_person, signed_in_person, signed_in_staff

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
        # Fail closed; tests/integration/web/test_route_policy.py keeps this rare.
        raise errors.NotFound
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
        await acting_principal(connection)  # likewise: revocation or expiry is immediate
    if access is Access.DEVELOPMENT:
        runtime: Runtime = connection.app.state.runtime
        if runtime.settings.env is Environment.PRODUCTION:
            raise errors.NotFound
