"""Replays of the tablet's save calls (IETF draft "The Idempotency-Key HTTP Header Field").

A tablet that loses its connection sends the same request again with the same key. The
first request with a key claims it in Redis (``SET NX``); the answers follow the draft:

- no key, or a malformed one: 400 (``BadRequest``)
- the same key with another body: 422 (``RuleViolation``)
- the same key while the first is still running: 409 (``Conflict``)
- the same key after the first finished: the stored response (where it sent the tablet)

Only successful saves are stored; a refused one (bad input, nothing changed) releases the
key so the corrected request may use it. The submit itself is also idempotent in the
database (``Submissions``), so a lost Redis cannot make two applications.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import msgspec
from redis.asyncio import Redis

from app.errors import BadRequest, Conflict, RuleViolation
from app.i18n import N_

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
TTL_SECONDS = 24 * 3600
_PREFIX = "onething:idempotency:"
KEY_MISSING = N_("This request needs an Idempotency-Key. Reload the page and try again.")
KEY_REUSED = N_("This Idempotency-Key was already used for a different request.")
IN_PROGRESS = N_("The same request is still being processed. Wait a moment, then reload.")


class Claim(msgspec.Struct, kw_only=True):
    """What Redis holds for a key: the body's digest, and where the finished request sent."""

    fingerprint: str
    location: str | None = None  # None while running


def fingerprint(parts: Iterable[tuple[str, str | bytes]]) -> str:
    """A digest of a request body's fields (order-independent)."""
    digest = hashlib.sha256()
    for name, value in sorted((n, v if isinstance(v, bytes) else v.encode()) for n, v in parts):
        digest.update(hashlib.sha256(name.encode()).digest())
        digest.update(hashlib.sha256(value).digest())
    return digest.hexdigest()


class IdempotencyKeys:
    """Claims, finishes and releases keys, one namespace per caller (``scope``)."""

    def __init__(self, redis: Redis, *, ttl_seconds: int = TTL_SECONDS) -> None:
        self._redis = redis
        self._ttl = ttl_seconds

    async def claim(self, scope: str, key: str, body: str) -> str | None:
        """None: go ahead (the key is ours now); a location: a finished twin, answer with it."""
        if not KEY_PATTERN.fullmatch(key or ""):
            raise BadRequest(KEY_MISSING, code="idempotency_key_invalid")
        name = f"{_PREFIX}{scope}:{key}"
        mine = msgspec.json.encode(Claim(fingerprint=body))
        if await self._redis.set(name, mine, nx=True, ex=self._ttl):
            return None
        raw = await self._redis.get(name)
        if raw is None:  # released meanwhile: try once more
            if await self._redis.set(name, mine, nx=True, ex=self._ttl):
                return None
            raise Conflict(IN_PROGRESS, code="idempotency_in_progress")
        claim = msgspec.json.decode(raw, type=Claim)
        if claim.fingerprint != body:
            raise RuleViolation(KEY_REUSED, code="idempotency_key_reused")
        if claim.location is None:
            raise Conflict(IN_PROGRESS, code="idempotency_in_progress")
        return claim.location

    async def finish(self, scope: str, key: str, body: str, location: str) -> None:
        """The request succeeded: replays get ``location``."""
        done = msgspec.json.encode(Claim(fingerprint=body, location=location))
        await self._redis.set(f"{_PREFIX}{scope}:{key}", done, ex=self._ttl)

    async def release(self, scope: str, key: str) -> None:
        """The request failed and changed nothing: the key is free again."""
        await self._redis.delete(f"{_PREFIX}{scope}:{key}")
