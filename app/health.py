"""Readiness: the database, Redis and a worker heartbeat, each checked with a time limit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable

import msgspec
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# Written by the worker's heartbeat job (``app.worker``); expires on its own when it dies.
HEARTBEAT_KEY = "onething:worker:heartbeat"


class Check(msgspec.Struct, kw_only=True):
    """One dependency's state."""

    ok: bool
    detail: str = ""


class Readiness(msgspec.Struct, kw_only=True):
    """The ``/readyz`` body."""

    status: str
    checks: dict[str, Check]

    @property
    def ready(self) -> bool:
        """True when every check passed."""
        return all(check.ok for check in self.checks.values())


async def _timed(name: str, probe: Awaitable[Check], timeout: float) -> tuple[str, Check]:
    try:
        return name, await asyncio.wait_for(probe, timeout)
    except TimeoutError:
        return name, Check(ok=False, detail=f"no answer within {timeout:g} s")
    except Exception as exc:
        return name, Check(ok=False, detail=type(exc).__name__)


async def _database(engine: AsyncEngine) -> Check:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return Check(ok=True)


async def _redis(redis: Redis) -> Check:
    await redis.ping()
    return Check(ok=True)


async def _worker(redis: Redis, stale_after: int) -> Check:
    raw = await redis.get(HEARTBEAT_KEY)
    if raw is None:
        return Check(ok=False, detail=f"no worker heartbeat in the last {stale_after} s")
    age = time.time() - float(raw)
    if age > stale_after:
        return Check(ok=False, detail=f"last worker heartbeat {age:.0f} s ago")
    return Check(ok=True, detail=f"last heartbeat {age:.0f} s ago")


async def check_readiness(
    engine: AsyncEngine, redis: Redis, *, timeout: float, stale_after: int
) -> Readiness:
    """Run the three checks concurrently; none may take longer than ``timeout``."""
    results = await asyncio.gather(
        _timed("database", _database(engine), timeout),
        _timed("redis", _redis(redis), timeout),
        _timed("worker", _worker(redis, stale_after), timeout),
    )
    checks = dict(results)
    ready = all(check.ok for check in checks.values())
    return Readiness(status="ready" if ready else "unavailable", checks=checks)
