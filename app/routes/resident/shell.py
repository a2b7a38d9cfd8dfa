"""The mobile app shell: the five tabs and the display and language settings."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app import i18n
from app.catalog.schema import bundles_by_audience
from app.composition.runtime import Runtime
from app.enterprises.service import EnterpriseService
from app.identity.account import AccountService
from app.identity.profile import summarize
from app.identity.sessions import SESSION_COOKIE, SessionStore
from app.notices.inbox import Inbox, body_of, title_of
from app.routes.shared.pages import FormBody, safe_next
from app.wallet.service import WalletService
from app.wallet.views import license_view
from app.web.providers.identity import provide_account, provide_enterprises
from app.web.providers.wallet import current_holder, provide_wallet
from app.web.subjects import acting_enterprise, signed_in_person
from app.web.templating import DISPLAY_COOKIE, LARGE_TEXT

_ONE_YEAR = 365 * 24 * 3600


class DisplayForm(msgspec.Struct, kw_only=True):
    """Big-font (适老化) switch."""

    large_text: bool = False
    next: str = "/me"


class LanguageForm(msgspec.Struct, kw_only=True):
    """Language switch."""

    locale: str
    next: str = "/me"


def _page(name: str, tab: str, **context: Any) -> Template:
    return Template(template_name=f"shell/{name}.html", context={"tab": tab, **context})


class ShellController(Controller):
    """Home, services, wallet, messages and me — readable by anyone, signed in or not."""

    opt = {"access": "public"}  # noqa: RUF012 (Litestar reads it as a class attribute)
    include_in_schema = False
    dependencies = {  # noqa: RUF012
        "account_service": Provide(provide_account, sync_to_thread=False),
        "enterprises": Provide(provide_enterprises, sync_to_thread=False),
        "wallet": Provide(provide_wallet, sync_to_thread=False),
    }

    @get("/", name="home")
    async def home(self) -> Template:
        """首页."""
        return _page("home", "home")

    @get("/services", name="services")
    async def services(self, runtime: NamedDependency[Runtime]) -> Template:
        """办事: the life events (bundles) for residents and for enterprises."""
        return _page("services", "services", bundles=bundles_by_audience(runtime.catalog.catalog))

    @get("/wallet", name="wallet")
    async def wallet(
        self, request: Request[Any, Any, Any], wallet: NamedDependency[WalletService]
    ) -> Template:
        """证照: the licenses of whoever this person acts as (themself or an enterprise)."""
        holder = await current_holder(request)
        if holder is None:
            return _page("wallet", "wallet", signed_in=False, licenses=[])
        types, departments = wallet.license_types, await wallet.departments()
        licenses = [
            license_view(found, types, departments) for found in await wallet.list_for(holder)
        ]
        return _page(
            "wallet",
            "wallet",
            signed_in=True,
            licenses=licenses,
            acting=await acting_enterprise(request),
        )

    @get("/messages", name="messages")
    async def messages(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        """消息: the signed-in person's notices, the newest first."""
        person = await signed_in_person(request)
        if person is None:
            return _page("messages", "messages", signed_in=False, notices=[])
        notices = await Inbox(db_session).latest(person.id)
        return _page(
            "messages", "messages", signed_in=True, notices=notices, title_of=title_of,
            body_of=body_of,
        )  # fmt: skip

    @get("/me", name="me")
    async def me(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        account_service: NamedDependency[AccountService],
        enterprises: NamedDependency[EnterpriseService],
    ) -> Template:
        """我的: the account and whom I act for (when signed in), display and language."""
        person = await signed_in_person(request)
        account = summarize(person, runtime.protector) if person else None
        session_key = SessionStore.key_of(request.cookies.get(SESSION_COOKIE, ""))
        full = await account_service.full_numbers(person, session_key) if person else None
        return _page(
            "me",
            "me",
            next=request.url.path,
            account=account,
            full=full,
            enterprises=await enterprises.mine(person.id) if person else [],
            acting=await acting_enterprise(request),
        )

    @post("/settings/display", name="settings-display", status_code=303)
    async def set_display(self, data: Annotated[DisplayForm, FormBody]) -> Redirect:
        """Turn big-font mode on or off; the choice is kept in a cookie for a year."""
        value = LARGE_TEXT if data.large_text else "standard"
        return Redirect(
            safe_next(data.next),
            status_code=303,
            cookies=[Cookie(key=DISPLAY_COOKIE, value=value, max_age=_ONE_YEAR, samesite="lax")],
        )

    @post("/settings/language", name="settings-language", status_code=303)
    async def set_language(self, data: Annotated[LanguageForm, FormBody]) -> Redirect:
        """Choose the interface language; unknown values fall back to the default."""
        locale = i18n.supported(data.locale) or i18n.DEFAULT_LOCALE
        return Redirect(
            safe_next(data.next),
            status_code=303,
            cookies=[
                Cookie(key=i18n.LOCALE_COOKIE, value=locale, max_age=_ONE_YEAR, samesite="lax")
            ],
        )
