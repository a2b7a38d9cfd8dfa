"""The two confirmations at a visit beside the texted code: the QR and in person.

QR: the tablet shows a QR of a single-use URL; the resident opens it on their own phone,
signed in, and confirms there (``app.routes.resident.authorizations``); the tablet polls the
authorization and reloads the visit once it is confirmed. In person: the resident signs on
the tablet and the worker photographs the ID card; a supervisor checks later
(``app.routes.staff.in_person_checks``). Both need a connection.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template
from markupsafe import Markup

from app import errors
from app.assist.acting import AssistedDesk
from app.assist.in_person import InPersonChecks
from app.assist.qr_confirmation import TTL_SECONDS, QrConfirmations
from app.composition.runtime import Runtime
from app.i18n import gettext as _
from app.routes.field.visits import FIELD_DEPENDENCIES, visit_page, visit_url
from app.routes.shared.pages import NO_STORE, VISITS
from app.wallet.rendering import qr_svg
from app.web.access import Access
from app.web.providers.assist import provide_in_person_checks, provide_qr_confirmations
from app.web.providers.wallet import public_base_url

AUTHORIZATION = f"{VISITS}/{{visit_id:uuid}}/authorizations/{{authorization_id:uuid}}"


def scan_url(base: str, token: str) -> str:
    """What the confirmation QR holds: the resident's page for this token, nothing else."""
    return f"{base}/me/authorizations/scan/{token}"


class InPersonForm(msgspec.Struct, kw_only=True):
    """The signature pad's PNG and the photo of the ID card; either may be missing (the
    service says which), and an empty file input arrives as none."""

    signature: UploadFile | None = None
    id_photo: UploadFile | None = None


async def _content(file: UploadFile | None) -> bytes:
    return await file.read() if file is not None else b""


class FieldConfirmationController(Controller):
    """QR and in-person confirmation of an authorization, on the worker's tablet."""

    include_in_schema = False
    opt = {"access": Access.STAFF_FIELD_WORKER}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        **FIELD_DEPENDENCIES,
        "qr_tokens": Provide(provide_qr_confirmations, sync_to_thread=False),
        "checks": Provide(provide_in_person_checks, sync_to_thread=False),
    }

    @post(f"{AUTHORIZATION}/qr")
    async def show_qr(
        self, request: Request[Any, Any, Any], visit_id: FromPath[UUID],
        authorization_id: FromPath[UUID], desk: NamedDependency[AssistedDesk],
        qr_tokens: NamedDependency[QrConfirmations], runtime: NamedDependency[Runtime],
    ) -> Template:  # fmt: skip
        """A fresh QR for the resident to scan with their own phone (valid 10 minutes, once)."""
        await desk.resident(visit_id)
        token = await qr_tokens.issue(desk.authorizations, desk.agent, authorization_id)
        url = scan_url(public_base_url(request, runtime), token)
        label = _("QR code: confirm the authorization on your own phone")
        qr = {
            "authorization_id": authorization_id,
            "url": url,
            "svg": Markup(qr_svg(url, label=label, size=260)),  # noqa: S704 (built from escaped parts)
            "minutes": TTL_SECONDS // 60,
        }
        return await visit_page(desk, visit_id, qr=qr)

    @get(f"{AUTHORIZATION}/status")
    async def status(
        self, visit_id: FromPath[UUID], authorization_id: FromPath[UUID],
        desk: NamedDependency[AssistedDesk],
    ) -> Template | ClientRedirect:  # fmt: skip
        """Polled by the QR's panel: still waiting, or (confirmed) reload the visit."""
        _, person = await desk.resident(visit_id)
        mine = await desk.authorizations.of_agent(desk.agent, person.id)
        authorization = next((a for a in mine if a.id == authorization_id), None)
        if authorization is None:
            raise errors.NotFound
        if authorization.confirmed_at is not None or authorization.revoked_at is not None:
            return ClientRedirect(visit_url(visit_id))
        return Template(template_name="assist/_qr_waiting.html", headers=NO_STORE)

    @post(f"{AUTHORIZATION}/in-person", status_code=303)
    async def in_person(
        self, visit_id: FromPath[UUID], authorization_id: FromPath[UUID],
        data: Annotated[InPersonForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        desk: NamedDependency[AssistedDesk], checks: NamedDependency[InPersonChecks],
    ) -> Redirect | Template:  # fmt: skip
        """The resident's signature and a photo of their ID card: confirmed, check pending."""
        await desk.resident(visit_id)
        try:
            await checks.capture(
                desk.agent, authorization_id, signature=await _content(data.signature),
                id_photo=await _content(data.id_photo),
            )  # fmt: skip
        except errors.RuleViolation as exc:
            return await visit_page(desk, visit_id, 422, errors=exc.fields,
                                    in_person_for=authorization_id)  # fmt: skip
        return Redirect(visit_url(visit_id), status_code=303)
