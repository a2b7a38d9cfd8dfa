"""我的 → bound accounts, and seeing full numbers after re-authentication."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app import errors, i18n
from app.identity.account import REVEAL_SECONDS, AccountService
from app.identity.models import Person
from app.identity.sessions import SESSION_COOKIE, SessionStore
from app.routes.shared.pages import FormBody
from app.web.access import Access
from app.web.providers.identity import provide_account
from app.web.requests import client_ip


class RevealForm(msgspec.Struct, kw_only=True):
    """The code that proves it is still the owner."""

    code: str = ""


def _reveal_form(status: int = 200, **context: Any) -> Template:
    return Template(
        template_name="account/reveal.html",
        context={
            "tab": "me",
            "errors": {},
            "message": None,
            "minutes": REVEAL_SECONDS // 60,
            **context,
        },
        status_code=status,
    )


class AccountController(Controller):
    """``/me/accounts`` and ``/me/reveal``."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012
    dependencies = {"account": Provide(provide_account, sync_to_thread=False)}  # noqa: RUF012

    @get("/me/accounts")
    async def accounts(
        self, person: NamedDependency[Person], account: NamedDependency[AccountService]
    ) -> Template:
        """The WeChat and Alipay accounts bound to me."""
        bound = await account.external_accounts(person)
        return Template(
            template_name="account/accounts.html", context={"tab": "me", "bound": bound}
        )

    @post("/me/accounts/{account_id:uuid}/unbind", status_code=303)
    async def unbind(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        account_id: FromPath[UUID], account: NamedDependency[AccountService],
    ) -> Redirect:  # fmt: skip
        """Unbind one of my accounts (someone else's answers 404)."""
        await account.unbind(person, account_id, client_ip=client_ip(request))
        return Redirect("/me/accounts", status_code=303)

    @post("/me/reveal/code", status_code=200)
    async def send_code(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        account: NamedDependency[AccountService],
    ) -> Template:
        """Send a code to my phone, then ask for it."""
        try:
            await account.send_reveal_code(
                person, client_ip=client_ip(request), locale=i18n.current_locale()
            )
        except errors.RateLimited as exc:
            return _reveal_form(429, message=exc.message)
        return _reveal_form()

    @post("/me/reveal", status_code=303)
    async def reveal(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        data: Annotated[RevealForm, FormBody], account: NamedDependency[AccountService],
    ) -> Redirect | Template:  # fmt: skip
        """Check the code; on success 我的 shows full numbers for a few minutes."""
        session_key = SessionStore.key_of(request.cookies.get(SESSION_COOKIE, ""))
        try:
            await account.confirm_reveal(
                person, session_key, data.code, client_ip=client_ip(request)
            )
        except errors.RuleViolation as exc:
            return _reveal_form(422, errors=exc.fields)
        return Redirect("/me", status_code=303)
