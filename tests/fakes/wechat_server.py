"""A local WeChat server API: code2Session, access tokens, and the user's phone number.

It follows WeChat's documented behaviour: HTTP 200 with ``errcode``/``errmsg`` on failure;
login and phone codes are single-use and expire; access tokens expire and can be ended
early; the app id and secret are checked on every call that carries them. Time comes from
a ``FakeClock`` shared with the client under test, so expiry needs no sleeping.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Self

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.fakes._http import LocalServer, Reply, Request

LOGIN_CODE_SECONDS = 300  # a wx.login code is valid for five minutes
PHONE_CODE_SECONDS = 300
ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40029: "invalid code",
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
    40003: "invalid openid",
    40037: "invalid template_id",
    43101: "user refuse to accept the msg",
    47003: "argument invalid! data.thing1.value is too long",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    47001: "data format error",
}


class FakeClock:
    """Seconds that move only when a test says so."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass."""
        self.now += seconds


@dataclass
class _LoginCode:
    openid: str
    unionid: str | None
    blocked: bool
    issued_at: float
    used: bool = False


@dataclass
class _PhoneCode:
    pure_phone_number: str
    country_code: str
    issued_at: float
    used: bool = False


@dataclass
class _State:
    login_codes: dict[str, _LoginCode] = field(default_factory=dict)
    phone_codes: dict[str, _PhoneCode] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expires at
    revoked: set[str] = field(default_factory=set)
    session_keys: dict[str, str] = field(default_factory=dict)  # openid -> latest key
    calls_per_minute: dict[int, int] = field(default_factory=dict)
    # (openid, template_id) -> messages the user still accepts (one per tap of "allow").
    subscriptions: dict[tuple[str, str], int] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)


