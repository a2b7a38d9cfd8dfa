"""Where a stand-in keeps what outlives one request: Redis in the app, memory in tests.

Only a few operations are needed, each atomic on its own, so two processes serving the
same stand-in never redeem one code twice. Expiry times here only clear old entries
away; whether a code or token has expired is decided by the stand-in's own clock, which
the tests move by hand.
"""

from __future__ import annotations

from typing import Protocol

from redis.asyncio import Redis


class StandInStore(Protocol):
    """Keys and values are text; every key expires after ``ttl`` seconds (Redis only)."""

    async def get(self, key: str) -> str | None:
        """The value of ``key``, or None."""
        ...

    async def put(self, key: str, value: str, ttl: int) -> None:
        """Set ``key`` to ``value``."""
        ...

    async def claim(self, key: str, ttl: int) -> bool:
        """Set ``key`` if it is absent: True the first time only."""
        ...

    async def add(self, key: str, amount: int, ttl: int) -> int:
        """Add ``amount`` to the number at ``key`` (0 when absent); the new number."""
        ...

    async def push(self, key: str, value: str, ttl: int, *, keep: int) -> None:
        """Append ``value`` to the list at ``key``, keeping its last ``keep`` items."""
        ...

    async def items(self, key: str) -> list[str]:
        """The list at ``key``, oldest first."""
        ...


class RedisStore:
    """A ``StandInStore`` in Redis, under ``prefix``."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def get(self, key: str) -> str | None:
        value: bytes | None = await self._redis.get(self._prefix + key)
        return None if value is None else value.decode()

    async def put(self, key: str, value: str, ttl: int) -> None:
        await self._redis.set(self._prefix + key, value, ex=ttl)

    async def claim(self, key: str, ttl: int) -> bool:
        return bool(await self._redis.set(self._prefix + key, "1", ex=ttl, nx=True))

    async def add(self, key: str, amount: int, ttl: int) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incrby(self._prefix + key, amount)
            pipe.expire(self._prefix + key, ttl)
            number, _ = await pipe.execute()
        return int(number)

    async def push(self, key: str, value: str, ttl: int, *, keep: int) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(self._prefix + key, value)
            pipe.ltrim(self._prefix + key, -keep, -1)
            pipe.expire(self._prefix + key, ttl)
            await pipe.execute()

    async def items(self, key: str) -> list[str]:
        # redis-py types its async commands as sync | async.
        values: list[bytes] = await self._redis.lrange(self._prefix + key, 0, -1)  # type: ignore[misc]
        return [value.decode() for value in values]


class MemoryStore:
    """A ``StandInStore`` in this process's memory, for one test's stand-in.

    Used from one event loop at a time, so each operation is atomic without a lock.
    Nothing expires: a test is over long before anything would.
    """

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._lists: dict[str, list[str]] = {}

    async def get(self, key: str) -> str | None:
        return self._values.get(key)

    async def put(self, key: str, value: str, ttl: int) -> None:
        self._values[key] = value

    async def claim(self, key: str, ttl: int) -> bool:
        if key in self._values:
            return False
        self._values[key] = "1"
        return True

    async def add(self, key: str, amount: int, ttl: int) -> int:
        number = int(self._values.get(key, "0")) + amount
        self._values[key] = str(number)
        return number

    async def push(self, key: str, value: str, ttl: int, *, keep: int) -> None:
        items = [*self._lists.get(key, []), value]
        self._lists[key] = items[-keep:]

    async def items(self, key: str) -> list[str]:
        return list(self._lists.get(key, []))
