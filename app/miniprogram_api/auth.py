"""``/mp/v1/auth``: sign-in by SMS code, WeChat or Alipay; token refresh; sign-out (here,
or everywhere); me."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from app import errors, i18n
from app.composition.runtime import Runtime
from app.identity.mini_program import MiniProgramAuth, SignInResult
from app.identity.profile import summarize
from app.identity.sign_in import SignInService
from app.identity.tokens import TokenPair
from app.web.access import Access
from app.web.providers.identity import provide_mini_program_auth, provide_sign_in
from app.web.requests import client_ip
from app.web.subjects import bearer_person, required_bearer

# Stated in the document, so a client knows before sending: digits only, no +86 or spaces.
Phone = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^1[3-9][0-9]{9}$",
        description="An 11-digit mainland mobile number, digits only (13800138000).",
    ),
]


class CodeRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """Ask for a sign-in code."""

    phone: Phone


class CodeSentBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A code is on its way (said the same way whether or not the number has an account)."""

    masked_phone: str
    expires_in_seconds: int


class SmsSignIn(msgspec.Struct, kw_only=True, rename="camel"):
    """Sign in with a code."""

    phone: Phone
    code: str


class WeChatSignIn(msgspec.Struct, kw_only=True, rename="camel"):
    """The code from ``wx.login``."""

    code: str


class AlipaySignIn(msgspec.Struct, kw_only=True, rename="camel"):
    """The code from ``my.getAuthCode``."""

    auth_code: str


class Binding(msgspec.Struct, kw_only=True, rename="camel"):
    """Bind the waiting WeChat or Alipay account: the ticket, and proof of the phone."""

    binding_ticket: str
    phone: Phone
    code: str


class RefreshRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """A refresh token, to rotate or to end."""

    refresh_token: str


class Me(msgspec.Struct, kw_only=True, rename="camel"):
    """The signed-in person, numbers masked."""

    masked_phone: str
    masked_id_number: str | None
    real_name: str | None
    real_name_level: str


class AuthController(Controller):
    """Sign-in for the WeChat and Alipay mini-programs."""

    path = "/auth"
    tags = ["mini-program: sign-in"]  # noqa: RUF012
    opt = {"access": Access.PUBLIC}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "sign_in": Provide(provide_sign_in, sync_to_thread=False),
        "auth": Provide(provide_mini_program_auth, sync_to_thread=False),
    }

    @post("/sms-codes", status_code=202)
    async def send_code(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[CodeRequest],
        sign_in: NamedDependency[SignInService],
    ) -> CodeSentBody:
        """Send a sign-in code by SMS (rate-limited per number and per address)."""
        sent = await sign_in.request_code(
            data.phone, client_ip=client_ip(request), locale=i18n.current_locale()
        )
        return CodeSentBody(
            masked_phone=sent.masked_phone, expires_in_seconds=sent.expires_in_seconds
        )

    @post("/sms", status_code=200)
    async def sms(
        self, request: Request[Any, Any, Any], data: JSONBody[SmsSignIn],
        auth: NamedDependency[MiniProgramAuth],
    ) -> SignInResult:  # fmt: skip
        """Sign in with the code sent to the phone."""
        return await auth.with_sms(data.phone, data.code, client_ip=client_ip(request))

    @post("/wechat", status_code=200)
    async def wechat(
        self, data: JSONBody[WeChatSignIn], auth: NamedDependency[MiniProgramAuth]
    ) -> SignInResult:
        """Sign in with WeChat: tokens when the account is bound, else a binding ticket."""
        return await auth.with_wechat(data.code)

    @post("/alipay", status_code=200)
    async def alipay(
        self, data: JSONBody[AlipaySignIn], auth: NamedDependency[MiniProgramAuth]
    ) -> SignInResult:
        """Sign in with Alipay: tokens when the account is bound, else a binding ticket."""
        return await auth.with_alipay(data.auth_code)

    @post("/bind", status_code=200)
    async def bind(
        self, request: Request[Any, Any, Any], data: JSONBody[Binding],
        auth: NamedDependency[MiniProgramAuth],
    ) -> SignInResult:  # fmt: skip
        """Prove the phone with a code, bind the waiting account, and sign in."""
        return await auth.bind(
            data.binding_ticket, data.phone, data.code, client_ip=client_ip(request)
        )

    @post("/refresh", status_code=200)
    async def refresh(
        self, data: JSONBody[RefreshRequest], auth: NamedDependency[MiniProgramAuth]
    ) -> TokenPair:
        """Rotate the refresh token. A token used twice ends its whole family (401)."""
        return await auth.refresh(data.refresh_token)

    @post("/sign-out", status_code=204)
    async def sign_out(
        self, data: JSONBody[RefreshRequest], runtime: NamedDependency[Runtime]
    ) -> None:
        """End this sign-in on this device."""
        await runtime.tokens.sign_out(data.refresh_token)


@post(
    "/auth/sign-out-everywhere",
    opt={"access": Access.BEARER_PERSON},
    tags=["mini-program: sign-in"],
    status_code=204,
    dependencies={"sign_in": Provide(provide_sign_in, sync_to_thread=False)},
)
async def sign_out_everywhere(
    request: Request[Any, Any, Any], sign_in: NamedDependency[SignInService],
    runtime: NamedDependency[Runtime],
) -> None:  # fmt: skip
    """End every sign-in of mine, on every device: each web session and each mini-program
    token, this one too (401 from the next request on; signing in again starts afresh).

    The same service as the page's "sign out everywhere"; it is in my security log."""
    person = await required_bearer(request)
    # The epoch moved on ends every token (checked on each request and each refresh) and
    # every web session at its next use; the sessions are also ended at once, as on the web.
    await sign_in.sign_out_everywhere(person, client_ip=client_ip(request))
    await runtime.sessions.end_all(person.id)


@get("/me", opt={"access": Access.BEARER_PERSON}, tags=["mini-program: me"])
async def me(request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]) -> Me:
    """The signed-in person, with masked numbers."""
    person = await bearer_person(request)
    if person is None:
        raise errors.Unauthenticated
    summary = summarize(person, runtime.protector)
    return Me(
        masked_phone=summary.masked_phone,
        masked_id_number=summary.masked_id_number,
        real_name=summary.real_name,
        real_name_level=summary.real_name_level,
    )
