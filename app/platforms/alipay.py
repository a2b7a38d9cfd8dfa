"""Alipay mini-program sign-in: ``alipay.system.oauth.token`` through the open-API gateway.

Every request is signed with the app's private key (RSA2) and every answer is verified with
Alipay's public key before anything in it is believed. Access and refresh tokens are
wrapped in ``Secret``; the private key never appears in a repr or a log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Final
from urllib.parse import urlencode

import httpx
import msgspec
import structlog

from app.errors import Unavailable
from app.platforms._alipay_signing import (
    MalformedJson,
    load_private_key,
    load_public_key,
    sign_rsa2,
    string_to_sign,
    top_level_members,
    verify_rsa2,
)
from app.platforms.errors import (
    ProviderBusy,
    ProviderMisconfigured,
    ProviderResponseInvalid,
    SignInCodeInvalid,
)
from app.platforms.secret import Secret

__all__ = [
    "AlipayBusinessRefused",
    "AlipayClient",
    "AlipayConfig",
    "AlipayToken",
    "alipay_timestamp",
    "string_to_sign",
    "top_level_members",
]

log = structlog.get_logger(__name__)

# Alipay reads ``timestamp`` as Beijing time. China has kept UTC+8 without DST since 1991,
# so a fixed offset is exact and needs no tz database on the server.
_BEIJING: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
_SIGN_IN_METHOD: Final = "alipay.system.oauth.token"
_MESSAGE_METHOD: Final = "alipay.open.app.mini.templatemessage.send"
_BUSINESS_REFUSED: Final = "40004"
_ERROR_MEMBER: Final = "error_response"
_SUCCESS: Final = "10000"
# sub_code of a code that is wrong, used or expired (授权码错误、状态不对或过期).
_CODE_REFUSED: Final = frozenset({"isv.code-invalid"})
# Gateway codes for a request Alipay would never accept from us as configured: missing or
# invalid arguments (bad signature, unknown app_id, code of another app), no permission.
_MISCONFIGURED: Final = frozenset({"40001", "40002", "40006", "20001"})
_BUSY: Final = "20000"  # service currently unavailable: retry later


class AlipayBusinessRefused(Unavailable):
    """Alipay understood the request and refuses its business (code 40004): do not retry."""


class AlipayConfig(msgspec.Struct, kw_only=True, frozen=True):
    """Where and as which app to call Alipay; keys are PEM or Alipay's bare base64."""

    app_id: str
    app_private_key_pem: str
    alipay_public_key_pem: str
    gateway_url: str = "https://openapi.alipay.com/gateway.do"
    timeout_seconds: float = 5.0

    def __repr__(self) -> str:
        return (
            f"AlipayConfig(app_id={self.app_id!r}, app_private_key_pem=***, "
            f"gateway_url={self.gateway_url!r})"
        )


class AlipayToken(msgspec.Struct, kw_only=True, frozen=True):
    """Who signed in: ``user_id`` (2088…) or, for newer apps, ``open_id``; both may be set."""

    user_id: str | None
    open_id: str | None
    access_token: Secret
    expires_in: int
    refresh_token: Secret


class _Response(msgspec.Struct, kw_only=True):
    """Any gateway answer member: the token fields, or the code fields of a failure."""

    code: str | None = None
    msg: str = ""
    sub_code: str = ""
    sub_msg: str = ""
    user_id: str | None = None
    open_id: str | None = None
    access_token: str = ""
    expires_in: int | str = 0  # documented as a number, seen as a string
    refresh_token: str = ""


