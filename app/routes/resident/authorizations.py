"""我的 → 我的授权: the resident sees every authorization, what was done under it, and ends it."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.assist.authorizations import AuthorizationService, person_bundles
from app.assist.models import Scope
from app.assist.qr_confirmation import QrConfirmations
from app.identity.models import Person
from app.web.access import Access
from app.web.providers.assist import provide_authorizations, provide_qr_confirmations

MINE = "/me/authorizations"


async def mine_page(
    person: Person, authorizations: AuthorizationService, *, errors: dict[str, str] | None = None,
    named: bool = False, confirmed: str = "", status_code: int = 200,
) -> Template:  # fmt: skip
    """我的授权: every authorization the person gave with its history, and the naming form."""
    return Template(
        template_name="assist/mine.html",
        context={"tab": "me", "views": await authorizations.mine(person),
                 "catalog": authorizations.catalog, "now": authorizations.now(),
                 "bundles": person_bundles(authorizations.catalog),
                 "scopes": [str(s) for s in Scope], "errors": errors or {}, "named": named,
                 "confirmed": confirmed},
        status_code=status_code, headers={"Cache-Control": "no-store"},
    )  # fmt: skip


class AuthorizationController(Controller):
    """``/me/authorizations``: list, confirm (signed in: the non-face path), revoke."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "authorizations": Provide(provide_authorizations, sync_to_thread=False),
        "qr_tokens": Provide(provide_qr_confirmations, sync_to_thread=False),
    }

    @get(MINE)
    async def mine(
        self, person: NamedDependency[Person],
        authorizations: NamedDependency[AuthorizationService],
        confirmed: FromQuery[str] = "",
        named: FromQuery[str] = "",
    ) -> Template:  # fmt: skip
        """Every authorization the resident gave, each with its history; naming a relative."""
        return await mine_page(person, authorizations, named=bool(named), confirmed=confirmed)

    @post(f"{MINE}/{{authorization_id:uuid}}/confirm", status_code=303)
    async def confirm(
        self, person: NamedDependency[Person], authorization_id: FromPath[UUID],
        authorizations: NamedDependency[AuthorizationService],
    ) -> Redirect:  # fmt: skip
        """Confirm a worker's proposal from the resident's own device."""
        await authorizations.confirm_signed_in(person, authorization_id)
        return Redirect(MINE, status_code=303)

    @post(f"{MINE}/{{authorization_id:uuid}}/revoke", status_code=303)
    async def revoke(
        self, person: NamedDependency[Person], authorization_id: FromPath[UUID],
        authorizations: NamedDependency[AuthorizationService],
    ) -> Redirect:  # fmt: skip
        """End it now: the agent's very next request is refused."""
        await authorizations.revoke(person, authorization_id)
        return Redirect(MINE, status_code=303)

    @get(f"{MINE}/scan/{{token:str}}")
    async def scanned(
        self, person: NamedDependency[Person], token: FromPath[str],
        authorizations: NamedDependency[AuthorizationService],
        qr_tokens: NamedDependency[QrConfirmations],
    ) -> Template:  # fmt: skip
        """The tablet's QR, opened on the resident's phone: the proposal in words, to confirm.

        Only its principal gets here (signed in); anyone else, or a used or expired code,
        gets the same refusal.
        """
        authorization = await qr_tokens.proposal(authorizations, person, token)
        return Template(
            template_name="assist/scan.html",
            context={"tab": "me", "authorization": authorization, "token": token,
                     "agent_name": await authorizations.agent_name(authorization),
                     "catalog": authorizations.catalog, "now": authorizations.now()},
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )  # fmt: skip

    @post(f"{MINE}/scan/{{token:str}}", status_code=303)
    async def confirm_scanned(
        self, person: NamedDependency[Person], token: FromPath[str],
        authorizations: NamedDependency[AuthorizationService],
        qr_tokens: NamedDependency[QrConfirmations],
    ) -> Redirect:  # fmt: skip
        """Confirm (the code works once); the tablet notices and moves on."""
        authorization = await qr_tokens.confirm(authorizations, person, token)
        return Redirect(f"{MINE}?confirmed={authorization.id}", status_code=303)
