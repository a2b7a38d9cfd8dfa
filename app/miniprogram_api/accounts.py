"""``/mp/v1/me/accounts``: the WeChat and Alipay accounts bound to me, and unbinding one.

The same service as the page ``/me/accounts`` (``app/identity/account.py``): only my own
accounts are listed or unbound (anyone else's answers 404) and each unbinding is in my
security log. The account's platform id (openid, user_id) is never answered. Unbinding the
account this mini-program signed in with is allowed, as on the web: this sign-in lasts
until its tokens end, and the next ``wx.login`` asks to bind again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from app.identity.account import AccountService
from app.identity.labels import provider_label
from app.identity.models import ExternalAccount, Person
from app.web.access import Access
from app.web.providers.identity import provide_account
from app.web.requests import client_ip
from app.web.subjects import required_bearer


class BoundAccount(msgspec.Struct, kw_only=True, rename="camel"):
    """A platform account that can sign me in: ``provider`` is ``wechat`` or ``alipay``."""

    id: UUID
    provider: str
    provider_label: str
    bound_at: datetime


class BoundAccounts(msgspec.Struct, kw_only=True, rename="camel"):
    """My bound accounts, the oldest first."""

    accounts: list[BoundAccount]


def _account(account: ExternalAccount) -> BoundAccount:
    return BoundAccount(
        id=account.id, provider=str(account.provider),
        provider_label=provider_label(account.provider),
        bound_at=account.created_at,
    )  # fmt: skip


async def _accounts(person: Person, account: AccountService) -> BoundAccounts:
    return BoundAccounts(accounts=[_account(a) for a in await account.external_accounts(person)])


class BoundAccountApi(Controller):
    """My bound WeChat and Alipay accounts through the mini-program."""

    path = "/me/accounts"
    tags = ["mini-program: me"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {"account": Provide(provide_account, sync_to_thread=False)}  # noqa: RUF012

    @get("/")
    async def mine(
        self, request: Request[Any, Any, Any], account: NamedDependency[AccountService]
    ) -> BoundAccounts:
        """The WeChat and Alipay accounts bound to me."""
        return await _accounts(await required_bearer(request), account)

    @post("/{account_id:uuid}/unbind", status_code=200)
    async def unbind(
        self, request: Request[Any, Any, Any], account_id: FromPath[UUID],
        account: NamedDependency[AccountService],
    ) -> BoundAccounts:  # fmt: skip
        """Unbind one of my accounts (someone else's: 404); answers the ones left."""
        person = await required_bearer(request)
        await account.unbind(person, account_id, client_ip=client_ip(request))
        return await _accounts(person, account)
