"""WeChat mini-program sign-in: code2Session, the bound phone number, encrypted user data.

WeChat answers HTTP 200 almost always; a failure is a JSON body with a non-zero ``errcode``
and an ``errmsg``. ``session_key`` and access tokens are wrapped in ``Secret`` so that they
never reach a log, a repr or a response: ``session_key`` must never leave the server.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

import httpx
import msgspec
import structlog
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app.errors import DomainError, Forbidden, RuleViolation, Unavailable
from app.i18n import N_
from app.platforms.errors import (
    EncryptedDataInvalid,
    ProviderBusy,
    ProviderMisconfigured,
    ProviderResponseInvalid,
    SignInCodeInvalid,
)
from app.platforms.secret import Secret
from app.privacy import mask_phone

log = structlog.get_logger(__name__)

ReplyT = TypeVar("ReplyT", bound="_Reply")

# errcodes from WeChat's server API documentation.
_CODE_REFUSED: Final = frozenset({40029, 40163})  # invalid code; code already used
_BUSY: Final = frozenset({-1, 45011})  # system busy; API minute quota reached
_BLOCKED: Final = 40226  # high-risk user: WeChat blocks the sign-in
_TOKEN_STALE: Final = frozenset({40001, 42001})  # access_token invalid; access_token expired
# Invalid appid or secret, missing appid or secret, caller IP not on the allow-list.
_MISCONFIGURED: Final = frozenset({40013, 40125, 41002, 41004, 40164})
_NO_SUBSCRIPTION: Final = 43101  # the user refused, or used up their one-time subscription
# Bad openid, bad template id, bad data format, bad page: this message can never be sent.
_MESSAGE_REFUSED: Final = frozenset({40003, 40037, 47003, 41030})
# Refresh the access token this long before WeChat says it expires (never more than 10 %).
_REFRESH_MARGIN_SECONDS: Final = 300.0


class WeChatAccountBlocked(Forbidden):
    """WeChat refuses this user's sign-in (errcode 40226, a high-risk account)."""

    default_message = N_(
        "WeChat has restricted sign-in for this account. Please contact WeChat customer service."
    )


class SubscriptionRefused(RuleViolation):
    """WeChat errcode 43101: the user has no subscription left for this template."""

    default_message = N_("You have not subscribed to these WeChat messages.")


class PhoneCodeInvalid(RuleViolation):
    """The one-time code from ``getPhoneNumber`` is unknown, expired or used."""

    default_message = N_(
        "The phone number authorization has expired or was already used. Please authorize again."
    )


class WeChatConfig(msgspec.Struct, kw_only=True, frozen=True):
    """Where and as which mini-program to call WeChat."""

    app_id: str
    app_secret: str
    base_url: str = "https://api.weixin.qq.com"
    timeout_seconds: float = 5.0

    def __repr__(self) -> str:
        return f"WeChatConfig(app_id={self.app_id!r}, app_secret=***, base_url={self.base_url!r})"


class WeChatSession(msgspec.Struct, kw_only=True, frozen=True):
    """Who signed in. ``session_key`` decrypts their data and stays on the server."""

    openid: str
    unionid: str | None
    session_key: Secret


class PhoneInfo(msgspec.Struct, kw_only=True, frozen=True):
    """The phone number a user chose to share; its repr is masked (PIPL)."""

    phone_number: str  # with the country code when it is not 86
    pure_phone_number: str
    country_code: str

    def __repr__(self) -> str:
        return (
            f"PhoneInfo(phone_number={mask_phone(self.phone_number)!r}, "
            f"pure_phone_number={mask_phone(self.pure_phone_number)!r}, "
            f"country_code={self.country_code!r})"
        )


class _Reply(msgspec.Struct, kw_only=True):
    errcode: int = 0
    errmsg: str = ""


class _SessionReply(_Reply):
    openid: str = ""
    session_key: str = ""
    unionid: str | None = None


class _TokenReply(_Reply):
    access_token: str = ""
    expires_in: int = 0


class _Watermark(msgspec.Struct):
    appid: str = ""
    timestamp: int = 0


class _PhoneInfoWire(msgspec.Struct, rename="camel"):
    phone_number: str
    pure_phone_number: str
    country_code: int | str  # WeChat has sent both
    watermark: _Watermark | None = None


