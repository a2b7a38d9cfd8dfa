"""WeChat's server API and Alipay's gateway as local stand-ins (absent in production).

The app's own clients call the protocol routes (``/dev/wechat/sns/jscode2session`` …,
``/dev/alipay/gateway.do``) when no mini-program credentials are configured. A developer,
a script or a page test calls the others to get what ``wx.login``, the ``getPhoneNumber``
button or ``my.getAuthCode`` would give a mini-program, and to see the messages "sent".
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post, route
from litestar.di import NamedDependency
from litestar.params import JSONBody

from app import errors
from app.composition.runtime import Runtime
from app.platforms.standins import (
    ALIPAY_PATH,
    WECHAT_PATH,
    AlipayStandIn,
    Reply,
    StandInRequest,
    WeChatStandIn,
)
from app.platforms.standins.wechat import LOGIN_CODE_SECONDS
from app.web.access import Access

_DEVELOPMENT = {"access": Access.DEVELOPMENT}
# Who signs in when a request names nobody: the same developer every time, so the account
# bound on the first sign-in is found again on the next.
DEMO_OPENID = "o-onething-developer"
DEMO_ALIPAY_USER_ID = "2088000000000001"


class WeChatLogin(msgspec.Struct, kw_only=True, rename="camel"):
    """The WeChat user ``wx.login`` runs as."""

    openid: str = DEMO_OPENID
    unionid: str | None = None


class WeChatLoginCode(msgspec.Struct, kw_only=True, rename="camel"):
    """What ``wx.login`` gives: a code for ``POST /mp/v1/auth/wechat``, single-use."""

    code: str
    openid: str
    expires_in_seconds: int


class PhoneCodeRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """The number the user shares with the ``getPhoneNumber`` button."""

    phone: str
    country_code: str = "86"


class PhoneCode(msgspec.Struct, kw_only=True, rename="camel"):
    """The button's one-time code (the number is sealed inside, never in clear)."""

    code: str


class WeChatSubscription(msgspec.Struct, kw_only=True, rename="camel"):
    """The user tapped "allow" for a template ``count`` times."""

    openid: str
    template_id: str
    count: int = 1


class AlipayLogin(msgspec.Struct, kw_only=True, rename="camel"):
    """The Alipay user ``my.getAuthCode`` runs as: a ``2088…`` user id, or an open id."""

    user_id: str | None = None
    open_id: str | None = None


class AlipayAuthCode(msgspec.Struct, kw_only=True, rename="camel"):
    """What ``my.getAuthCode`` gives: a code for ``POST /mp/v1/auth/alipay``, single-use."""

    auth_code: str
    user_id: str | None
    open_id: str | None


class AlipaySubscription(msgspec.Struct, kw_only=True, rename="camel"):
    """The user subscribed to ``count`` more template messages."""

    user_id: str
    count: int = 1


def _wechat(runtime: Runtime) -> WeChatStandIn:
    if runtime.wechat_standin is None:
        raise errors.NotFound
    return runtime.wechat_standin


def _alipay(runtime: Runtime) -> AlipayStandIn:
    if runtime.alipay_standin is None:
        raise errors.NotFound
    return runtime.alipay_standin


async def _standin_request(request: Request[Any, Any, Any], prefix: str) -> StandInRequest:
    query = request.query_params
    return StandInRequest(
        method=request.method,
        path=request.url.path.removeprefix(prefix),
        query={name: query.get(name) or "" for name in query},
        content_type=request.headers.get("content-type", ""),
        body=await request.body(),
    )


def _response(reply: Reply) -> Response[bytes]:
    return Response(reply.body, status_code=reply.status, media_type=reply.content_type)


@route(
    [
        f"{WECHAT_PATH}/sns/jscode2session",
        f"{WECHAT_PATH}/cgi-bin/token",
        f"{WECHAT_PATH}/wxa/business/getuserphonenumber",
        f"{WECHAT_PATH}/cgi-bin/message/subscribe/send",
    ],
    http_method=["GET", "POST"],
    opt=_DEVELOPMENT,
    include_in_schema=False,
)
async def wechat_api(
    request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
) -> Response[bytes]:
    """WeChat's server API, answered as WeChat would (HTTP 200 with errcode on failure)."""
    standin = _wechat(runtime)
    return _response(await standin.handle(await _standin_request(request, WECHAT_PATH)))