class FakeWeChat:
    """WeChat's server API for one mini-program, served on 127.0.0.1."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        clock: FakeClock,
        token_seconds: int = 7200,
        rate_limit_per_minute: int | None = None,
        country_code_as_number: bool = False,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.clock = clock
        self.token_seconds = token_seconds
        self.rate_limit_per_minute = rate_limit_per_minute
        self.country_code_as_number = country_code_as_number
        self.busy_answers = 0  # the next N calls answer errcode -1
        self.revoke_tokens_on_issue = False  # every new token is dead at once
        self.token_requests = 0
        self._state = _State()
        self._lock = threading.Lock()
        self.server = LocalServer(self._handle)

    def __enter__(self) -> Self:
        self.server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.stop()

    @property
    def base_url(self) -> str:
        """Where the client under test should send its requests."""
        return self.server.base_url

    def issue_login_code(
        self, *, openid: str, unionid: str | None = None, blocked: bool = False
    ) -> str:
        """What ``wx.login`` gives the mini-program of this user."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._state.login_codes[code] = _LoginCode(openid, unionid, blocked, self.clock())
        return code

    def issue_phone_code(self, *, pure_phone_number: str, country_code: str = "86") -> str:
        """What the ``getPhoneNumber`` button gives the mini-program."""
        code = secrets.token_hex(32)
        with self._lock:
            self._state.phone_codes[code] = _PhoneCode(
                pure_phone_number, country_code, self.clock()
            )
        return code

    def subscribe(self, openid: str, template_id: str, count: int = 1) -> None:
        """The user tapped "allow" ``count`` times (``wx.requestSubscribeMessage``)."""
        with self._lock:
            key = (openid, template_id)
            self._state.subscriptions[key] = self._state.subscriptions.get(key, 0) + count

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every subscribe message WeChat accepted, as sent."""
        with self._lock:
            return list(self._state.messages)

    def revoke_tokens(self) -> None:
        """End every token now, as a secret reset or another token fetch does."""
        with self._lock:
            self._state.revoked.update(self._state.tokens)

    def expire_tokens(self) -> None:
        """Make every token expire now (WeChat's clock and the client's may disagree)."""
        with self._lock:
            for token in self._state.tokens:
                self._state.tokens[token] = self.clock()

    def encrypt_for(self, openid: str, data: dict[str, Any]) -> tuple[str, str]:
        """(encryptedData, iv) of ``data`` under the user's latest session key, watermarked."""
        with self._lock:
            key = base64.b64decode(self._state.session_keys[openid])
        payload = {**data, "watermark": {"appid": self.app_id, "timestamp": int(self.clock())}}
        padder = padding.PKCS7(128).padder()
        plain = padder.update(json.dumps(payload).encode()) + padder.finalize()
        iv = secrets.token_bytes(16)
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        encrypted = encryptor.update(plain) + encryptor.finalize()
        return base64.b64encode(encrypted).decode(), base64.b64encode(iv).decode()

    def _handle(self, request: Request) -> Reply:
        routes = {
            "/sns/jscode2session": self._code_to_session,
            "/cgi-bin/token": self._token,
            "/wxa/business/getuserphonenumber": self._phone_number,
            "/cgi-bin/message/subscribe/send": self._subscribe_send,
        }
        route = routes.get(request.path)
        if route is None:
            return Reply(404, "text/plain", b"not found")
        with self._lock:
            refusal = self._throttle()
            return _error(refusal) if refusal else route(request)

    def _throttle(self) -> int | None:
        minute = int(self.clock() // 60)
        calls = self._state.calls_per_minute.get(minute, 0) + 1
        self._state.calls_per_minute[minute] = calls
        if self.rate_limit_per_minute is not None and calls > self.rate_limit_per_minute:
            return 45011
        if self.busy_answers:
            self.busy_answers -= 1
            return -1
        return None

    def _check_app(self, request: Request) -> int | None:
        appid, secret = request.param("appid"), request.param("secret")
        if not appid:
            return 41002
        if appid != self.app_id:
            return 40013
        if not secret:
            return 41004
        return 40125 if secret != self.app_secret else None

    def _code_to_session(self, request: Request) -> Reply:
        if request.method != "GET":
            return _error(43001)
        refusal = self._check_app(request)
        if refusal is None and request.param("grant_type") != "authorization_code":
            refusal = 40002
        if refusal is None and not request.param("js_code"):
            refusal = 41008
        if refusal is not None:
            return _error(refusal)
        login = self._state.login_codes.get(request.param("js_code") or "")
        if login is None or self.clock() - login.issued_at > LOGIN_CODE_SECONDS:
            return _error(40029)
        if login.used:
            return _error(40163)
        login.used = True
        if login.blocked:
            return _error(40226)
        session_key = base64.b64encode(secrets.token_bytes(16)).decode()
        self._state.session_keys[login.openid] = session_key
        answer: dict[str, Any] = {"session_key": session_key, "openid": login.openid}
        if login.unionid:
            answer["unionid"] = login.unionid
        # WeChat labels this JSON text/plain; clients must not rely on the Content-Type.
        return Reply(200, "text/plain", json.dumps(answer).encode())

    def _token(self, request: Request) -> Reply:
        if request.method != "GET":
            return _error(43001)
        refusal = self._check_app(request)
        if refusal is None and request.param("grant_type") != "client_credential":
            refusal = 40002
        if refusal is not None:
            return _error(refusal)
        self.token_requests += 1
        token = secrets.token_urlsafe(96)
        self._state.tokens[token] = self.clock() + self.token_seconds
        if self.revoke_tokens_on_issue:
            self._state.revoked.add(token)
        return _json({"access_token": token, "expires_in": self.token_seconds})

    def _phone_number(self, request: Request) -> Reply:
        if request.method != "POST":
            return _error(43002)
        refusal = self._check_token(request.param("access_token"))
        if refusal is not None:
            return _error(refusal)
        try:
            code = json.loads(request.body)["code"]
        except (ValueError, KeyError, TypeError):
            return _error(47001)
        phone = self._state.phone_codes.get(code) if isinstance(code, str) else None
        if phone is None or phone.used or self.clock() - phone.issued_at > PHONE_CODE_SECONDS:
            return _error(40029)
        phone.used = True
        return _json({"errcode": 0, "errmsg": "ok", "phone_info": self._phone_info(phone)})

    def _subscribe_send(self, request: Request) -> Reply:
        if request.method != "POST":
            return _error(43002)
        refusal = self._check_token(request.param("access_token"))
        if refusal is not None:
            return _error(refusal)
        try:
            body = json.loads(request.body)
            openid, template = body["touser"], body["template_id"]
            values = {key: item["value"] for key, item in body["data"].items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            return _error(47001)
        if not openid.startswith("o"):
            return _error(40003)
        if not all(_fits(key, str(value)) for key, value in values.items()):
            return _error(47003)
        left = self._state.subscriptions.get((openid, template), 0)
        if left <= 0:
            return _error(43101)
        self._state.subscriptions[(openid, template)] = left - 1
        self._state.messages.append(body)
        return _json({"errcode": 0, "errmsg": "ok", "msgid": len(self._state.messages)})

    def _check_token(self, token: str | None) -> int | None:
        if not token:
            return 41001
        if token not in self._state.tokens or token in self._state.revoked:
            return 40001
        return 42001 if self.clock() >= self._state.tokens[token] else None

    def _phone_info(self, phone: _PhoneCode) -> dict[str, Any]:
        full = phone.pure_phone_number
        if phone.country_code != "86":
            full = f"+{phone.country_code}{phone.pure_phone_number}"
        return {
            "phoneNumber": full,
            "purePhoneNumber": phone.pure_phone_number,
            "countryCode": int(phone.country_code)
            if self.country_code_as_number
            else phone.country_code,
            "watermark": {"timestamp": int(self.clock()), "appid": self.app_id},
        }


# subscribeMessage field limits by the key's type prefix (thing1, phrase3 …).
_LIMITS = {"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "phone_number": 17}


def _fits(key: str, value: str) -> bool:
    kind = key.rstrip("0123456789")
    return len(value) <= _LIMITS.get(kind, 20)


def _error(errcode: int) -> Reply:
    rid = secrets.token_hex(12)
    return _json({"errcode": errcode, "errmsg": f"{ERRMSG[errcode]} rid: {rid}"})


def _json(answer: dict[str, Any]) -> Reply:
    return Reply(200, "application/json; encoding=utf-8", json.dumps(answer).encode())