class _PhoneReply(_Reply):
    phone_info: _PhoneInfoWire | None = None


class WeChatClient:
    """Calls WeChat's server API for one mini-program."""

    def __init__(
        self,
        config: WeChatConfig,
        http: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._http = http
        self._clock = clock
        # The token is cached on this instance only. Every fetch from /cgi-bin/token starts
        # a new token and ends the previous one a few minutes later, so running more than one
        # process needs a shared cache (Redis with a lock, or getStableAccessToken) instead.
        self._token: Secret | None = None
        self._token_fresh_until = 0.0
        self._token_lock = asyncio.Lock()

    async def code_to_session(self, js_code: str) -> WeChatSession:
        """Exchange the code from ``wx.login`` for the user's openid and session key."""
        if not js_code.strip():
            raise SignInCodeInvalid()
        params = {
            "appid": self._config.app_id,
            "secret": self._config.app_secret,
            "js_code": js_code,
            "grant_type": "authorization_code",
        }
        reply = await self._call("GET", "/sns/jscode2session", params, _SessionReply)
        _raise_for_errcode(reply, "jscode2session", code_error=SignInCodeInvalid)
        if not reply.openid or not reply.session_key:
            raise ProviderResponseInvalid()
        return WeChatSession(
            openid=reply.openid,
            unionid=reply.unionid or None,
            session_key=Secret(reply.session_key),
        )

    async def access_token(self) -> Secret:
        """The mini-program's access token, fetched again shortly before it expires."""
        async with self._token_lock:
            if self._token is not None and self._clock() < self._token_fresh_until:
                return self._token
            started = self._clock()
            params = {
                "grant_type": "client_credential",
                "appid": self._config.app_id,
                "secret": self._config.app_secret,
            }
            reply = await self._call("GET", "/cgi-bin/token", params, _TokenReply)
            _raise_for_errcode(reply, "token", code_error=ProviderMisconfigured)
            if not reply.access_token or reply.expires_in <= 0:
                raise ProviderResponseInvalid()
            margin = min(_REFRESH_MARGIN_SECONDS, reply.expires_in / 10)
            self._token = Secret(reply.access_token)
            self._token_fresh_until = started + reply.expires_in - margin
            return self._token

    async def phone_number(self, code: str) -> PhoneInfo:
        """The phone number behind a ``getPhoneNumber`` code (the code is single-use)."""
        if not code.strip():
            raise PhoneCodeInvalid()
        token = await self.access_token()
        reply = await self._request_phone_number(token, code)
        if reply.errcode in _TOKEN_STALE:
            # WeChat ended the token early (another fetch, a secret reset): fetch and retry once.
            self._forget_token(token)
            reply = await self._request_phone_number(await self.access_token(), code)
        _raise_for_errcode(reply, "getuserphonenumber", code_error=PhoneCodeInvalid)
        wire = reply.phone_info
        if wire is None or (wire.watermark and wire.watermark.appid != self._config.app_id):
            raise ProviderResponseInvalid()
        return PhoneInfo(
            phone_number=wire.phone_number,
            pure_phone_number=wire.pure_phone_number,
            country_code=str(wire.country_code),
        )

    async def send_subscribe_message(
        self, *, openid: str, template_id: str, page: str, data: Mapping[str, str], lang: str
    ) -> None:
        """``subscribeMessage.send``: one message the user subscribed to (订阅消息).

        ``SubscriptionRefused`` (43101) is final for this template until the user subscribes
        again; a stale token is fetched again and the send retried once.
        """
        body: dict[str, object] = {
            "touser": openid,
            "template_id": template_id,
            "page": page,
            "data": {key: {"value": value} for key, value in data.items()},
            "miniprogram_state": "formal",
            "lang": lang,
        }
        token = await self.access_token()
        reply = await self._send_subscribe(token, body)
        if reply.errcode in _TOKEN_STALE:
            self._forget_token(token)
            reply = await self._send_subscribe(await self.access_token(), body)
        if reply.errcode == _NO_SUBSCRIPTION:
            raise SubscriptionRefused()
        if reply.errcode in _MESSAGE_REFUSED:
            log.warning("wechat_message_refused", errcode=reply.errcode)
            raise ProviderMisconfigured()
        _raise_for_errcode(reply, "subscribe.send", code_error=ProviderMisconfigured)

    async def _send_subscribe(self, token: Secret, body: Mapping[str, object]) -> _Reply:
        params = {"access_token": token.reveal()}
        return await self._call(
            "POST", "/cgi-bin/message/subscribe/send", params, _Reply, body=body
        )

    async def _request_phone_number(self, token: Secret, code: str) -> _PhoneReply:
        params = {"access_token": token.reveal()}
        return await self._call(
            "POST", "/wxa/business/getuserphonenumber", params, _PhoneReply, body={"code": code}
        )

    def _forget_token(self, token: Secret) -> None:
        # Only if no other task has replaced it meanwhile, so one refresh serves them all.
        if self._token == token:
            self._token = None

    async def _call(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        reply_type: type[ReplyT],
        *,
        body: Mapping[str, object] | None = None,
    ) -> ReplyT:
        """One request; transport trouble becomes ``Unavailable``, bad JSON too."""
        url = self._config.base_url.rstrip("/") + path
        try:
            response = await self._http.request(
                method,
                url,
                params=params,
                content=None if body is None else msgspec.json.encode(body),
                headers=None if body is None else {"Content-Type": "application/json"},
                timeout=self._config.timeout_seconds,
            )
        except httpx.HTTPError as exc:
            # Not chained: httpx errors carry the request, whose URL holds the secret or token.
            log.warning("wechat_unreachable", endpoint=path, error=type(exc).__name__)
            raise Unavailable() from None
        if response.status_code != httpx.codes.OK:
            log.warning("wechat_http_status", endpoint=path, status=response.status_code)
            raise ProviderResponseInvalid()
        try:
            # Decoded whatever the Content-Type: jscode2session has been seen to say text/plain.
            return msgspec.json.decode(response.content, type=reply_type)
        except msgspec.DecodeError:
            log.warning("wechat_unreadable_reply", endpoint=path)
            raise ProviderResponseInvalid() from None


def _raise_for_errcode(reply: _Reply, endpoint: str, *, code_error: type[DomainError]) -> None:
    """Map WeChat's ``errcode`` to a domain error; ``code_error`` is for a refused code."""
    if reply.errcode == 0:
        return
    # errmsg holds a request id ("rid") that WeChat support asks for; it never holds secrets.
    log.warning("wechat_error", endpoint=endpoint, errcode=reply.errcode, errmsg=reply.errmsg[:200])
    if reply.errcode in _CODE_REFUSED:
        raise code_error()
    if reply.errcode in _BUSY:
        raise ProviderBusy()
    if reply.errcode == _BLOCKED:
        raise WeChatAccountBlocked()
    if reply.errcode in _MISCONFIGURED:
        raise ProviderMisconfigured()
    raise Unavailable()


def decrypt_encrypted_data(
    session_key: Secret | str, encrypted_data: str, iv: str, app_id: str
) -> dict[str, Any]:
    """Decrypt ``encryptedData`` from the mini-program and check it was made for ``app_id``.

    AES-128-CBC with key = base64(session_key) and IV = base64(iv), PKCS#7 padded, as in
    WeChat's "开放数据校验与解密". Any failure raises ``EncryptedDataInvalid`` and says no
    more: which step failed would help an attacker probing with forged data.
    """
    key_text = session_key.reveal() if isinstance(session_key, Secret) else session_key
    try:
        plaintext = _aes_128_cbc_decrypt(_b64(key_text), _b64(iv), _b64(encrypted_data))
        payload = msgspec.json.decode(plaintext)
    except (ValueError, msgspec.DecodeError):  # binascii.Error is a ValueError
        raise EncryptedDataInvalid() from None
    if not isinstance(payload, dict) or _watermark_app_id(payload) != app_id:
        raise EncryptedDataInvalid()
    return payload


def _b64(text: str) -> bytes:
    # Clients wrap long base64 lines; whitespace is never part of the data.
    return base64.b64decode("".join(text.split()), validate=True)


def _aes_128_cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    if len(key) != 16 or len(iv) != 16 or not data or len(data) % 16:
        raise binascii.Error("not AES-128-CBC input")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def _watermark_app_id(payload: dict[str, Any]) -> str | None:
    watermark = payload.get("watermark")
    appid = watermark.get("appid") if isinstance(watermark, dict) else None
    return appid if isinstance(appid, str) else None
