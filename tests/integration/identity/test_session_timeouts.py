"""Web sessions end when idle too long and at their absolute limit, against a real Redis."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from app.embedded_redis import EmbeddedRedis
from app.identity.sessions import SessionStore


class Clock:
    """A clock the test moves by hand (the absolute limit is checked against it)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def redis(tmp_path: Path) -> AsyncIterator[Redis]:
    """REDIS_URL when set, else an embedded server of the test's own."""
    server = None
    url = os.environ.get("REDIS_URL")
    if not url:
        server = EmbeddedRedis(tmp_path / "redis")
        url = await asyncio.to_thread(server.start)
    client = Redis.from_url(url)
    try:
        yield client
    finally:
        await client.aclose()
        if server is not None:
            await asyncio.to_thread(server.stop)


async def test_a_session_used_within_its_idle_time_lives_on(redis: Redis) -> None:
    store = SessionStore(redis, idle_seconds=2, absolute_seconds=3600)
    token = await store.create(uuid.uuid4(), epoch=0)
    for _ in range(3):
        await asyncio.sleep(1.0)
        assert await store.load(token) is not None  # each use renews the idle timer


async def test_a_session_left_idle_too_long_ends(redis: Redis) -> None:
    store = SessionStore(redis, idle_seconds=1, absolute_seconds=3600)
    token = await store.create(uuid.uuid4(), epoch=0)
    await asyncio.sleep(1.5)
    assert await store.load(token) is None


async def test_a_session_ends_at_its_absolute_limit_however_busy(redis: Redis) -> None:
    clock = Clock()
    store = SessionStore(redis, idle_seconds=3600, absolute_seconds=600, clock=clock)
    person = uuid.uuid4()
    token = await store.create(person, epoch=0)
    clock.now += 599
    assert await store.load(token) is not None
    clock.now += 2
    assert await store.load(token) is None
    assert await store.list_for(person) == []  # and it is gone from "my sessions"


async def test_only_a_hash_of_the_token_is_stored(redis: Redis) -> None:
    store = SessionStore(redis, idle_seconds=60, absolute_seconds=600)
    token = await store.create(uuid.uuid4(), epoch=0)
    keys = [key.decode() async for key in redis.scan_iter(match="onething:session*")]
    assert keys
    assert not any(token in key for key in keys)
