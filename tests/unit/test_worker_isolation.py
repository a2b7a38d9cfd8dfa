"""The test suite's own isolation under pytest-xdist (tests/conftest.py)."""

from __future__ import annotations

import pytest
from redis.connection import parse_url

from tests.parallel import worker_redis_url


@pytest.mark.parametrize(
    ("url", "index", "expected"),
    [
        ("redis://127.0.0.1:6379/9", 0, "redis://127.0.0.1:6379/9"),
        ("redis://127.0.0.1:6379/9", 1, "redis://127.0.0.1:6379/10"),
        ("redis://127.0.0.1:6379", 2, "redis://127.0.0.1:6379/2"),
        (
            "redis://:secret@cache:6380/0?db=3&health_check_interval=5",
            1,
            "redis://:secret@cache:6380/4?health_check_interval=5",
        ),
        ("unix:///run/redis.sock?db=2", 1, "unix:///run/redis.sock?db=3"),
        ("unix:///run/redis.sock", 1, "unix:///run/redis.sock?db=1"),
    ],
)
def test_each_worker_gets_the_redis_database_after_the_previous_ones(
    url: str, index: int, expected: str
) -> None:
    moved = worker_redis_url(url, index)
    assert moved == expected
    assert parse_url(moved)["db"] == (parse_url(url).get("db") or 0) + index
