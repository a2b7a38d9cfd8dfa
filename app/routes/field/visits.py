"""Field staff on tablets (上门办): today's visits, one visit, its authorization and L3 check.

Every page of a visit finds it through the worker's own visits (404 otherwise); what the
worker may do for the resident comes from ``AssistedDesk``, which checks the authorization
on each request. The draft steps of a visit are in ``app.routes.field.drafts``.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template
from markupsafe import Markup

from app import errors
from app.applications.context import CaseContext
from app.assist.acting import AssistedDesk
from app.assist.assignment import Dispatch
from app.assist.authorizations import AuthorizationRequest, ConfirmationCodes
from app.assist.models import Scope
from app.assist.requests import VisitRequestService
from app.composition.runtime import Runtime
from app.config import PROJECT_ROOT
from app.i18n import gettext as _
from app.records.sources import SubjectKind
from app.routes.shared.pages import VISITS, FormBody, Repeated, assist_page, repeated
from app.wallet.rendering import qr_svg
from app.web.access import Access
from app.web.providers.applications import provide_case_context
from app.web.providers.assist import provide_assisted_desk, provide_confirmation_codes
from app.web.providers.wallet import public_base_url
from app.web.requests import client_ip

TABLET_WORKER = PROJECT_ROOT / "assets" / "js" / "tablet-sw.js"

FIELD_DEPENDENCIES = {
    "cases": Provide(provide_case_context, sync_to_thread=False),
    "desk": Provide(provide_assisted_desk),
    "codes": Provide(provide_confirmation_codes, sync_to_thread=False),
}


class ProposalForm(msgspec.Struct, kw_only=True):
    """An authorization to propose: the bundles and scopes ticked, for how many days (not a
    number counts as none; the service then says what is wrong)."""

    bundles: Repeated = msgspec.field(default_factory=list)
    scopes: Repeated = msgspec.field(default_factory=list)
    days: str = ""


class CodeForm(msgspec.Struct, kw_only=True):
    """The code the resident reads from their phone."""

    code: str = ""


class IdentityForm(msgspec.Struct, kw_only=True):
    """The ID card number the worker typed from the card."""

    id_number: str = ""


def visit_url(visit_id: UUID) -> str:
    """The page of one visit."""
    return f"{VISITS}/{visit_id}"


async def visit_page(
    desk: AssistedDesk, visit_id: UUID, status: int = 200, **context: Any
) -> Template:
    """The visit: the resident, the worker's authorizations, and what they allow now."""
    visit, person = await desk.resident(visit_id)
    catalog = desk.drafts.catalog
    drafts = await desk.open_drafts(visit_id)
    authorizations = await desk.authorizations.of_agent(desk.agent, person.id)
    return assist_page(
        "visit", status,
        card=await desk.visits.card(visit),
        asked=await desk.visit_request(visit_id),
        authorizations=authorizations,
        awaiting_check=await desk.authorizations.awaiting_check([a.id for a in authorizations]),
        now=desk.authorizations.now(),
        preparable=sorted(await desk.allowed_bundles(person, Scope.PREPARE)),
        drafts=drafts,
        keep=[f"{visit_url(visit_id)}/drafts/{d.id}" for d in drafts],
        applications=await desk.applications(visit_id),
        bundles=[b for b in catalog.bundles.values()
                 if b.modelled and b.audience is SubjectKind.PERSON],
        scopes=[str(s) for s in Scope],
        catalog=catalog,
        **context,
    )  # fmt: skip


@get("/staff/tablet-sw.js", opt={"access": Access.PUBLIC}, include_in_schema=False)
async def tablet_service_worker() -> Response[bytes]:
    """The tablet's service worker, from our origin so that its scope covers ``/staff/visits``.

    Public (a browser fetches it without asking anyone), and never cached by HTTP: a new
    version must reach the tablets on their next visit.
    """
    return Response(
        TABLET_WORKER.read_bytes(), media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )  # fmt: skip