@post(f"{WECHAT_PATH}/login", opt=_DEVELOPMENT, include_in_schema=False, status_code=200)
async def wechat_login(
    runtime: NamedDependency[Runtime], data: JSONBody[WeChatLogin]
) -> WeChatLoginCode:
    """``wx.login`` for the given openid (a fixed demo user when the body is ``{}``)."""
    code = _wechat(runtime).issue_login_code(openid=data.openid, unionid=data.unionid)
    return WeChatLoginCode(code=code, openid=data.openid, expires_in_seconds=LOGIN_CODE_SECONDS)


@post(f"{WECHAT_PATH}/phone-code", opt=_DEVELOPMENT, include_in_schema=False, status_code=200)
async def wechat_phone_code(
    runtime: NamedDependency[Runtime], data: JSONBody[PhoneCodeRequest]
) -> PhoneCode:
    """What the ``getPhoneNumber`` button gives when the user shares ``phone``."""
    standin = _wechat(runtime)
    return PhoneCode(
        code=standin.issue_phone_code(pure_phone_number=data.phone, country_code=data.country_code)
    )


@post(f"{WECHAT_PATH}/subscriptions", opt=_DEVELOPMENT, include_in_schema=False, status_code=204)
async def wechat_subscribe(
    runtime: NamedDependency[Runtime], data: JSONBody[WeChatSubscription]
) -> None:
    """``wx.requestSubscribeMessage`` answered "accept" ``count`` times."""
    await _wechat(runtime).add_subscriptions(data.openid, data.template_id, data.count)


@get(f"{WECHAT_PATH}/messages", opt=_DEVELOPMENT, include_in_schema=False)
async def wechat_messages(runtime: NamedDependency[Runtime]) -> list[dict[str, Any]]:
    """The subscribe messages the stand-in accepted lately, oldest first."""
    return await _wechat(runtime).sent_messages()


@route(
    f"{ALIPAY_PATH}/gateway.do",
    http_method=["GET", "POST"],
    opt=_DEVELOPMENT,
    include_in_schema=False,
)
async def alipay_gateway(
    request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
) -> Response[bytes]:
    """Alipay's gateway: verifies the RSA2 request, answers signed as Alipay would."""
    standin = _alipay(runtime)
    return _response(await standin.handle(await _standin_request(request, ALIPAY_PATH)))


@post(f"{ALIPAY_PATH}/login", opt=_DEVELOPMENT, include_in_schema=False, status_code=200)
async def alipay_login(
    runtime: NamedDependency[Runtime], data: JSONBody[AlipayLogin]
) -> AlipayAuthCode:
    """``my.getAuthCode`` for the given user (a fixed demo user when the body is ``{}``)."""
    user_id = data.user_id or (None if data.open_id else DEMO_ALIPAY_USER_ID)
    code = _alipay(runtime).issue_auth_code(user_id=user_id, open_id=data.open_id)
    return AlipayAuthCode(auth_code=code, user_id=user_id, open_id=data.open_id)


@post(f"{ALIPAY_PATH}/subscriptions", opt=_DEVELOPMENT, include_in_schema=False, status_code=204)
async def alipay_subscribe(
    runtime: NamedDependency[Runtime], data: JSONBody[AlipaySubscription]
) -> None:
    """The user subscribed to ``count`` more template messages."""
    await _alipay(runtime).add_subscriptions(data.user_id, data.count)


@get(f"{ALIPAY_PATH}/messages", opt=_DEVELOPMENT, include_in_schema=False)
async def alipay_messages(runtime: NamedDependency[Runtime]) -> list[dict[str, Any]]:
    """The template messages the stand-in accepted lately, oldest first."""
    return await _alipay(runtime).sent_messages()


route_handlers = [
    wechat_api,
    wechat_login,
    wechat_phone_code,
    wechat_subscribe,
    wechat_messages,
    alipay_gateway,
    alipay_login,
    alipay_subscribe,
    alipay_messages,
]
