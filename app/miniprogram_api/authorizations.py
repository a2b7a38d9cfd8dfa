"""Authorizations through the mini-program: 我的授权 and 代亲属办, as the pages offer them.

- ``/mp/v1/me/authorizations``: what I authorized (relatives, field workers), each with what
  was done under it; confirm a worker's proposal, revoke, name a relative, confirm the
  tablet's QR after ``wx.scanCode``.
- ``/mp/v1/me/acting-for``: whom I may act for; ask a person to let me act for them (they
  confirm on their phone, or read me a code texted to them), give an authorization up.
- ``/mp/v1/me/guardianships``: prove a guardianship (parent of a minor from the household
  register; a court's appointment, uploaded for staff to check).

Then ``X-Acting-For: <principal id>`` on the draft and application operations acts for them
(``app.web.agency``). The same services as the pages (``app/assist/``): whether a phone number
and a name matched anyone is never said — naming, asking and proving answer alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath

from app import errors
from app.applications.uploads import EMPTY
from app.assist.authorizations import (
    AuthorizationService,
    AuthorizationView,
    ConfirmationCodes,
    person_bundles,
)
from app.assist.guardians import Guardianships
from app.assist.labels import (
    basis_label,
    event_label,
    note_label,
    scope_label,
    state_label,
    state_of,
)
from app.assist.models import Authorization, Scope
from app.assist.qr_confirmation import QrConfirmations
from app.assist.relatives import AgentOf, RelativeRequest, Relatives
from app.catalog.schema import Catalog
from app.composition.runtime import Runtime
from app.i18n import N_
from app.i18n import gettext as _
from app.identity.models import Person
from app.miniprogram_api.catalog import text
from app.web.access import Access
from app.web.providers.assist import (
    count_naming,
    provide_authorizations,
    provide_confirmation_codes,
    provide_guardianships,
    provide_qr_confirmations,
    provide_relatives,
)
from app.web.requests import client_ip
from app.web.subjects import required_bearer

DEPENDENCIES = {
    "authorizations": Provide(provide_authorizations, sync_to_thread=False),
    "relatives": Provide(provide_relatives, sync_to_thread=False),
    "guardianships": Provide(provide_guardianships, sync_to_thread=False),
    "codes": Provide(provide_confirmation_codes, sync_to_thread=False),
    "qr_tokens": Provide(provide_qr_confirmations, sync_to_thread=False),
}


class Labelled(msgspec.Struct, kw_only=True, rename="camel"):
    """A code with its words in the request's language."""

    code: str
    label: str


class HistoryEntry(msgspec.Struct, kw_only=True, rename="camel"):
    """One line of an authorization's history (a run of the same use is one line)."""

    kind: Labelled
    note: str
    at: datetime
    until: datetime
    times: int


class AuthorizationBody(msgspec.Struct, kw_only=True, rename="camel"):
    """An authorization: who may act, for which services, doing what, until when."""

    id: UUID
    state: Labelled
    active: bool
    bundles: list[Labelled]
    scopes: list[Labelled]
    valid_from: datetime
    valid_until: datetime
    basis: Labelled | None


class GivenBody(msgspec.Struct, kw_only=True, rename="camel"):
    """An authorization I gave, with the agent's name and what was done under it."""

    authorization: AuthorizationBody
    agent_name: str
    history: list[HistoryEntry]


class GivenList(msgspec.Struct, kw_only=True, rename="camel"):
    """Every authorization I gave, the newest first; and what I may authorize."""

    authorizations: list[GivenBody]
    bundles: list[Labelled]
    scopes: list[Labelled]


class PrincipalBody(msgspec.Struct, kw_only=True, rename="camel"):
    """An authorization naming me as the agent, with the person I would act for.

    Send ``X-Acting-For: <principalId>`` while ``authorization.active``.
    """

    authorization: AuthorizationBody
    principal_id: UUID
    principal_name: str


class PrincipalList(msgspec.Struct, kw_only=True, rename="camel"):
    """Whom I may act for (and asks still waiting), the newest first."""

    principals: list[PrincipalBody]


