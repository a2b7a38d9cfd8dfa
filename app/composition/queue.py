"""The job queue's wire format and connection, shared by whoever enqueues and the worker.

msgpack instead of arq's default pickle: a queue must never execute what it reads.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec
from arq.connections import ArqRedis, RedisSettings, create_pool

QUEUE_NAME: Final = "onething:queue"

_encoder = msgspec.msgpack.Encoder(enc_hook=lambda obj: f"{type(obj).__name__}: {obj}")
_decoder = msgspec.msgpack.Decoder()


def serialize(data: dict[str, Any]) -> bytes:
    """A job or its result as msgpack.

    Values msgpack cannot carry (a failed job's exception) are stored as their text.
    """
    return _encoder.encode(data)


def deserialize(data: bytes) -> dict[str, Any]:
    """Inverse of ``serialize``."""
    result: dict[str, Any] = _decoder.decode(data)
    return result


def redis_settings(url: str) -> RedisSettings:
    """arq connection settings for a ``redis://`` or ``unix://`` URL."""
    return RedisSettings.from_dsn(url)


async def create_job_pool(url: str) -> ArqRedis:
    """A connection for enqueuing jobs with the worker's serializer and queue."""
    return await create_pool(
        redis_settings(url),
        job_serializer=serialize,
        job_deserializer=deserialize,
        default_queue_name=QUEUE_NAME,
    )
