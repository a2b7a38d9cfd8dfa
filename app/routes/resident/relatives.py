"""Relatives and guardians as agents (issue 8): naming one, asking, acting for, guardianships.

- ``POST /me/authorizations/relatives``: the principal names a relative (holds at once).
- ``/me/acting-for``: whom I may act for; ask a person to let me act for them (they confirm
  signed in, or read me a code texted to their phone); prove a guardianship; choose whom I
  act for now ("act for …" / "back to myself"), which the resident's own draft and
  application pages then follow (``app.web.agency``).
- ``/staff/guardianships``: window clerks and supervisors check court documents.

Whether a phone number and name matched anyone is never said: the answers are the same.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app import errors
from app.applications.uploads import EMPTY
from app.assist.authorizations import Agent, AuthorizationService, ConfirmationCodes, person_bundles
from app.assist.guardians import Guardianships
from app.assist.models import Scope
from app.assist.relatives import RelativeRequest, Relatives
from app.catalog.schema import Catalog
from app.composition.runtime import Runtime
from app.identity.models import Person
from app.routes.resident.authorizations import mine_page
from app.routes.shared.pages import FormBody, Repeated, UploadBody, repeated
from app.routes.shared.relatives import ACTING, DEPENDENCIES, MINE
from app.web import agency
from app.web.access import Access
from app.web.providers.assist import count_naming
from app.web.requests import client_ip


class RelativeForm(msgspec.Struct, kw_only=True):
    """The grant or ask form: whom (phone, name) and the scope (services, actions, days)."""

    phone: str = ""
    name: str = ""
    bundles: Repeated = msgspec.field(default_factory=list)
    scopes: Repeated = msgspec.field(default_factory=list)
    # Text, not int: an empty or mistyped number is refused by Relatives with its message
    # (as 0 days), where an int field would answer a bare 400.
    days: str = ""

    def request(self) -> RelativeRequest:
        """What to grant or ask for."""
        try:
            days = int(self.days or "0")
        except ValueError:
            days = 0
        return RelativeRequest(
            phone=self.phone[:40], name=self.name[:100], bundles=tuple(repeated(self.bundles)),
            scopes=tuple(repeated(self.scopes)), days=days,
        )  # fmt: skip


class CodeForm(msgspec.Struct, kw_only=True):
    """The code texted to the principal, as the relative typed it."""

    code: str = ""


class SwitchForm(msgspec.Struct, kw_only=True):
    """Whom to act for: a principal's id, or empty for oneself."""

    principal: str = ""


class WardForm(msgspec.Struct, kw_only=True):
    """The child or ward (phone, name) and, for a court appointment, the court's document."""

    phone: str = ""
    name: str = ""
    document: UploadFile | None = None


async def acting_page(
    request: Request[Any, Any, Any], person: Person, relatives: Relatives, catalog: Catalog,
    status: int = 200, **context: Any,
) -> Template:  # fmt: skip
    """Whom I may act for, the forms to ask and to prove a guardianship."""
    chosen = await agency.acting_principal(request)
    return Template(
        template_name="assist/acting_for.html",
        context={"tab": "me", "rows": await relatives.acting_for(person), "catalog": catalog,
                 "bundles": person_bundles(catalog), "scopes": [str(s) for s in Scope],
                 "chosen": chosen, "errors": {}, "now": relatives.now(), "done": "",
                 "code_for": "", **context},
        status_code=status, headers={"Cache-Control": "no-store"},
    )  # fmt: skip


