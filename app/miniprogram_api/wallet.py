"""``/mp/v1/licenses``: my e-licenses (电子证照) and their QR cards, as the 证照 pages show them.

Whose: the person's own, or — with ``X-Acting-For`` — the enterprise's (企业数字名片); another
holder's license answers 404. A card is signed by the same service as the card page
(``WalletService.present``): the answer carries the token, the link a phone camera opens and
when it expires (``ONETHING_CARD_LIFETIME_SECONDS``); the mini-program draws the QR of
``url`` itself and asks for a new card before ``expiresAt``.

A verifier's mini-program, after ``wx.scanCode``, posts the token (what follows ``/v/`` in
the scanned link) to the public ``POST /verify``: one verifier for cameras, systems and
mini-programs, no sign-in, only the disclosed fields.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body, FromPath

from app.composition.runtime import Runtime
from app.miniprogram_api.contract import ACTING_FOR
from app.wallet.service import WalletService
from app.wallet.views import LicenseView, license_view, verification_rows
from app.web.access import Access
from app.web.providers.wallet import bearer_holder, provide_wallet, public_base_url


class LicenseFieldBody(msgspec.Struct, kw_only=True, rename="camel"):
    """One field of a license (ID and phone numbers masked)."""

    key: str
    label: str
    value: str


class CardCheckBody(msgspec.Struct, kw_only=True, rename="camel"):
    """One check of a card of this license: when, the verdict, a coarse kind of device."""

    at: datetime
    outcome: str
    client: str


class LicenseBody(msgspec.Struct, kw_only=True, rename="camel"):
    """An e-license as its holder sees it."""

    id: UUID
    license_type: str
    title: str
    holder_name: str
    issuer: str
    number: str
    status: str
    status_label: str
    valid_from: date | None
    valid_until: date | None
    revocation_reason: str | None
    for_enterprise: bool
    fields: list[LicenseFieldBody]
    checks: list[CardCheckBody] | None = None  # in the detail only


class LicenseList(msgspec.Struct, kw_only=True, rename="camel"):
    """My licenses (or the enterprise's), the newest first, revoked and expired included."""

    licenses: list[LicenseBody]


class CardCreate(msgspec.Struct, kw_only=True, rename="camel"):
    """Which fields the card shows (keys of the license's ``fields``); type, issuer and
    validity are always on it."""

    fields: Annotated[list[str], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)


class CardBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A signed QR card: draw ``url`` as a QR code; it verifies until ``expiresAt``."""

    token: str
    url: str
    expires_at: int  # epoch seconds
    lifetime_seconds: int
    disclosed: list[str]


def license_body(view: LicenseView, checks: list[CardCheckBody] | None = None) -> LicenseBody:
    """A license as the API answers it (``checks`` in the detail only)."""
    return LicenseBody(
        id=view.id, license_type=view.license_type, title=view.title,
        holder_name=view.holder_name, issuer=view.issuer, number=view.number,
        status=str(view.status), status_label=view.status_label, valid_from=view.valid_from,
        valid_until=view.valid_until, revocation_reason=view.revocation_reason,
        for_enterprise=view.for_enterprise,
        fields=[LicenseFieldBody(key=f.key, label=f.label, value=f.value) for f in view.fields],
        checks=checks,
    )  # fmt: skip


class LicenseApi(Controller):
    """My wallet through the mini-program."""

    parameters = ACTING_FOR  # documents (and checks) the header the handlers honour

    path = "/licenses"
    tags = ["mini-program: wallet"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {"wallet": Provide(provide_wallet, sync_to_thread=False)}  # noqa: RUF012

    @get("/")
    async def mine(
        self, request: Request[Any, Any, Any], wallet: NamedDependency[WalletService]
    ) -> LicenseList:
        """My licenses, or the enterprise's while acting for it."""
        found = await wallet.list_for(await bearer_holder(request))
        departments = await wallet.departments()
        return LicenseList(licenses=[
            license_body(license_view(f, wallet.license_types, departments)) for f in found
        ])  # fmt: skip

    @get("/{license_id:uuid}")
    async def one(
        self, request: Request[Any, Any, Any], license_id: FromPath[UUID],
        wallet: NamedDependency[WalletService],
    ) -> LicenseBody:  # fmt: skip
        """One license with its fields, and who checked its cards (someone else's: 404)."""
        holder = await bearer_holder(request)
        found = await wallet.get_for(holder, license_id)
        view = license_view(found, wallet.license_types, await wallet.departments())
        checks = [
            CardCheckBody(at=datetime.fromtimestamp(row.at, tz=UTC), outcome=row.outcome,
                          client=row.client)
            for row in verification_rows(await wallet.verifications_for(holder, license_id))
        ]  # fmt: skip
        return license_body(view, checks)

    @post("/{license_id:uuid}/cards", status_code=201)
    async def card(
        self, request: Request[Any, Any, Any], license_id: FromPath[UUID],
        data: Annotated[CardCreate, Body()], wallet: NamedDependency[WalletService],
        runtime: NamedDependency[Runtime],
    ) -> CardBody:  # fmt: skip
        """Sign a short-lived card showing only the chosen fields (422 for a field it lacks)."""
        lifetime = runtime.settings.card_lifetime_seconds
        card = await wallet.present(await bearer_holder(request), license_id, data.fields,
                                    lifetime_seconds=lifetime)  # fmt: skip
        return CardBody(
            token=card.token, url=f"{public_base_url(request, runtime)}/v/{card.token}",
            expires_at=card.expires_at, lifetime_seconds=lifetime, disclosed=card.disclosed,
        )  # fmt: skip
