"""我的 → notice preferences (``/me/notice-preferences``): which push channels, in which order."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.identity.account import AccountService
from app.identity.models import Person
from app.notices.models import DeliveryChannel
from app.notices.preferences import DEFAULT_ORDER, NoticePreferences, order_from_ranks
from app.routes.resident.drafts import applicant
from app.routes.shared.pages import FormBody
from app.web.access import Access
from app.web.providers.identity import provide_account

PAGE = "/me/notice-preferences"


class RanksForm(msgspec.Struct, kw_only=True):
    """Each push channel's place in the order: "1", "2", "3", or "" for off."""

    wechat: str = ""
    alipay: str = ""
    sms: str = ""


def provide_preferences(db_session: NamedDependency[AsyncSession]) -> NoticePreferences:
    """Notice preferences on the request's session."""
    return NoticePreferences(db_session)


async def _page(
    person: Person, account: AccountService, ranks: dict[str, str], *,
    status: int = 200, errors_: dict[str, str] | None = None, saved: bool = False,
) -> Template:  # fmt: skip
    bound = {str(a.provider) for a in await account.external_accounts(person)}
    return Template(
        template_name="notices/preferences.html",
        context={
            "tab": "me", "channels": [str(c) for c in DEFAULT_ORDER], "ranks": ranks,
            "bound": bound, "errors": errors_ or {}, "saved": saved,
        },
        status_code=status,
    )  # fmt: skip


def _ranks(order: list[DeliveryChannel]) -> dict[str, str]:
    return {str(channel): str(place) for place, channel in enumerate(order, start=1)}


class NoticePreferenceController(Controller):
    """Choosing how notices reach me besides the inbox."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "preferences": Provide(provide_preferences, sync_to_thread=False),
        "account": Provide(provide_account, sync_to_thread=False),
    }

    @get(PAGE)
    async def show(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        preferences: NamedDependency[NoticePreferences],
        account: NamedDependency[AccountService], saved: FromQuery[bool] = False,
    ) -> Template:  # fmt: skip
        """My push channels and their order."""
        me, _ = await applicant(request, person)
        order = await preferences.order(me.id)
        return await _page(me, account, _ranks(order), saved=saved)

    @post(PAGE, status_code=303)
    async def save(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        data: Annotated[RanksForm, FormBody], preferences: NamedDependency[NoticePreferences],
        account: NamedDependency[AccountService],
    ) -> Redirect | Template:  # fmt: skip
        """Keep the order; two channels in the same place: the form again, with the reason."""
        me, _ = await applicant(request, person)
        ranks = msgspec.structs.asdict(data)
        try:
            await preferences.save(me.id, order_from_ranks(ranks))
        except errors.RuleViolation as exc:
            return await _page(me, account, ranks, status=422, errors_=exc.fields)
        return Redirect(f"{PAGE}?saved=true", status_code=303)