class RelativeController(Controller):
    """The person side: naming, asking, choosing whom to act for, proving guardianships."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012
    dependencies = DEPENDENCIES

    @post(f"{MINE}/relatives", status_code=303)
    async def grant(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        data: Annotated[RelativeForm, FormBody], relatives: NamedDependency[Relatives],
        authorizations: NamedDependency[AuthorizationService],
    ) -> Redirect | Template:  # fmt: skip
        """The principal names a relative: the same answer whether or not they were found."""
        await count_naming(request.app.state.runtime, person)
        try:
            await relatives.grant(person, data.request())
        except errors.RuleViolation as exc:
            return await mine_page(person, authorizations, errors=exc.fields, status_code=422)
        return Redirect(f"{MINE}?named=1", status_code=303)

    @get(ACTING)
    async def acting_for(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        relatives: NamedDependency[Relatives],
        authorizations: NamedDependency[AuthorizationService],
        done: FromQuery[str] = "", code_for: FromQuery[str] = "",
    ) -> Template:  # fmt: skip
        """Whom I may act for, and the forms."""
        return await acting_page(request, person, relatives, authorizations.catalog, done=done[:16],
                                 code_for=code_for[:40])  # fmt: skip

    @post(f"{ACTING}/ask", status_code=303)
    async def ask(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        data: Annotated[RelativeForm, FormBody], relatives: NamedDependency[Relatives],
        authorizations: NamedDependency[AuthorizationService],
    ) -> Redirect | Template:  # fmt: skip
        """Ask to act for someone; they confirm (the same answer whether or not found)."""
        await count_naming(request.app.state.runtime, person)
        try:
            await relatives.ask(person, data.request())
        except errors.RuleViolation as exc:
            return await acting_page(request, person, relatives, authorizations.catalog, 422,
                                     errors=exc.fields)  # fmt: skip
        return Redirect(f"{ACTING}?done=asked", status_code=303)

    @post(f"{ACTING}/{{authorization_id:uuid}}/code", status_code=303)
    async def send_code(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        authorization_id: FromPath[UUID], relatives: NamedDependency[Relatives],
        codes: NamedDependency[ConfirmationCodes],
    ) -> Redirect:  # fmt: skip
        """Text the principal a code (they are beside the relative and read it out)."""
        await relatives.send_code(person, authorization_id, codes=codes,
                                  client_ip=client_ip(request))  # fmt: skip
        return Redirect(f"{ACTING}?code_for={authorization_id}", status_code=303)

    @post(f"{ACTING}/{{authorization_id:uuid}}/confirm", status_code=303)
    async def confirm_code(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        authorization_id: FromPath[UUID], data: Annotated[CodeForm, FormBody],
        relatives: NamedDependency[Relatives], codes: NamedDependency[ConfirmationCodes],
        authorizations: NamedDependency[AuthorizationService],
    ) -> Redirect | Template:  # fmt: skip
        """The principal's code, typed by the relative: confirmed."""
        code = data.code[:12]
        try:
            await relatives.confirm_with_code(person, authorization_id, code, codes=codes)
        except errors.RuleViolation as exc:
            return await acting_page(request, person, relatives, authorizations.catalog, 422,
                                     errors=exc.fields, code_for=str(authorization_id))  # fmt: skip
        return Redirect(f"{ACTING}?done=confirmed", status_code=303)

    @post(f"{ACTING}/switch", status_code=303)
    async def switch(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        data: Annotated[SwitchForm, FormBody],
        authorizations: NamedDependency[AuthorizationService],
    ) -> Redirect:  # fmt: skip
        """Act for a principal (an active authorization names me) or, empty, as myself."""
        raw = data.principal
        if not raw:
            await agency.choose(request, None)
            return Redirect(ACTING, status_code=303)
        try:
            principal_id = UUID(raw)
        except ValueError:
            raise errors.NotFound from None
        if not await authorizations.active_for(Agent.person(person.id), principal_id):
            raise errors.NotFound
        await agency.choose(request, principal_id)
        return Redirect("/me/drafts", status_code=303)

    @post(f"{ACTING}/{{authorization_id:uuid}}/give-up", status_code=303)
    async def give_up(
        self, person: NamedDependency[Person], authorization_id: FromPath[UUID],
        relatives: NamedDependency[Relatives],
    ) -> Redirect:  # fmt: skip
        """The agent ends an authorization or guardianship naming them."""
        await relatives.give_up(person, authorization_id)
        return Redirect(ACTING, status_code=303)

    @post("/me/guardianships/household", status_code=303)
    async def from_household(
        self, person: NamedDependency[Person], data: Annotated[WardForm, FormBody],
        guardianships: NamedDependency[Guardianships],
    ) -> Redirect:  # fmt: skip
        """A parent proves guardianship of a minor from the household register."""
        await guardianships.from_household(person, data.phone[:40], data.name[:100])
        return Redirect(f"{ACTING}?done=guardian", status_code=303)

    @post("/me/guardianships/court", status_code=303)
    async def court(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        data: Annotated[WardForm, UploadBody], guardianships: NamedDependency[Guardianships],
        relatives: NamedDependency[Relatives], runtime: NamedDependency[Runtime],
        authorizations: NamedDependency[AuthorizationService],
    ) -> Redirect | Template:  # fmt: skip
        """A court-appointed guardian uploads the court's document, for staff to check."""
        try:
            if data.document is None:
                raise errors.RuleViolation(fields={"document": EMPTY})
            await guardianships.court_appointed(
                person, data.phone[:40], data.name[:100],
                filename=data.document.filename or "", data=await data.document.read(),
                max_bytes=runtime.settings.max_upload_bytes,
                max_pixels=runtime.settings.max_upload_pixels,
            )  # fmt: skip
        except errors.RuleViolation as exc:
            return await acting_page(request, person, relatives, authorizations.catalog, 422,
                                     errors=exc.fields)  # fmt: skip
        return Redirect(f"{ACTING}?done=court", status_code=303)
