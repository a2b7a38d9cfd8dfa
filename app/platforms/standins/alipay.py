"""Alipay's open-API gateway (``gateway.do``) for one app: ``alipay.system.oauth.token`` and
``alipay.open.app.mini.templatemessage.send``.

Like the real gateway it takes a form POST, checks the common parameters, VERIFIES the
RSA2 signature with the app's public key, refuses in Alipay's ``error_response`` format,
and signs every answer -- errors included -- with its own private key over the raw JSON
text of the answer member. Its signing code is written here on purpose, apart from the
client's (``app.platforms._alipay_signing``), so that one mistake in the client cannot be
mirrored and hidden by the stand-in.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final
from urllib.parse import parse_qs

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from app.platforms.standins._store import StandInStore
from app.platforms.standins._wire import CodeSeal, Reply, StandInRequest, code_id

BEIJING: Final = timezone(timedelta(hours=8))
AUTH_CODE_LIFETIME: Final = timedelta(hours=24)  # an auth_code lives at most 24 hours
# The stand-in's own tolerance for the request timestamp, to catch a time zone slip (UTC vs +8).
TIMESTAMP_TOLERANCE: Final = timedelta(minutes=10)
SIGN_IN_METHOD: Final = "alipay.system.oauth.token"
MESSAGE_METHOD: Final = "alipay.open.app.mini.templatemessage.send"
_KEPT_SECONDS: Final = 3 * 24 * 3600
_KEPT_MESSAGES: Final = 200
ERRORS: Final = {  # sub_code -> (code, msg, sub_msg) as Alipay words them
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
_REQUIRED: Final = (
    ("method", "isv.missing-method"),
    ("app_id", "isv.missing-app-id"),
    ("sign_type", "isv.missing-signature-type"),
    ("sign", "isv.missing-signature"),
    ("timestamp", "isv.missing-timestamp"),
    ("version", "isv.missing-version"),
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AlipayStandIn:
    """Alipay's gateway for the app ``app_id``, whose requests ``app_public_key`` verifies."""

    def __init__(
        self,
        *,
        app_id: str,
        app_public_key: rsa.RSAPublicKey,
        alipay_private_key: rsa.RSAPrivateKey,
        store: StandInStore,
        now: Callable[[], datetime] = _utc_now,
        code_key: bytes | None = None,
    ) -> None:
        self.app_id = app_id
        self.app_public_key = app_public_key
        self.alipay_private_key = alipay_private_key
        self.now = now
        self._store = store
        self._auth_codes = CodeSeal(code_key or os.urandom(32), f"alipay-auth:{app_id}")

    def issue_auth_code(self, *, user_id: str | None = None, open_id: str | None = None) -> str:
        """What ``my.getAuthCode`` gives the mini-program of this user."""
        issued = self.now().timestamp()
        return self._auth_codes.seal({"user_id": user_id, "open_id": open_id, "at": issued})

    async def add_subscriptions(self, user_id: str, count: int = 1) -> None:
        """The user subscribed to ``count`` more template messages."""
        await self._store.add(f"subscription:{user_id}", count, _KEPT_SECONDS)

    async def sent_messages(self) -> list[dict[str, Any]]:
        """The template messages accepted lately, as their biz_content, oldest first."""
        items = await self._store.items("messages")
        return [msgspec.json.decode(item, type=dict[str, Any]) for item in items]

    async def handle(self, request: StandInRequest) -> Reply:
        """Answer one request to ``gateway.do`` as Alipay would."""
        if request.path != "/gateway.do":
            return Reply(404, "text/plain", b"not found")
        if request.method != "POST" or not request.content_type.startswith(
            "application/x-www-form-urlencoded"
        ):
            return Reply(405, "text/plain", b"form POST expected")
        query = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
        params = {name: values[0] for name, values in query.items()}
        self._received(params)
        refusal = self._refusal(params) or self._fault()
        if refusal is not None:
            return self._error(refusal)
        if params["method"] == MESSAGE_METHOD:
            return await self._template_message(params)
        return await self._token(params)

    def _received(self, params: Mapping[str, str]) -> None:
        """Called with each request's parameters (tests keep them)."""

    def _refused(self, sub_code: str) -> None:
        """Called with the sub_code of each refusal (tests keep them)."""

    def _fault(self) -> str | None:
        """A sub_code to refuse with instead of answering (tests make Alipay busy here)."""
        return None

    def _member_text(self, member: Mapping[str, Any]) -> str:
        """The answer member as JSON text: Chinese as UTF-8, not \\u escapes, as Alipay writes."""
        return msgspec.json.encode(member).decode()

    def _body(self, name: str, text: str, sign: str) -> str:
        """The whole answer around the signed member text (tests tamper with it here)."""
        return f'{{"{name}":{text},"sign":"{sign}"}}'

    async def _template_message(self, params: Mapping[str, str]) -> Reply:
        try:
            biz = msgspec.json.decode(params.get("biz_content", ""), type=dict[str, Any])
            msgspec.json.decode(biz["data"])
            user = str(biz["to_user_id"])
        except (msgspec.DecodeError, KeyError, TypeError):
            return self._error("isv.invalid-parameter")
        subscription = f"subscription:{user}"
        if await self._store.add(subscription, -1, _KEPT_SECONDS) < 0:
            await self._store.add(subscription, 1, _KEPT_SECONDS)  # none was left to use
            return self._error("USER_TEMPLATE_ILLEGAL")
        kept = msgspec.json.encode(biz).decode()
        await self._store.push("messages", kept, _KEPT_SECONDS, keep=_KEPT_MESSAGES)
        return self._signed(
            "alipay_open_app_mini_templatemessage_send_response",
            {"code": "10000", "msg": "Success"},
        )

    def _refusal(self, params: Mapping[str, str]) -> str | None:
        """The sub_code the gateway refuses these parameters with, if any."""
        for name, sub_code in _REQUIRED:
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
            (params["method"] in (SIGN_IN_METHOD, MESSAGE_METHOD), "isv.invalid-method"),
            (
                params["method"] != SIGN_IN_METHOD
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

    def _signature_ok(self, params: Mapping[str, str]) -> bool:
        content = "&".join(
            f"{name}={params[name]}" for name in sorted(params) if name != "sign" and params[name]
        )
        try:
            signature = base64.b64decode(params["sign"], validate=True)
            self.app_public_key.verify(
                signature, content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, binascii.Error):
            return False
        return True

    async def _token(self, params: Mapping[str, str]) -> Reply:
        code = params.get("code", "")
        auth = self._auth_codes.open(code)
        issued = None if auth is None else datetime.fromtimestamp(float(auth["at"]), UTC)
        if (
            auth is None
            or issued is None
            or self.now() - issued > AUTH_CODE_LIFETIME
            or not await self._store.claim(f"used:{code_id(code)}", 2 * 24 * 3600)
        ):
            return self._error("isv.code-invalid")
        member: dict[str, Any] = {
            "access_token": f"authusrB{secrets.token_hex(16)}",
            "alipay_user_id": secrets.token_hex(16),
            "expires_in": 1296000,
            "re_expires_in": 2592000,
            "refresh_token": f"authusrB{secrets.token_hex(16)}",
            "auth_start": self.now().astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
        }
        if auth["user_id"]:
            member["user_id"] = auth["user_id"]
        if auth["open_id"]:
            member["open_id"] = auth["open_id"]
        return self._signed("alipay_system_oauth_token_response", member)

    def _error(self, sub_code: str) -> Reply:
        self._refused(sub_code)
        code, msg, sub_msg = ERRORS[sub_code]
        member = {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}
        return self._signed("error_response", member)

    def _signed(self, name: str, member: Mapping[str, Any]) -> Reply:
        # Alipay signs the exact bytes of the member text it sends.
        text = self._member_text(member)
        signature = self.alipay_private_key.sign(
            text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
        )
        body = self._body(name, text, base64.b64encode(signature).decode())
        return Reply(200, "text/html;charset=utf-8", body.encode("utf-8"))
