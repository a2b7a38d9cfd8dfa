"""Wallet dependency providers; whose wallet a request sees; where QR links point."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.composition.runtime import Runtime
from app.wallet.service import Holder, WalletService
from app.wallet.verifier import VerifierService
from app.web.agency import bearer_applicant
from app.web.subjects import acting_enterprise, signed_in_person


def provide_wallet(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> WalletService:
    """The wallet service on the request's database session."""
    return WalletService(
        db_session, protector=runtime.protector, license_types=runtime.catalog.licenses
    )


def provide_verifier(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> VerifierService:
    """The public verifier on the request's database session."""
    return VerifierService(
        db_session, protector=runtime.protector, license_types=runtime.catalog.licenses
    )


async def current_holder(request: Request[Any, Any, Any]) -> Holder | None:
    """Whose wallet this request sees: the enterprise acted for, else the person; None: nobody.

    The acting enterprise is re-checked by the access guard on every request, so a removed
    agent sees their own wallet from their very next request.
    """
    person = await signed_in_person(request)
    if person is None:
        return None
    acting = await acting_enterprise(request)
    return Holder.enterprise(acting.id) if acting else Holder.person(person.id)


async def required_holder(request: Request[Any, Any, Any]) -> Holder:
    """``current_holder`` on routes whose guard already requires a signed-in person."""
    holder = await current_holder(request)
    if holder is None:
        raise errors.Unauthenticated
    return holder


def public_base_url(request: Request[Any, Any, Any], runtime: Runtime) -> str:
    """Where QR links point: the configured public address, else this request's own."""
    settings = runtime.settings
    base = settings.public_base_url or settings.passkey_origin
    return (base or f"{request.url.scheme}://{request.url.netloc}").rstrip("/")


async def bearer_holder(request: Request[Any, Any, Any]) -> Holder:
    """Whose wallet a mini-program request sees: the enterprise ``X-Acting-For`` names (an
    active membership, else 404), else the bearer person.

    A relative's or guardian's authorization covers preparing and following applications,
    not the principal's wallet (as on the pages): naming a principal here answers 404.
    """
    applicant = await bearer_applicant(request)
    if applicant.agency is not None:
        raise errors.NotFound
    if applicant.enterprise is not None:
        return Holder.enterprise(applicant.enterprise.id)
    return Holder.person(applicant.person.id)