class RelativeCreate(msgspec.Struct, kw_only=True, rename="camel"):
    """A relative (their phone and their real name: both must match) and what they may do."""

    phone: Annotated[str, msgspec.Meta(max_length=40)]
    name: Annotated[str, msgspec.Meta(max_length=100)]
    bundles: Annotated[list[str], msgspec.Meta(max_length=50)]
    scopes: Annotated[list[str], msgspec.Meta(max_length=10)]
    days: int = 30

    def request(self) -> RelativeRequest:
        """What to grant or ask for (the service checks it)."""
        return RelativeRequest(phone=self.phone, name=self.name, bundles=tuple(self.bundles),
                               scopes=tuple(self.scopes), days=self.days)  # fmt: skip


class CodeBody(msgspec.Struct, kw_only=True, rename="camel"):
    """The code texted to the principal, as they read it out."""

    code: Annotated[str, msgspec.Meta(max_length=12)]


class WardBody(msgspec.Struct, kw_only=True, rename="camel"):
    """The child or ward: their phone (their account) and their real name."""

    phone: Annotated[str, msgspec.Meta(max_length=40)]
    name: Annotated[str, msgspec.Meta(max_length=100)]


class CourtForm(msgspec.Struct, kw_only=True):
    """Multipart: the ward's ``phone`` and ``name``, and ``document``, the court's decision."""

    phone: str = ""
    name: str = ""
    document: UploadFile | None = None


class Accepted(msgspec.Struct, kw_only=True, rename="camel"):
    """Taken: whether it matched anyone is not said (see the list for what holds)."""

    message: str


class ProposalBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A field worker's proposal behind a scanned QR, in words, to confirm."""

    authorization: AuthorizationBody
    agent_name: str


def _labelled_bundles(catalog: Catalog, codes: list[str]) -> list[Labelled]:
    return [
        Labelled(code=c, label=text(catalog.bundles[c].name) if c in catalog.bundles else c)
        for c in codes
    ]


def authorization_body(catalog: Catalog, a: Authorization, now: datetime) -> AuthorizationBody:
    """An authorization as the API shows it (every code with its label)."""
    state = state_of(a, now)
    return AuthorizationBody(
        id=a.id, state=Labelled(code=state, label=state_label(state)),
        active=a.is_active(now), bundles=_labelled_bundles(catalog, a.bundles),
        scopes=[Labelled(code=s, label=scope_label(s)) for s in a.scopes],
        valid_from=a.valid_from, valid_until=a.valid_until,
        basis=Labelled(code=a.basis, label=basis_label(a.basis)) if a.basis else None,
    )  # fmt: skip


def _given(catalog: Catalog, view: AuthorizationView, now: datetime) -> GivenBody:
    return GivenBody(
        authorization=authorization_body(catalog, view.authorization, now),
        agent_name=view.agent_name,
        history=[HistoryEntry(kind=Labelled(code=h.kind, label=event_label(h.kind)),
                              note=note_label(h.note), at=h.at, until=h.until, times=h.times)
                 for h in view.history],
    )  # fmt: skip


def _principal(catalog: Catalog, row: AgentOf, now: datetime) -> PrincipalBody:
    return PrincipalBody(
        authorization=authorization_body(catalog, row.authorization, now),
        principal_id=row.principal.id, principal_name=row.principal.real_name or "",
    )  # fmt: skip


def _person_bundles(catalog: Catalog) -> list[Labelled]:
    return [Labelled(code=b.code, label=text(b.name)) for b in person_bundles(catalog)]


async def _principals(
    person: Person, relatives: Relatives, authorizations: AuthorizationService
) -> PrincipalList:
    now, catalog = authorizations.now(), authorizations.catalog
    rows = await relatives.acting_for(person)
    return PrincipalList(principals=[_principal(catalog, r, now) for r in rows])


# What a naming, an ask or a proof answers: the pages' words, whether or not anyone matched.
_NAMED = N_(
    "If the name and the phone number match a resident who verified their real name, the "
    "authorization holds now and they were told."
)
_ASKED = N_(
    "If the name and the phone number match a resident who verified their real name, they "
    "were asked. Nothing holds until they confirm: on their own phone, or by reading you the "
    "code texted to them."
)
_CODE_SENT = N_("A code was texted to their phone. Ask them to read it to you.")
_GUARDIAN = N_(
    "If the household register shows that you are the parent of this child, who is under 18, "
    "the guardianship is listed below."
)
_COURT = N_(
    "If the name and the phone number match a resident, the court's document waits for a "
    "check by staff; the guardianship is listed below once it is confirmed."
)


