"""The holder's licenses and QR cards (``/me/licenses/...``); the list itself is the 证照 tab.

Whose licenses: the person's own, or — while they act for an enterprise — the enterprise's
(企业数字名片). Another holder's license answers 404, as a missing one does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import anyio
from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.response import Response, Template
from markupsafe import Markup

from app.composition.runtime import Runtime
from app.i18n import gettext as _
from app.wallet.rendering import qr_svg, render_png, render_svg
from app.wallet.service import CHINA, Card, Holder, WalletService
from app.wallet.views import LicenseView, card_face, license_view, verification_rows
from app.web.access import Access
from app.web.providers.wallet import provide_wallet, public_base_url, required_holder

Disclose = Annotated[list[str] | None, QueryParameter(name="f", required=False)]

_NO_STORE = {"Cache-Control": "no-store"}


class WalletController(Controller):
    """A license's page, its card page, the card's QR fragment and its PNG and SVG images."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012 (Litestar reads it as a class attribute)
    dependencies = {"wallet": Provide(provide_wallet, sync_to_thread=False)}  # noqa: RUF012

    @get("/me/licenses/{license_id:uuid}", name="license")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        license_id: FromPath[UUID],
        wallet: NamedDependency[WalletService],
    ) -> Template:
        """A license's fields, status and validity; choose what a card shows; who checked it."""
        holder = await required_holder(request)
        view = await _view(wallet, holder, license_id)
        return Template(
            template_name="wallet/license.html",
            context={
                "tab": "wallet",
                "license": view,
                "verifications": verification_rows(
                    await wallet.verifications_for(holder, license_id)
                ),
            },
        )

    @get("/me/licenses/{license_id:uuid}/card", name="license-card")
    async def card(
        self,
        request: Request[Any, Any, Any],
        license_id: FromPath[UUID],
        wallet: NamedDependency[WalletService],
        runtime: NamedDependency[Runtime],
        f: Disclose = None,
    ) -> Template:
        """The card page: the license's look and a QR refreshed before it expires."""
        context = await _card_context(request, wallet, runtime, license_id, f or [])
        return Template(template_name="wallet/card.html", context=context, headers=_NO_STORE)

    @get("/me/licenses/{license_id:uuid}/card/qr", name="license-card-qr")
    async def card_qr(
        self,
        request: Request[Any, Any, Any],
        license_id: FromPath[UUID],
        wallet: NamedDependency[WalletService],
        runtime: NamedDependency[Runtime],
        f: Disclose = None,
    ) -> Template:
        """A fresh QR for the card page (htmx polls this before the shown one expires)."""
        context = await _card_context(request, wallet, runtime, license_id, f or [])
        return Template(template_name="wallet/_qr.html", context=context, headers=_NO_STORE)

    @get("/me/licenses/{license_id:uuid}/card.png", name="license-card-png")
    async def card_png(
        self,
        request: Request[Any, Any, Any],
        license_id: FromPath[UUID],
        wallet: NamedDependency[WalletService],
        runtime: NamedDependency[Runtime],
        f: Disclose = None,
    ) -> Response[bytes]:
        """The card as a PNG image, drawn off the event loop."""
        context = await _card_context(request, wallet, runtime, license_id, f or [])
        face = card_face(context["license"], context["url"], context["expiry_clock"])
        png = await anyio.to_thread.run_sync(render_png, face)
        return Response(png, media_type="image/png", headers=_NO_STORE)

    @get("/me/licenses/{license_id:uuid}/card.svg", name="license-card-svg")
    async def card_svg(
        self,
        request: Request[Any, Any, Any],
        license_id: FromPath[UUID],
        wallet: NamedDependency[WalletService],
        runtime: NamedDependency[Runtime],
        f: Disclose = None,
    ) -> Response[str]:
        """The card as an SVG image."""
        context = await _card_context(request, wallet, runtime, license_id, f or [])
        face = card_face(context["license"], context["url"], context["expiry_clock"])
        return Response(render_svg(face), media_type="image/svg+xml", headers=_NO_STORE)


async def _view(wallet: WalletService, holder: Holder, license_id: UUID) -> LicenseView:
    found = await wallet.get_for(holder, license_id)
    return license_view(found, wallet.license_types, await wallet.departments())


async def _card_context(
    request: Request[Any, Any, Any],
    wallet: WalletService,
    runtime: Runtime,
    license_id: UUID,
    disclose: list[str],
) -> dict[str, Any]:
    holder = await required_holder(request)
    view = await _view(wallet, holder, license_id)
    lifetime = runtime.settings.card_lifetime_seconds
    card: Card = await wallet.present(holder, license_id, disclose, lifetime_seconds=lifetime)
    url = f"{public_base_url(request, runtime)}/v/{card.token}"
    query = urlencode([("f", key) for key in card.disclosed])
    return {
        "tab": "wallet",
        "license": view,
        "card": card,
        "url": url,
        "query": query,
        "qr": Markup(qr_svg(url, label=_("QR code to verify this card"))),  # noqa: S704 (built from escaped parts)
        "disclosed": [field for field in view.fields if field.key in card.disclosed],
        "expiry_clock": datetime.fromtimestamp(card.expires_at, tz=CHINA).strftime("%H:%M:%S"),
        # Refreshed a little before it expires, so the code on screen always scans.
        "refresh_seconds": max(5, lifetime - 10),
    }
