"""Dependency providers of assisted service, on the request's database session."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.applications.context import CaseContext
from app.assist.acting import AssistedDesk
from app.assist.authorizations import AuthorizationService, ConfirmationCodes
from app.assist.guardians import Guardianships
from app.assist.in_person import InPersonChecks
from app.assist.qr_confirmation import QrConfirmations
from app.assist.relatives import Relatives
from app.composition.runtime import Runtime
from app.i18n import N_
from app.identity.models import Person
from app.records.service import RecordsService
from app.web.subjects import signed_in_staff


def provide_authorizations(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> AuthorizationService:
    """Authorizations on the request's session."""
    return AuthorizationService(db_session, catalog=runtime.catalog.catalog)


def provide_confirmation_codes(runtime: NamedDependency[Runtime]) -> ConfirmationCodes:
    """Codes that confirm an authorization, through the app's code service and SMS gateway."""
    return ConfirmationCodes(runtime.codes, runtime.sms)


async def provide_assisted_desk(
    request: Request[Any, Any, Any],
    cases: NamedDependency[CaseContext],
    runtime: NamedDependency[Runtime],
) -> AssistedDesk:
    """The signed-in field worker's desk (the route's guard already required one)."""
    staff = await signed_in_staff(request)
    if staff is None:
        raise errors.Unauthenticated
    return AssistedDesk(
        cases,
        agent=staff,
        records=RecordsService(cases.db, runtime.records, runtime.protector),
        max_bytes=runtime.settings.max_upload_bytes,
        max_pixels=runtime.settings.max_upload_pixels,
    )


def provide_qr_confirmations(runtime: NamedDependency[Runtime]) -> QrConfirmations:
    """The single-use tokens behind the tablet's confirmation QR, in the app's Redis."""
    return QrConfirmations(runtime.redis)


def provide_in_person_checks(
    cases: NamedDependency[CaseContext], runtime: NamedDependency[Runtime]
) -> InPersonChecks:
    """In-person confirmations (capture, supervisor's check) on the request's session."""
    return InPersonChecks(
        cases.db,
        authorizations=AuthorizationService(cases.db, catalog=cases.catalog, clock=cases.clock),
        storage=cases.storage,
        protector=cases.protector,
        max_bytes=runtime.settings.max_upload_bytes,
        max_pixels=runtime.settings.max_upload_pixels,
    )


def provide_relatives(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime],
    authorizations: NamedDependency[AuthorizationService],
) -> Relatives:  # fmt: skip
    """Relatives' authorizations on the request's session."""
    return Relatives(db_session, authorizations=authorizations, protector=runtime.protector)


def provide_guardianships(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime],
    authorizations: NamedDependency[AuthorizationService],
) -> Guardianships:  # fmt: skip
    """Guardianships on the request's session, reading the household register when proving."""
    return Guardianships(
        db_session, authorizations=authorizations,
        records=RecordsService(db_session, runtime.records, runtime.protector),
        protector=runtime.protector, storage=runtime.storage,
    )  # fmt: skip


# A grant lists an authorization on the principal's own page only when someone matched, so
# naming people is a (slow) way to learn who is a verified resident: bounded per person, on
# every channel alike.
NAMINGS_PER_DAY = 10

TOO_MANY_NAMINGS = N_(
    "You have named or asked for relatives too many times today. Please try again tomorrow."
)


async def count_naming(runtime: Runtime, person: Person) -> None:
    """One more naming of (or asking for) a relative today; 429 past ``NAMINGS_PER_DAY``."""
    await runtime.limiter.hit(f"relatives:{person.id}", limit=NAMINGS_PER_DAY,
                              window_seconds=86_400, message=TOO_MANY_NAMINGS)  # fmt: skip
