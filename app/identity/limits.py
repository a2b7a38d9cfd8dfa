"""Fixed-window rate limits in Redis, shared by every process (keys never carry numbers)."""

from __future__ import annotations

from redis.asyncio import Redis

from app.errors import RateLimited

_PREFIX = "onething:limit:"
# INCR and, on the first hit, EXPIRE in one step (EXPIRE … NX needs Redis 7; embedded is 6.2).
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class RateLimiter:
    """Counts hits per key and window; over the limit raises ``RateLimited``."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def hit(
        self, key: str, *, limit: int, window_seconds: int, message: str | None = None
    ) -> None:
        """Count one hit on ``key``; ``RateLimited`` (with the wait) once over ``limit``.

        ``message`` is a gettext message id saying what was limited (a generic one if None).
        """
        name = _PREFIX + key
        count = await self._redis.eval(_HIT, 1, name, str(window_seconds))  # type: ignore[misc]
        if int(count) > limit:
            wait = await self._redis.ttl(name)
            raise RateLimited(message, retry_after=max(int(wait), 1))
