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
from app.assist.in_person import InPersonChecks
from app.assist.qr_confirmation import QrConfirmations
from app.composition.runtime import Runtime
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
