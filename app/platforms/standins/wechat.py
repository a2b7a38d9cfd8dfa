"""WeChat's server API for one mini-program: code2Session, access tokens, phone numbers and
subscribe messages, as WeChat documents them.

HTTP 200 with ``errcode``/``errmsg`` on failure; login and phone codes are single-use and
expire after five minutes; access tokens expire and can be ended early; the app id and
secret are checked on every call that carries them; the minute quota answers 45011.
"""

from __future__ import annotations

import base64
import math
import os
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any, Final

import msgspec
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app.platforms.standins._store import StandInStore
from app.platforms.standins._wire import CodeSeal, Reply, StandInRequest, code_id, json_reply

LOGIN_CODE_SECONDS: Final = 300  # a wx.login code is valid for five minutes
PHONE_CODE_SECONDS: Final = 300
_KEPT_SECONDS: Final = 3 * 24 * 3600  # how long session keys, subscriptions and messages stay
_KEPT_MESSAGES: Final = 200
_KEPT_TOKENS: Final = 1000
ERRMSG: Final = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40163: "code been used",
    40226: "high risk user, login blocked",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    43101: "user refuse to accept the msg",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    47001: "data format error",
    47003: "argument invalid! data.thing1.value is too long",
}
# subscribeMessage field limits by the key's type prefix (thing1, phrase3 …).
_LIMITS: Final = {"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "phone_number": 17}


class _Token(msgspec.Struct):
    expires_at: float
    revoked: bool = False


class WeChatStandIn:
    """WeChat's server API for the mini-program ``app_id``; ``clock`` gives seconds."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        store: StandInStore,
        clock: Callable[[], float] = time.time,
        code_key: bytes | None = None,
        token_seconds: int = 7200,
        rate_limit_per_minute: int | None = None,
        country_code_as_number: bool = False,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.clock = clock
        self.token_seconds = token_seconds
        self.rate_limit_per_minute = rate_limit_per_minute
        self.country_code_as_number = country_code_as_number  # WeChat has sent both
        self._store = store
        key = code_key or os.urandom(32)
        self._login_codes = CodeSeal(key, f"wechat-login:{app_id}")
        self._phone_codes = CodeSeal(key, f"wechat-phone:{app_id}")

    def issue_login_code(
        self, *, openid: str, unionid: str | None = None, blocked: bool = False
    ) -> str:
        """What ``wx.login`` gives the mini-program of this user."""
        claims = {"openid": openid, "unionid": unionid, "blocked": blocked, "at": self.clock()}
        return self._login_codes.seal(claims)

    def issue_phone_code(self, *, pure_phone_number: str, country_code: str = "86") -> str:
        """What the ``getPhoneNumber`` button gives the mini-program (the number is sealed)."""
        claims = {"phone": pure_phone_number, "country": country_code, "at": self.clock()}
        return self._phone_codes.seal(claims)

    async def add_subscriptions(self, openid: str, template_id: str, count: int = 1) -> None:
        """The user tapped "allow" ``count`` times (``wx.requestSubscribeMessage``)."""
        await self._store.add(f"subscription:{openid}:{template_id}", count, _KEPT_SECONDS)

    async def sent_messages(self) -> list[dict[str, Any]]:
        """The subscribe messages WeChat accepted lately, as sent, oldest first."""
        items = await self._store.items("messages")
        return [msgspec.json.decode(item, type=dict[str, Any]) for item in items]

    async def end_tokens(self) -> None:
        """End every token now, as a secret reset or another token fetch does (40001)."""
        await self._change_tokens(lambda token: msgspec.structs.replace(token, revoked=True))

    async def expire_tokens_now(self) -> None:
        """Every token expires now (42001): WeChat's clock and the client's may disagree."""
        now = self.clock()
        await self._change_tokens(lambda token: msgspec.structs.replace(token, expires_at=now))

    async def encrypt_user_data(self, openid: str, data: Mapping[str, Any]) -> tuple[str, str]:
        """(encryptedData, iv) of ``data`` under the user's latest session key, watermarked."""
        session_key = await self._store.get(f"session-key:{openid}")
        if session_key is None:
            raise LookupError("this user has not signed in: no session key yet")
        payload = {**data, "watermark": {"appid": self.app_id, "timestamp": int(self.clock())}}
        padder = padding.PKCS7(128).padder()
        plain = padder.update(msgspec.json.encode(payload)) + padder.finalize()
        iv = secrets.token_bytes(16)
        encryptor = Cipher(algorithms.AES(base64.b64decode(session_key)), modes.CBC(iv)).encryptor()
        encrypted = encryptor.update(plain) + encryptor.finalize()
        return base64.b64encode(encrypted).decode(), base64.b64encode(iv).decode()

    async def handle(self, request: StandInRequest) -> Reply:
        """Answer one request to the server API as WeChat would."""
        routes = {
            "/sns/jscode2session": self._code_to_session,
            "/cgi-bin/token": self._token,
            "/wxa/business/getuserphonenumber": self._phone_number,
            "/cgi-bin/message/subscribe/send": self._subscribe_send,
        }
        route = routes.get(request.path)
        if route is None:
            return Reply(404, "text/plain", b"not found")
        refusal = await self._throttle() or await self._fault()
        return error(refusal) if refusal else await route(request)

    async def _fault(self) -> int | None:
        """An errcode to answer instead of the real one (tests make WeChat busy here)."""
        return None

    async def _token_issued(self, token: str) -> None:
        """Called with each new access token (tests count them, or end them at once)."""

    async def _throttle(self) -> int | None:
        if self.rate_limit_per_minute is None:
            return None
        minute = math.floor(self.clock() / 60)
        calls = await self._store.add(f"calls:{minute}", 1, 120)
        return 45011 if calls > self.rate_limit_per_minute else None

    def _check_app(self, request: StandInRequest) -> int | None:
        appid, secret = request.query.get("appid"), request.query.get("secret")
        if not appid:
            return 41002
        if appid != self.app_id:
            return 40013
        if not secret:
            return 41004
        return 40125 if not secrets.compare_digest(secret, self.app_secret) else None

    async def _code_to_session(self, request: StandInRequest) -> Reply:
        if request.method != "GET":
            return error(43001)
        refusal = self._check_app(request)
        if refusal is None and request.query.get("grant_type") != "authorization_code":
            refusal = 40002
        js_code = request.query.get("js_code", "")
        if refusal is None and not js_code:
            refusal = 41008
        if refusal is not None:
            return error(refusal)
        login = self._login_codes.open(js_code)
        if login is None or self.clock() - float(login["at"]) > LOGIN_CODE_SECONDS:
            return error(40029)
        if not await self._store.claim(f"used:{code_id(js_code)}", LOGIN_CODE_SECONDS * 2):
            return error(40163)
        if login["blocked"]:
            return error(40226)
        session_key = base64.b64encode(secrets.token_bytes(16)).decode()
        await self._store.put(f"session-key:{login['openid']}", session_key, _KEPT_SECONDS)
        answer = {"session_key": session_key, "openid": login["openid"]}
        if login["unionid"]:
            answer["unionid"] = login["unionid"]
        # WeChat labels this JSON text/plain; clients must not rely on the Content-Type.
        return json_reply(answer, "text/plain")

    async def _token(self, request: StandInRequest) -> Reply:
        if request.method != "GET":
            return error(43001)
        refusal = self._check_app(request)
        if refusal is None and request.query.get("grant_type") != "client_credential":
            refusal = 40002
        if refusal is not None:
            return error(refusal)
        token = secrets.token_urlsafe(96)
        record = _Token(expires_at=self.clock() + self.token_seconds)
        await self._store.put(f"token:{token}", _encode(record), self._token_ttl)
        await self._store.push("tokens", token, self._token_ttl, keep=_KEPT_TOKENS)
        await self._token_issued(token)
        return _json({"access_token": token, "expires_in": self.token_seconds})

    async def _phone_number(self, request: StandInRequest) -> Reply:
        if request.method != "POST":
            return error(43002)
        refusal = await self._check_token(request.query.get("access_token"))
        if refusal is not None:
            return error(refusal)
        try:
            code = msgspec.json.decode(request.body, type=dict[str, Any])["code"]
        except (msgspec.DecodeError, KeyError):
            return error(47001)
        phone = self._phone_codes.open(code) if isinstance(code, str) else None
        if phone is None or self.clock() - float(phone["at"]) > PHONE_CODE_SECONDS:
            return error(40029)
        if not await self._store.claim(f"used:{code_id(code)}", PHONE_CODE_SECONDS * 2):
            return error(40029)
        return _json({"errcode": 0, "errmsg": "ok", "phone_info": self._phone_info(phone)})

    async def _subscribe_send(self, request: StandInRequest) -> Reply:
        if request.method != "POST":
            return error(43002)
        refusal = await self._check_token(request.query.get("access_token"))
        if refusal is not None:
            return error(refusal)
        try:
            body = msgspec.json.decode(request.body, type=dict[str, Any])
            openid, template = body["touser"], body["template_id"]
            values = {key: item["value"] for key, item in body["data"].items()}
        except (msgspec.DecodeError, KeyError, TypeError, AttributeError):
            return error(47001)
        if not all(_fits(key, str(value)) for key, value in values.items()):
            return error(47003)
        subscription = f"subscription:{openid}:{template}"
        if await self._store.add(subscription, -1, _KEPT_SECONDS) < 0:
            await self._store.add(subscription, 1, _KEPT_SECONDS)  # none was left to use
            return error(43101)
        await self._store.push("messages", _encode(body), _KEPT_SECONDS, keep=_KEPT_MESSAGES)
        return _json({"errcode": 0, "errmsg": "ok", "msgid": secrets.randbits(60)})

    async def _check_token(self, token: str | None) -> int | None:
        if not token:
            return 41001
        stored = await self._store.get(f"token:{token}")
        record = None if stored is None else msgspec.json.decode(stored, type=_Token)
        if record is None or record.revoked:
            return 40001
        return 42001 if self.clock() >= record.expires_at else None

    async def _change_tokens(self, change: Callable[[_Token], _Token]) -> None:
        for token in await self._store.items("tokens"):
            stored = await self._store.get(f"token:{token}")
            if stored is not None:
                record = change(msgspec.json.decode(stored, type=_Token))
                await self._store.put(f"token:{token}", _encode(record), self._token_ttl)

    @property
    def _token_ttl(self) -> int:
        return self.token_seconds + 3600

    def _phone_info(self, phone: Mapping[str, Any]) -> dict[str, Any]:
        pure, country = str(phone["phone"]), str(phone["country"])
        return {
            "phoneNumber": pure if country == "86" else f"+{country}{pure}",
            "purePhoneNumber": pure,
            "countryCode": int(country) if self.country_code_as_number else country,
            "watermark": {"timestamp": int(self.clock()), "appid": self.app_id},
        }


def _fits(key: str, value: str) -> bool:
    kind = key.rstrip("0123456789")
    return len(value) <= _LIMITS.get(kind, 20)


def error(errcode: int) -> Reply:
    """WeChat's failure: HTTP 200, ``errcode`` and an ``errmsg`` ending in a request id."""
    rid = secrets.token_hex(12)
    return _json({"errcode": errcode, "errmsg": f"{ERRMSG[errcode]} rid: {rid}"})


def _json(answer: Mapping[str, Any]) -> Reply:
    return json_reply(answer, "application/json; encoding=utf-8")


def _encode(value: object) -> str:
    return msgspec.json.encode(value).decode()
