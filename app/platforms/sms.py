"""The SMS gateway adapter. Only codes and notices go out; numbers never reach the log.

``DevOutbox`` (the embedded default, refused in production) keeps the last messages in
Redis for the developer outbox page and logs the code with the number masked.
``HttpSmsGateway`` posts to a gateway at a configurable base URL.
"""

from __future__ import annotations

import time
from typing import Protocol

import httpx
import msgspec
import structlog
from redis.asyncio import Redis
from redis.exceptions import WatchError

from app.errors import Unavailable
from app.privacy import mask_phone

log = structlog.get_logger(__name__)

_OUTBOX = "onething:dev:sms-outbox"
_NOTICE_OUTBOX = "onething:dev:notice-outbox"
_OUTBOX_SIZE = 50
_NOTICE_KEYS = "onething:dev:notice-outbox:key:"
# How long a gateway must remember an ``Idempotency-Key``: longer than a delivery is retried
# (at most 20 attempts, backoff capped at an hour: about 14 hours; 5 attempts by default).
IDEMPOTENCY_KEY_SECONDS = 24 * 3600


class SmsRefused(Unavailable):
    """The gateway refused this message for good (a 4xx other than 429): do not retry."""


class SmsGateway(Protocol):
    """Sends a one-time code, or a notice, to a phone."""

    async def send_code(self, phone: str, code: str, *, locale: str) -> None:
        """Deliver ``code``; raise ``Unavailable`` when the gateway cannot take it now."""

    async def send_notice(
        self, phone: str, text: str, *, locale: str, idempotency_key: str
    ) -> None:
        """Deliver a notice; the gateway sends one message per ``idempotency_key``.

        ``SmsRefused`` is final; any other ``Unavailable`` may be retried with the same key.
        """


class OutboxMessage(msgspec.Struct, kw_only=True):
    """One message in the developer outbox (the number masked)."""

    phone: str
    code: str
    sent_at: float


class DevOutbox:
    """Keeps messages for the developer outbox page instead of sending them."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def send_code(self, phone: str, code: str, *, locale: str) -> None:
        """Record the code under the masked number and log it (development only)."""
        message = OutboxMessage(phone=mask_phone(phone), code=code, sent_at=time.time())
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(_OUTBOX, msgspec.msgpack.encode(message))
            pipe.ltrim(_OUTBOX, 0, _OUTBOX_SIZE - 1)
            await pipe.execute()
        log.info("sms code to developer outbox", phone=message.phone, code=code, locale=locale)

    async def send_notice(
        self, phone: str, text: str, *, locale: str, idempotency_key: str
    ) -> None:
        """Record the notice under the masked number, once per key (development only).

        Kept apart from the codes: a notice must never be taken for the newest sign-in code.
        A key seen before is acknowledged and not recorded again, as the gateway contract
        asks of a real gateway (docs/notices.md): a send retried after a crash shows once.
        The key's mark and the message are written in one transaction, so a crash between
        them cannot leave one without the other.
        """
        message = OutboxMessage(phone=mask_phone(phone), code=text, sent_at=time.time())
        seen = _NOTICE_KEYS + idempotency_key
        async with self._redis.pipeline(transaction=True) as pipe:
            await pipe.watch(seen)
            if await pipe.exists(seen):
                log.info("sms notice already in developer outbox", phone=message.phone)
                return
            pipe.multi()  # type: ignore[no-untyped-call]  # redis-py leaves multi() untyped
            pipe.set(seen, b"1", ex=IDEMPOTENCY_KEY_SECONDS)
            pipe.lpush(_NOTICE_OUTBOX, msgspec.msgpack.encode(message))
            pipe.ltrim(_NOTICE_OUTBOX, 0, _OUTBOX_SIZE - 1)
            try:
                await pipe.execute()
            except WatchError:  # the same key at the same moment: that send records it
                return
        log.info("sms notice to developer outbox", phone=message.phone, locale=locale)

    async def recent_notices(self) -> list[OutboxMessage]:
        """The newest notices first (``code`` holds the notice's text)."""
        raw = await self._redis.lrange(_NOTICE_OUTBOX, 0, _OUTBOX_SIZE - 1)  # type: ignore[misc]  # redis-py types async commands as sync|async
        return [msgspec.msgpack.decode(item, type=OutboxMessage) for item in raw]

    async def recent(self) -> list[OutboxMessage]:
        """The newest messages first."""
        raw = await self._redis.lrange(_OUTBOX, 0, _OUTBOX_SIZE - 1)  # type: ignore[misc]  # redis-py types async commands as sync|async
        return [msgspec.msgpack.decode(item, type=OutboxMessage) for item in raw]


class HttpSmsGateway:
    """A gateway speaking JSON: ``POST {base}/messages`` with the template and its values.

    For a notice it later posts a signed delivery receipt naming the ``Idempotency-Key``
    (``app/notices/receipts.py``, docs/notices.md).
    """

    def __init__(self, base_url: str, client: httpx.AsyncClient) -> None:
        self._url = base_url.rstrip("/") + "/messages"
        self._client = client

    async def send_code(self, phone: str, code: str, *, locale: str) -> None:
        """Send the sign-in code template; any failure is ``Unavailable`` (the person retries)."""
        body = {"to": phone, "template": "sign_in_code", "locale": locale, "values": {"code": code}}
        try:
            response = await self._client.post(self._url, json=body, timeout=5.0)
        except httpx.HTTPError as exc:
            log.warning("sms gateway unreachable", error=type(exc).__name__)
            raise Unavailable from exc
        if response.status_code >= 300:
            log.warning("sms gateway refused", status=response.status_code)
            raise Unavailable

    async def send_notice(
        self, phone: str, text: str, *, locale: str, idempotency_key: str
    ) -> None:
        """Send the notice template; the gateway de-duplicates on ``Idempotency-Key``."""
        body = {"to": phone, "template": "notice", "locale": locale, "values": {"text": text}}
        try:
            response = await self._client.post(
                self._url, json=body, headers={"Idempotency-Key": idempotency_key}, timeout=5.0
            )
        except httpx.HTTPError as exc:
            log.warning("sms gateway unreachable", error=type(exc).__name__)
            raise Unavailable from None
        status = response.status_code
        if status < 300:
            return
        log.warning("sms gateway refused", status=status)
        if 400 <= status < 500 and status not in (408, 409, 429):
            raise SmsRefused
        raise Unavailable
