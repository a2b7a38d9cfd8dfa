"""``/mp/v1/me/reveal``: my full ID and phone numbers, after a fresh SMS code.

The same service and rules as the page ``/me/reveal`` (``app/identity/account.py``): a new
code to my own phone (rate-limited like sign-in codes: 429 ``rate_limited``), then the code
proves it is still me. A wrong or expired code answers 422 and is in my security log as a
refused reveal; a right one is logged as numbers revealed, and opens them for a few
minutes on this sign-in only (on the web: on the device that proved it). These are the only
answers of ``/mp/v1`` with numbers in clear, and none of them may be stored on the way.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import Body

from app import errors, i18n
from app.composition.runtime import Runtime
from app.identity.account import REVEAL_SECONDS, AccountService
from app.identity.profile import summarize
from app.web.access import Access
from app.web.providers.identity import provide_account
from app.web.requests import client_ip
from app.web.subjects import bearer_key, required_bearer


class RevealCodeSent(msgspec.Struct, kw_only=True, rename="camel"):
    """A code is on its way to my own phone (shown masked)."""

    masked_phone: str


class RevealCode(msgspec.Struct, kw_only=True, rename="camel"):
    """The code just texted to my phone."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]


class FullNumbersBody(msgspec.Struct, kw_only=True, rename="camel"):
    """My numbers in full (``idNumber`` null before real-name verification), to show now
    and not keep: the reveal lasts ``revealSeconds`` on this sign-in."""

    phone: str
    id_number: str | None
    reveal_seconds: int


class RevealApi(Controller):
    """Showing my full numbers through the mini-program, after re-authentication."""

    path = "/me/reveal"
    tags = ["mini-program: me"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {"account": Provide(provide_account, sync_to_thread=False)}  # noqa: RUF012

    @post("/code", status_code=202, cache_control=CacheControlHeader(no_store=True))
    async def send_code(
        self, request: Request[Any, Any, Any], account: NamedDependency[AccountService],
        runtime: NamedDependency[Runtime],
    ) -> RevealCodeSent:  # fmt: skip
        """Text a fresh code to my own phone (one a minute, as sign-in codes: else 429)."""
        person = await required_bearer(request)
        await account.send_reveal_code(
            person, client_ip=client_ip(request), locale=i18n.current_locale()
        )
        return RevealCodeSent(masked_phone=summarize(person, runtime.protector).masked_phone)

    @post("/", status_code=200, cache_control=CacheControlHeader(no_store=True))
    async def reveal(
        self, request: Request[Any, Any, Any], data: Annotated[RevealCode, Body()],
        account: NamedDependency[AccountService],
    ) -> FullNumbersBody:  # fmt: skip
        """Check the code and answer my full numbers (a wrong or expired code: 422, logged
        as a refused reveal)."""
        person, key = await required_bearer(request), bearer_key(request)
        await account.confirm_reveal(person, key, data.code, client_ip=client_ip(request))
        numbers = await account.full_numbers(person, key)
        if numbers is None:  # the reveal was opened a moment ago: only a fault closes it
            raise errors.Unavailable
        return FullNumbersBody(
            phone=numbers.phone, id_number=numbers.id_number, reveal_seconds=REVEAL_SECONDS
        )
