"""One-time sign-in codes sent by SMS: short-lived, single-use, rate-limited.

Redis keys carry the phone's blind index, never the number. A code is stored as an HMAC,
so reading Redis does not reveal a code that is still valid. After ``MAX_TRIES`` wrong
guesses the code is void and a new one must be asked for (with its own cooldown), which
bounds guessing to 5 in 10**6 per code.

A code is texted last: ``issuing`` stores it and hands it to a block that first stores what
else must be stored (the security log) and only then texts it. Whatever fails inside that
block — the database, the gateway — lifts the resend wait again, so the person's retry is
answered instead of refused with 429 for a code they never received.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.errors import RateLimited
from app.i18n import N_
from app.identity.limits import RateLimiter

MAX_TRIES = 5
RESEND_COOLDOWN_SECONDS = 60
PER_PHONE_PER_DAY = 10
PER_IP_PER_HOUR = 30

_CODE = "onething:otp:code:"
_COOLDOWN = "onething:otp:cooldown:"
log = structlog.get_logger(__name__)

# Atomically: compare, and on success delete (single use); on failure count the try and
# void the code at MAX_TRIES. 1 = right, 0 = no code, -1 = wrong.
_VERIFY = """
local stored = redis.call('HGET', KEYS[1], 'h')
if not stored then return 0 end
if stored == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
local tries = redis.call('HINCRBY', KEYS[1], 't', 1)
if tries >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
return -1
"""


class CodeService:
    """Issues and checks codes for a (phone index, purpose) pair."""

    def __init__(
        self,
        redis: Redis,
        *,
        limiter: RateLimiter,
        secret: str,
        ttl_seconds: int,
        resend_seconds: int = RESEND_COOLDOWN_SECONDS,
    ) -> None:
        self._redis = redis
        self._limiter = limiter
        self._secret = secret.encode()
        self.ttl_seconds = ttl_seconds
        self.resend_seconds = resend_seconds

    @asynccontextmanager
    async def issuing(
        self, phone_index: str, *, client_ip: str, purpose: str = "sign-in"
    ) -> AsyncIterator[str]:
        """A new six-digit code (replacing any earlier one) for the block to record, then text.

        ``RateLimited`` when asked too often. The block stores what it must and texts the
        code last; if it raises, the resend wait starts over as if nothing was asked (the
        daily and per-address counts keep the attempt: they bound abuse, not retries).
        """
        await self._check_limits(phone_index, client_ip)
        try:
            code = f"{secrets.randbelow(10**6):06d}"
            key = f"{_CODE}{purpose}:{phone_index}"
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(key)
                pipe.hset(key, mapping={"h": self._digest(code), "t": 0})
                pipe.expire(key, self.ttl_seconds)
                await pipe.execute()
            yield code
        except Exception:
            await self._lift_cooldown(phone_index)
            raise

    async def _lift_cooldown(self, phone_index: str) -> None:
        try:
            await self._redis.delete(f"{_COOLDOWN}{phone_index}")
        except RedisError as exc:  # Redis itself failed: the wait lapses on its own
            log.warning("code cooldown not lifted", error=type(exc).__name__)

    async def verify(self, phone_index: str, code: str, *, purpose: str = "sign-in") -> bool:
        """True once for the right code; every wrong try counts against the code."""
        key = f"{_CODE}{purpose}:{phone_index}"
        result = await self._redis.eval(  # type: ignore[misc]
            _VERIFY, 1, key, self._digest(code.strip()), str(MAX_TRIES)
        )
        return int(result) == 1

    async def _check_limits(self, phone_index: str, client_ip: str) -> None:
        cooldown = f"{_COOLDOWN}{phone_index}"
        if not await self._redis.set(cooldown, 1, ex=self.resend_seconds, nx=True):
            wait = await self._redis.ttl(cooldown)
            raise RateLimited(
                N_("A code was sent moments ago. Please wait before asking for another."),
                retry_after=max(int(wait), 1),
            )
        await self._limiter.hit(
            f"otp-phone:{phone_index}", limit=PER_PHONE_PER_DAY, window_seconds=86400
        )
        await self._limiter.hit(
            f"otp-address:{client_ip}", limit=PER_IP_PER_HOUR, window_seconds=3600
        )

    def _digest(self, code: str) -> str:
        return hmac.new(self._secret, code.encode(), hashlib.sha256).hexdigest()