def alipay_timestamp(moment: datetime) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in Beijing time, as the gateway expects."""
    return moment.astimezone(_BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AlipayClient:
    """Calls Alipay's open-API gateway for one mini-program."""

    def __init__(
        self,
        config: AlipayConfig,
        http: httpx.AsyncClient,
        *,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._config = config
        self._http = http
        self._now = now
        # Parsed once: a wrong key fails when the app is wired, not at the first sign-in.
        self._private_key = load_private_key(config.app_private_key_pem)
        self._alipay_key = load_public_key(config.alipay_public_key_pem)

    async def oauth_token(self, auth_code: str) -> AlipayToken:
        """Exchange the code from ``my.getAuthCode`` for the user's id and tokens."""
        if not auth_code.strip():
            raise SignInCodeInvalid()
        # For this method grant_type and code are top-level parameters, not biz_content.
        params = self.signed_params(
            _SIGN_IN_METHOD, {"grant_type": "authorization_code", "code": auth_code}
        )
        body = await self._post(params)
        reply = self._verified_reply(body, "alipay_system_oauth_token_response")
        expires_in = _int_or_none(reply.expires_in)
        if not reply.access_token or expires_in is None or not (reply.user_id or reply.open_id):
            raise ProviderResponseInvalid()
        return AlipayToken(
            user_id=reply.user_id or None,
            open_id=reply.open_id or None,
            access_token=Secret(reply.access_token),
            expires_in=expires_in,
            refresh_token=Secret(reply.refresh_token),
        )

    async def send_template_message(
        self, *, to_user_id: str, template_id: str, page: str, data: Mapping[str, str]
    ) -> None:
        """``alipay.open.app.mini.templatemessage.send``: one mini-program template message.

        A business refusal (code 40004: no form id or subscription left, bad template) is
        ``AlipayBusinessRefused``, final for this message; ``ProviderBusy`` may be retried.
        """
        biz = {
            "to_user_id": to_user_id,
            "user_template_id": template_id,
            "page": page,
            # Alipay wants ``data`` as a JSON string inside the JSON biz_content.
            "data": msgspec.json.encode(
                {key: {"value": value} for key, value in data.items()}
            ).decode(),
        }
        params = self.signed_params(
            _MESSAGE_METHOD, {"biz_content": msgspec.json.encode(biz).decode()}
        )
        body = await self._post(params)
        self._verified_reply(body, "alipay_open_app_mini_templatemessage_send_response")

    def signed_params(self, method: str, extra: Mapping[str, str]) -> dict[str, str]:
        """The common parameters, ``extra`` and the RSA2 ``sign`` over all of them."""
        params = {
            "app_id": self._config.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": alipay_timestamp(self._now()),
            "version": "1.0",
            **extra,
        }
        params["sign"] = sign_rsa2(string_to_sign(params), self._private_key)
        return params

    async def _post(self, params: Mapping[str, str]) -> bytes:
        """A form POST to the gateway; transport trouble becomes ``Unavailable``."""
        try:
            response = await self._http.post(
                self._config.gateway_url,
                content=urlencode(params).encode("ascii"),
                headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
                timeout=self._config.timeout_seconds,
            )
        except httpx.HTTPError as exc:
            log.warning("alipay_unreachable", method=params.get("method"), error=type(exc).__name__)
            raise Unavailable() from None
        if response.status_code != httpx.codes.OK:
            log.warning("alipay_http_status", status=response.status_code)
            raise ProviderResponseInvalid()
        return response.content

    def _verified_reply(self, body: bytes, member: str) -> _Response:
        """The answer member, after its raw text is verified against the body's ``sign``."""
        try:
            members = top_level_members(body)
            signature = msgspec.json.decode(members.get("sign", b'""'), type=str)
        except (MalformedJson, msgspec.DecodeError):
            log.warning("alipay_unreadable_reply")
            raise ProviderResponseInvalid() from None
        names = [name for name in (member, _ERROR_MEMBER) if name in members]
        if len(names) != 1:
            log.warning("alipay_unexpected_reply", members=sorted(members))
            raise ProviderResponseInvalid()
        raw = members[names[0]]
        if not signature or not verify_rsa2(raw, signature, self._alipay_key):
            # Unsigned or forged: not even an error code in it is believed.
            log.warning("alipay_signature_refused", member=names[0], signed=bool(signature))
            raise ProviderResponseInvalid()
        try:
            reply = msgspec.json.decode(raw, type=_Response)
        except msgspec.DecodeError:
            raise ProviderResponseInvalid() from None
        if names[0] == _ERROR_MEMBER or (reply.code is not None and reply.code != _SUCCESS):
            _raise_for_error(reply)
        return reply


def _raise_for_error(reply: _Response) -> None:
    """Map a gateway failure (``code`` / ``sub_code``) to a domain error."""
    log.warning(
        "alipay_error", code=reply.code, sub_code=reply.sub_code, sub_msg=reply.sub_msg[:200]
    )
    if reply.sub_code in _CODE_REFUSED:
        raise SignInCodeInvalid()
    if reply.code == _BUSY or reply.sub_code.startswith("isp."):
        raise ProviderBusy()
    if reply.code in _MISCONFIGURED:
        raise ProviderMisconfigured()
    if reply.code == _BUSINESS_REFUSED:
        raise AlipayBusinessRefused()
    raise Unavailable()


def _int_or_none(value: int | str) -> int | None:
    if isinstance(value, int):
        return value if value > 0 else None
    return int(value) if value.isdigit() and int(value) > 0 else None
