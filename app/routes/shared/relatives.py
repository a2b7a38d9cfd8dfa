"""Relatives' and guardianships' services for the pages (resident and staff channels)."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from app.assist.authorizations import AuthorizationService
from app.assist.guardians import Guardianships
from app.assist.relatives import Relatives
from app.composition.runtime import Runtime
from app.records.service import RecordsService
from app.web.providers.assist import provide_authorizations, provide_confirmation_codes

ACTING = "/me/acting-for"

MINE = "/me/authorizations"

STAFF = "/staff/guardianships"


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


DEPENDENCIES = {
    "authorizations": Provide(provide_authorizations, sync_to_thread=False),
    "relatives": Provide(provide_relatives, sync_to_thread=False),
    "guardianships": Provide(provide_guardianships, sync_to_thread=False),
    "codes": Provide(provide_confirmation_codes, sync_to_thread=False),
}