class FieldVisitController(Controller):
    """``/staff/visits``: the field worker's tablet."""

    include_in_schema = False
    opt = {"access": Access.STAFF_FIELD_WORKER}  # noqa: RUF012
    dependencies = FIELD_DEPENDENCIES

    @get(VISITS)
    async def today(
        self, desk: NamedDependency[AssistedDesk], cases: NamedDependency[CaseContext]
    ) -> Template:
        """Today's visits, in the order they were scheduled.

        ``keep``: the pages the tablet's service worker fetches now to have them offline
        (each visit, and the drafts an active authorization lets the worker prepare).
        """
        visits = await desk.visits.today(desk.agent)
        keep: list[str] = []
        for card in visits:
            keep.append(visit_url(card.visit.id))
            keep.extend(f"{visit_url(card.visit.id)}/drafts/{d.id}"
                        for d in await desk.open_drafts(card.visit.id))  # fmt: skip
        # Visits that came from a request: their address (in clear, only here and for the
        # supervisor) and the resident's special needs.
        requests = VisitRequestService(cases.db, protector=cases.protector, catalog=cases.catalog)
        asked = await Dispatch(requests).tablet_details([card.visit.id for card in visits])
        addresses = {vid: requests.address_of(r) for vid, r in asked.items()}
        return assist_page("today", visits=visits, staff=desk.agent, keep=keep, requests=asked,
                     addresses=addresses)  # fmt: skip

    @get(f"{VISITS}/offline")
    async def offline(self) -> Template:
        """What the tablet shows for a page it did not keep, without a connection."""
        return assist_page("offline")

    @get(f"{VISITS}/{{visit_id:uuid}}")
    async def visit(
        self, request: Request[Any, Any, Any], visit_id: FromPath[UUID],
        desk: NamedDependency[AssistedDesk], runtime: NamedDependency[Runtime],
        submitted: FromQuery[str] = "",
    ) -> Template:  # fmt: skip
        """One visit; after a submission (``?submitted=<number>``) the resident's receipt.

        The receipt's QR opens the application in the resident's own space (their sign-in;
        anyone else gets 404). Only an application the worker may follow is shown.
        """
        receipt: dict[str, Any] | None = None
        if submitted:
            found = [a for a in await desk.applications(visit_id) if a.number == submitted]
            if found:
                url = f"{public_base_url(request, runtime)}/me/applications/{found[0].id}"
                label = _("QR code: the application in the resident's space")
                receipt = {"application": found[0], "url": url,
                           "qr": Markup(qr_svg(url, label=label, size=220))}  # noqa: S704 (built from escaped parts)  # fmt: skip
        return await visit_page(desk, visit_id, receipt=receipt)

    @post(f"{VISITS}/{{visit_id:uuid}}/authorizations", status_code=303)
    async def propose(
        self, visit_id: FromPath[UUID], data: Annotated[ProposalForm, FormBody],
        desk: NamedDependency[AssistedDesk],
    ) -> Redirect | Template:  # fmt: skip
        """Propose an authorization; the resident confirms it (code here, or on their phone)."""
        _, person = await desk.resident(visit_id)
        try:
            days = int(data.days or "0")
        except ValueError:
            days = 0
        proposal = AuthorizationRequest(
            bundles=tuple(repeated(data.bundles)), scopes=tuple(repeated(data.scopes)), days=days
        )
        try:
            await desk.authorizations.propose(desk.agent, person.id, proposal)
        except errors.RuleViolation as exc:
            return await visit_page(desk, visit_id, 422, errors=exc.fields)
        return Redirect(visit_url(visit_id), status_code=303)

    @post(f"{VISITS}/{{visit_id:uuid}}/authorizations/{{authorization_id:uuid}}/code")
    async def send_code(
        self, request: Request[Any, Any, Any], visit_id: FromPath[UUID],
        authorization_id: FromPath[UUID], desk: NamedDependency[AssistedDesk],
        codes: NamedDependency[ConfirmationCodes], runtime: NamedDependency[Runtime],
    ) -> Template:  # fmt: skip
        """Text a fresh code to the resident's own phone."""
        await desk.resident(visit_id)
        await desk.authorizations.send_code(
            desk.agent, authorization_id, codes=codes, protector=runtime.protector,
            client_ip=client_ip(request),
        )  # fmt: skip
        return await visit_page(desk, visit_id, code_sent=authorization_id)

    @post(f"{VISITS}/{{visit_id:uuid}}/authorizations/{{authorization_id:uuid}}/confirm",
          status_code=303)  # fmt: skip
    async def confirm(
        self, visit_id: FromPath[UUID], authorization_id: FromPath[UUID],
        data: Annotated[CodeForm, FormBody], desk: NamedDependency[AssistedDesk],
        codes: NamedDependency[ConfirmationCodes],
    ) -> Redirect | Template:  # fmt: skip
        """The resident reads the code from their phone: the authorization is confirmed."""
        await desk.resident(visit_id)
        try:
            await desk.authorizations.confirm_with_code(
                desk.agent, authorization_id, data.code, codes=codes
            )
        except errors.RuleViolation as exc:
            return await visit_page(desk, visit_id, 422, errors=exc.fields,
                                    code_sent=authorization_id)  # fmt: skip
        return Redirect(visit_url(visit_id), status_code=303)

    @post(f"{VISITS}/{{visit_id:uuid}}/visited", status_code=303)
    async def visited(
        self, visit_id: FromPath[UUID], desk: NamedDependency[AssistedDesk]
    ) -> Redirect:
        """The worker says the visit took place (a visit that came from a request)."""
        await desk.mark_visited(visit_id)
        return Redirect(visit_url(visit_id), status_code=303)

    @post(f"{VISITS}/{{visit_id:uuid}}/identity", status_code=303)
    async def check_identity(
        self, visit_id: FromPath[UUID], data: Annotated[IdentityForm, FormBody],
        desk: NamedDependency[AssistedDesk],
    ) -> Redirect | Template:  # fmt: skip
        """The worker saw the ID card and typed its number: the resident becomes L3."""
        try:
            await desk.visits.check_identity(desk.agent, visit_id, data.id_number)
        except errors.RuleViolation as exc:
            return await visit_page(desk, visit_id, 422, errors=exc.fields, message=exc.message)
        return Redirect(visit_url(visit_id), status_code=303)