JsonBody = Body()
MultipartBody = Body(media_type=RequestEncodingType.MULTI_PART)


class GivenAuthorizationApi(Controller):
    """我的授权: the authorizations I gave."""

    path = "/me/authorizations"
    tags = ["mini-program: authorizations"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get("/")
    async def mine(
        self, request: Request[Any, Any, Any],
        authorizations: NamedDependency[AuthorizationService],
    ) -> GivenList:  # fmt: skip
        """Every authorization I gave, each with its history, and what I may authorize."""
        person = await required_bearer(request)
        now, catalog = authorizations.now(), authorizations.catalog
        return GivenList(
            authorizations=[_given(catalog, v, now) for v in await authorizations.mine(person)],
            bundles=_person_bundles(catalog),
            scopes=[Labelled(code=s, label=scope_label(s)) for s in Scope],
        )  # fmt: skip

    @post("/{authorization_id:uuid}/confirm", status_code=200)
    async def confirm(
        self, request: Request[Any, Any, Any], authorization_id: FromPath[UUID],
        authorizations: NamedDependency[AuthorizationService],
    ) -> AuthorizationBody:  # fmt: skip
        """Confirm a field worker's proposal from my own phone (someone else's: 404)."""
        person = await required_bearer(request)
        found = await authorizations.confirm_signed_in(person, authorization_id)
        return authorization_body(authorizations.catalog, found, authorizations.now())

    @post("/{authorization_id:uuid}/revoke", status_code=200)
    async def revoke(
        self, request: Request[Any, Any, Any], authorization_id: FromPath[UUID],
        authorizations: NamedDependency[AuthorizationService],
    ) -> AuthorizationBody:  # fmt: skip
        """End it now: the agent's very next request is refused."""
        person = await required_bearer(request)
        found = await authorizations.revoke(person, authorization_id)
        return authorization_body(authorizations.catalog, found, authorizations.now())

    @post("/relatives", status_code=202)
    async def name_relative(
        self, request: Request[Any, Any, Any], data: Annotated[RelativeCreate, JsonBody],
        relatives: NamedDependency[Relatives], runtime: NamedDependency[Runtime],
    ) -> Accepted:  # fmt: skip
        """Name a relative who may act for me (it holds at once and they are told).

        The same answer whether or not the phone and name matched a verified resident; 422
        names each field that is wrong (services, actions, days); at most ten namings and
        asks a day (429).
        """
        person = await required_bearer(request)
        await count_naming(runtime, person)
        await relatives.grant(person, data.request())
        return Accepted(message=_(_NAMED))

    @get("/scan/{token:str}")
    async def scanned(
        self, request: Request[Any, Any, Any], token: FromPath[str],
        authorizations: NamedDependency[AuthorizationService],
        qr_tokens: NamedDependency[QrConfirmations],
    ) -> ProposalBody:  # fmt: skip
        """The proposal behind the tablet's QR (after ``wx.scanCode``), for its principal only."""
        person = await required_bearer(request)
        found = await qr_tokens.proposal(authorizations, person, token[:100])
        return ProposalBody(
            authorization=authorization_body(authorizations.catalog, found, authorizations.now()),
            agent_name=await authorizations.agent_name(found),
        )

    @post("/scan/{token:str}", status_code=200)
    async def confirm_scanned(
        self, request: Request[Any, Any, Any], token: FromPath[str],
        authorizations: NamedDependency[AuthorizationService],
        qr_tokens: NamedDependency[QrConfirmations],
    ) -> AuthorizationBody:  # fmt: skip
        """Confirm the scanned proposal (the code works once); the tablet moves on."""
        person = await required_bearer(request)
        found = await qr_tokens.confirm(authorizations, person, token[:100])
        return authorization_body(authorizations.catalog, found, authorizations.now())


class ActingForApi(Controller):
    """代亲属办: whom I may act for, asking, codes, giving up; proving a guardianship."""

    path = "/me"
    tags = ["mini-program: authorizations"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get("/acting-for")
    async def principals(
        self, request: Request[Any, Any, Any], relatives: NamedDependency[Relatives],
        authorizations: NamedDependency[AuthorizationService],
    ) -> PrincipalList:  # fmt: skip
        """Whom I may act for (``X-Acting-For: <principalId>``), and asks still waiting."""
        return await _principals(await required_bearer(request), relatives, authorizations)

    @post("/acting-for/ask", status_code=202)
    async def ask(
        self, request: Request[Any, Any, Any], data: Annotated[RelativeCreate, JsonBody],
        relatives: NamedDependency[Relatives], runtime: NamedDependency[Runtime],
    ) -> Accepted:  # fmt: skip
        """Ask to act for someone: nothing holds until they confirm (on their phone, or with
        the code texted to them). The same answer whether or not they were found."""
        person = await required_bearer(request)
        await count_naming(runtime, person)
        await relatives.ask(person, data.request())
        return Accepted(message=_(_ASKED))

    @post("/acting-for/{authorization_id:uuid}/code", status_code=202)
    async def send_code(
        self, request: Request[Any, Any, Any], authorization_id: FromPath[UUID],
        relatives: NamedDependency[Relatives], codes: NamedDependency[ConfirmationCodes],
    ) -> Accepted:  # fmt: skip
        """Text the principal a code (they are beside me and read it out)."""
        person = await required_bearer(request)
        await relatives.send_code(person, authorization_id, codes=codes,
                                  client_ip=client_ip(request))  # fmt: skip
        return Accepted(message=_(_CODE_SENT))

    @post("/acting-for/{authorization_id:uuid}/confirm", status_code=200)
    async def confirm_code(
        self, request: Request[Any, Any, Any], authorization_id: FromPath[UUID],
        data: Annotated[CodeBody, JsonBody], relatives: NamedDependency[Relatives],
        codes: NamedDependency[ConfirmationCodes],
        authorizations: NamedDependency[AuthorizationService],
    ) -> PrincipalList:  # fmt: skip
        """The principal's code, as they read it out: the authorization holds (422 if wrong)."""
        person = await required_bearer(request)
        await relatives.confirm_with_code(person, authorization_id, data.code, codes=codes)
        return await _principals(person, relatives, authorizations)

    @post("/acting-for/{authorization_id:uuid}/give-up", status_code=200)
    async def give_up(
        self, request: Request[Any, Any, Any], authorization_id: FromPath[UUID],
        relatives: NamedDependency[Relatives],
        authorizations: NamedDependency[AuthorizationService],
    ) -> PrincipalList:  # fmt: skip
        """End an authorization or guardianship naming me."""
        person = await required_bearer(request)
        await relatives.give_up(person, authorization_id)
        return await _principals(person, relatives, authorizations)

    @post("/guardianships/household", status_code=202)
    async def from_household(
        self, request: Request[Any, Any, Any], data: Annotated[WardBody, JsonBody],
        guardianships: NamedDependency[Guardianships],
    ) -> Accepted:  # fmt: skip
        """A parent proves guardianship of a child under 18 from the household register."""
        person = await required_bearer(request)
        await guardianships.from_household(person, data.phone, data.name)
        return Accepted(message=_(_GUARDIAN))

    @post("/guardianships/court", status_code=202)
    async def court(
        self, request: Request[Any, Any, Any], data: Annotated[CourtForm, MultipartBody],
        guardianships: NamedDependency[Guardianships], runtime: NamedDependency[Runtime],
    ) -> Accepted:  # fmt: skip
        """A court-appointed guardian uploads the court's decision (``wx.uploadFile``,
        ``name: "document"``, with ``formData: {phone, name}``), for staff to check."""
        person = await required_bearer(request)
        if data.document is None:
            raise errors.RuleViolation(fields={"document": EMPTY})
        await guardianships.court_appointed(
            person, data.phone[:40], data.name[:100],
            filename=data.document.filename or "", data=await data.document.read(),
            max_bytes=runtime.settings.max_upload_bytes,
            max_pixels=runtime.settings.max_upload_pixels,
        )  # fmt: skip
        return Accepted(message=_(_COURT))
