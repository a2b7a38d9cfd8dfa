"""Live progress: an application's changes as server-sent events, from Redis pub/sub.

The outbox publishes "changed" on the application's channel after each commit. A page opens
the stream saying which event it shows (``after``); if the history has moved on since, the
stream says so at once, so nothing is lost between rendering the page and subscribing. The
database stays the truth: an event is only a hint to read the page again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from uuid import UUID

from litestar.response import ServerSentEventMessage
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.applications.case_models import ApplicationEvent
from app.notices.outbox import live_channel

HEARTBEAT_SECONDS = 15.0
# A stream ends after this long; EventSource reconnects by itself (and proxies close idle ones).
STREAM_SECONDS = 300.0


async def latest_event_id(db: AsyncSession, application_id: UUID) -> int:
    """The id of the application's newest event (0 when none)."""
    query = select(func.max(ApplicationEvent.id)).where(
        ApplicationEvent.application_id == application_id
    )
    return int(await db.scalar(query) or 0)


async def changes(
    redis: Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    application_id: UUID,
    *,
    after: int,
    lifetime: float = STREAM_SECONDS,
) -> AsyncIterator[ServerSentEventMessage]:
    """``changed`` events for one application, with comments to keep the connection open."""
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(live_channel(application_id))
        # Subscribed first, then compared: a change in between is seen one way or the other.
        async with sessionmaker() as db:  # its own short session: the stream may last minutes
            latest = await latest_event_id(db, application_id)
        if latest > after:
            yield ServerSentEventMessage(event="changed", data=str(latest), id=str(latest))
        ends = time.monotonic() + lifetime
        while (left := ends - time.monotonic()) > 0:
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=min(HEARTBEAT_SECONDS, left)
            )
            if message is None:
                yield ServerSentEventMessage(comment="keep-alive")
                continue
            yield ServerSentEventMessage(event="changed", data="changed")
            await asyncio.sleep(0)
