"""A local Alipay open-API gateway (``gateway.do``) for ``alipay.system.oauth.token``.

Like the real gateway it takes a form POST, checks the common parameters, VERIFIES the
RSA2 signature with the app's public key, refuses with Alipay's ``error_response`` format,
and signs every answer -- errors included -- with its own private key over the raw JSON
text of the answer member. Its signing code is written here on purpose, apart from the
app's, so that one mistake in the app cannot be mirrored and hidden by the fake.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Self
from urllib.parse import parse_qs

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes._http import LocalServer, Reply, Request

BEIJING = timezone(timedelta(hours=8))
AUTH_CODE_LIFETIME = timedelta(hours=24)  # an auth_code lives at most 24 hours
# The fake's own tolerance for the request timestamp, to catch a time zone slip (UTC vs +8).
TIMESTAMP_TOLERANCE = timedelta(minutes=10)
TOKEN_METHOD = "alipay.system.oauth.token"
MESSAGE_METHOD = "alipay.open.app.mini.templatemessage.send"
ERRORS = {  # sub_code -> (code, msg, sub_msg) as Alipay words them
    "isv.missing-method": ("40001", "Missing Required Arguments", "缺少方法名参数"),
    "isv.missing-signature": ("40001", "Missing Required Arguments", "缺少签名参数"),
    "isv.missing-signature-type": ("40001", "Missing Required Arguments", "缺少签名类型参数"),
    "isv.missing-app-id": ("40001", "Missing Required Arguments", "缺少appId参数"),
    "isv.missing-timestamp": ("40001", "Missing Required Arguments", "缺少时间戳参数"),
    "isv.missing-version": ("40001", "Missing Required Arguments", "缺少版本参数"),
    "isv.invalid-app-id": ("40002", "Invalid Arguments", "无效的AppID参数"),
    "isv.invalid-method": ("40002", "Invalid Arguments", "不存在的方法名"),
    "isv.invalid-format": ("40002", "Invalid Arguments", "无效的数据格式"),
    "isv.invalid-signature-type": ("40002", "Invalid Arguments", "无效的签名类型"),
    "isv.invalid-signature": ("40002", "Invalid Arguments", "验签出错"),
    "isv.invalid-timestamp": ("40002", "Invalid Arguments", "非法的时间戳参数"),
    "isv.invalid-charset": ("40002", "Invalid Arguments", "字符集错误"),
    "isv.invalid-version": ("40002", "Invalid Arguments", "无效的版本号"),
    "isv.grant-type-invalid": ("40002", "Invalid Arguments", "grant_type参数不正确"),
    "isv.code-invalid": ("40002", "Invalid Arguments", "授权码code无效"),
    "isv.invalid-parameter": ("40002", "Invalid Arguments", "参数无效"),
    "USER_TEMPLATE_ILLEGAL": ("40004", "Business Failed", "用户未订阅该模板或次数已用完"),
    "isp.unknow-error": ("20000", "Service Currently Unavailable", "服务暂不可用"),
}
REQUIRED = (
    ("method", "isv.missing-method"),
    ("app_id", "isv.missing-app-id"),
    ("sign_type", "isv.missing-signature-type"),
    ("sign", "isv.missing-signature"),
    ("timestamp", "isv.missing-timestamp"),
    ("version", "isv.missing-version"),
)


def new_rsa_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 key, the size Alipay requires for RSA2."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    """PKCS#8 PEM text of ``key``."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> str:
    """SubjectPublicKeyInfo PEM text of ``key``'s public half."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@dataclass
class _AuthCode:
    user_id: str | None
    open_id: str | None
    issued_at: datetime
    used: bool = False


@dataclass
class _State:
    auth_codes: dict[str, _AuthCode] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    subscriptions: dict[str, int] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)


class FakeAlipayGateway:
    """Alipay's gateway for one app, served on 127.0.0.1."""

    def __init__(
        self,
        *,
        app_id: str,
        app_public_key: rsa.RSAPublicKey,
        alipay_private_key: rsa.RSAPrivateKey,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.app_id = app_id
        self.app_public_key = app_public_key
        self.alipay_private_key = alipay_private_key
        self.now = now
        self.tamper_next_answer = False  # change the member after signing it
        # Write answers with spaces and escaped slashes: valid JSON that a client which
        # re-serializes before verifying would fail on (the raw text is what is signed).
        self.spaced_answers = False
        self.unsigned_next_answer = False
        self.busy_answers = 0
        self._state = _State()
        self._lock = threading.Lock()
        self.server = LocalServer(self._handle)

    def __enter__(self) -> Self:
        self.server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.stop()

    @property
    def gateway_url(self) -> str:
        """The ``gateway.do`` address for the client under test."""
        return f"{self.server.base_url}/gateway.do"

    @property
    def requests(self) -> list[dict[str, str]]:
        """Every request's parameters, as received."""
        return list(self._state.requests)

    @property
    def refusals(self) -> list[str]:
        """The sub_code of every refusal, in order."""
        return list(self._state.refusals)

    def issue_auth_code(self, *, user_id: str | None = None, open_id: str | None = None) -> str:
        """What ``my.getAuthCode`` gives the mini-program of this user."""
        code = secrets.token_hex(16)
        with self._lock:
            self._state.auth_codes[code] = _AuthCode(user_id, open_id, self.now())
        return code

    def _handle(self, request: Request) -> Reply:
        if request.path != "/gateway.do":
            return Reply(404, "text/plain", b"not found")
        content_type = request.headers.get("Content-Type", "")
        if request.method != "POST" or not content_type.startswith(
            "application/x-www-form-urlencoded"
        ):
            return Reply(405, "text/plain", b"form POST expected")
        params = _single_values(parse_qs(request.body.decode("utf-8"), keep_blank_values=True))
        with self._lock:
            self._state.requests.append(params)
            refusal = self._refusal(params) or self._busy()
            if refusal is not None:
                self._state.refusals.append(refusal)
                return self._error(refusal)
            if params["method"] == MESSAGE_METHOD:
                return self._template_message(params)
            return self._token(params)

    def allow_messages(self, user_id: str, count: int = 1) -> None:
        """The user subscribed to ``count`` more template messages."""
        with self._lock:
            self._state.subscriptions[user_id] = self._state.subscriptions.get(user_id, 0) + count

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every template message accepted, as its biz_content."""
        return list(self._state.messages)

    def _template_message(self, params: dict[str, str]) -> Reply:
        try:
            biz = json.loads(params.get("biz_content", ""))
            json.loads(biz["data"])
            user = biz["to_user_id"]
        except (ValueError, KeyError, TypeError):
            return self._error("isv.invalid-parameter")
        if self._state.subscriptions.get(user, 0) <= 0:
            self._state.refusals.append("USER_TEMPLATE_ILLEGAL")
            return self._error("USER_TEMPLATE_ILLEGAL")
        self._state.subscriptions[user] -= 1
        self._state.messages.append(biz)
        return self._signed(
            "alipay_open_app_mini_templatemessage_send_response",
            {"code": "10000", "msg": "Success"},
        )

    def _busy(self) -> str | None:
        if self.busy_answers:
            self.busy_answers -= 1
            return "isp.unknow-error"
        return None

    def _refusal(self, params: dict[str, str]) -> str | None:
        """The sub_code the gateway refuses these parameters with, if any."""
        for name, sub_code in REQUIRED:
            if not params.get(name):
                return sub_code
        checks = (
            (params["app_id"] == self.app_id, "isv.invalid-app-id"),
            (params.get("format", "JSON").upper() == "JSON", "isv.invalid-format"),
            (params.get("charset", "").lower() == "utf-8", "isv.invalid-charset"),
            (params["sign_type"] == "RSA2", "isv.invalid-signature-type"),
            (params["version"] == "1.0", "isv.invalid-version"),
            (self._timestamp_ok(params["timestamp"]), "isv.invalid-timestamp"),
            (self._signature_ok(params), "isv.invalid-signature"),
            (params["method"] in (TOKEN_METHOD, MESSAGE_METHOD), "isv.invalid-method"),
            (
                params["method"] != TOKEN_METHOD
                or params.get("grant_type") == "authorization_code",
                "isv.grant-type-invalid",
            ),
        )
        return next((sub_code for ok, sub_code in checks if not ok), None)

    def _timestamp_ok(self, timestamp: str) -> bool:
        try:
            sent = datetime.strptime(timestamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
        except ValueError:
            return False
        return abs(sent - self.now()) <= TIMESTAMP_TOLERANCE

    def _signature_ok(self, params: dict[str, str]) -> bool:
        content = "&".join(
            f"{name}={params[name]}" for name in sorted(params) if name != "sign" and params[name]
        )
        try:
            signature = base64.b64decode(params["sign"], validate=True)
            self.app_public_key.verify(
                signature, content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    def _token(self, params: dict[str, str]) -> Reply:
        auth = self._state.auth_codes.get(params.get("code", ""))
        if auth is None or auth.used or self.now() - auth.issued_at > AUTH_CODE_LIFETIME:
            self._state.refusals.append("isv.code-invalid")
            return self._error("isv.code-invalid")
        auth.used = True
        member: dict[str, Any] = {
            "access_token": f"authusrB{secrets.token_hex(16)}",
            "alipay_user_id": secrets.token_hex(16),
            "expires_in": 1296000,
            "re_expires_in": 2592000,
            "refresh_token": f"authusrB{secrets.token_hex(16)}",
            "auth_start": self.now().astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
        }
        if auth.user_id:
            member["user_id"] = auth.user_id
        if auth.open_id:
            member["open_id"] = auth.open_id
        return self._signed("alipay_system_oauth_token_response", member)

    def _error(self, sub_code: str) -> Reply:
        code, msg, sub_msg = ERRORS[sub_code]
        member = {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}
        return self._signed("error_response", member)

    def _signed(self, name: str, member: dict[str, Any]) -> Reply:
        # Alipay writes Chinese as UTF-8 text, not \u escapes, and signs those exact bytes.
        if self.spaced_answers:
            text = json.dumps(member, ensure_ascii=False, indent=1).replace("/", "\\/")
        else:
            text = json.dumps(member, ensure_ascii=False, separators=(",", ":"))
        signature = self.alipay_private_key.sign(
            text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
        )
        sign = base64.b64encode(signature).decode()
        if self.tamper_next_answer:
            self.tamper_next_answer = False
            # Another user's id where there is one; else one harmless space more.
            text = (
                text.replace('"user_id":"', '"user_id":"9', 1)
                if '"user_id":"' in text
                else text.replace(":", ": ", 1)
            )
        body = f'{{"{name}":{text}'
        if self.unsigned_next_answer:
            self.unsigned_next_answer = False
        else:
            body += f',"sign":"{sign}"'
        return Reply(200, "text/html;charset=utf-8", (body + "}").encode("utf-8"))


def _single_values(query: dict[str, list[str]]) -> dict[str, str]:
    return {name: values[0] for name, values in query.items()}
