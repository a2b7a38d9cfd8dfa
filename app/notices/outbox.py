"""The transactional outbox: notices and deliveries written beside the event, queued after commit.

``app.applications.history.record`` adds an event's notice in the caller's transaction, so
a notice exists exactly when its change of state does. The ids of new deliveries (and of the
applications that changed) are staged on the session; after the outermost commit, the session's
``NoticeDispatcher`` (found in ``Session.info``) enqueues one job per delivery and tells the
live-progress channel. A rollback drops what was staged. ``write_for_subject`` does the same
for a notice that comes from no event (a license's expiry reminder or revocation), once per
subject key and recipient. Nothing here needs the enqueue to
succeed: a crash or a lost Redis leaves deliveries pending, and the sweep re-queues them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

import structlog
from arq.connections import ArqRedis
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from uuid_utils.compat import uuid7

from app.notices.models import Delivery, DeliveryChannel, DeliveryStatus, Notice
from app.notices.texts import SUBJECT_TEXTS, NoticeKind

log = structlog.get_logger(__name__)

DISPATCHER_KEY: Final = "notice_dispatcher"
_STAGED_DELIVERIES: Final = "notices:staged_deliveries"
_STAGED_APPLICATIONS: Final = "notices:staged_applications"
DELIVER_JOB: Final = "deliver_notice"


def job_id(delivery_id: UUID, attempts: int) -> str:
    """arq's de-duplication key: one job per delivery and attempt, however often queued."""
    return f"notice-delivery:{delivery_id}:{attempts}"


def live_channel(application_id: UUID) -> str:
    """The Redis pub/sub channel of one application's live progress."""
    return f"onething:live:application:{application_id}"


def stage_application_change(db: AsyncSession, application_id: UUID) -> None:
    """Tell the application's live-progress channel after this transaction commits."""
    _stage(db, _STAGED_APPLICATIONS, [application_id])


def write_for_subject(
    db: AsyncSession,
    kind: NoticeKind,
    *,
    subject_key: str,
    person_id: UUID,
    params: dict[str, str],
    enterprise_id: UUID | None = None,
    license_id: UUID | None = None,
    offer_id: UUID | None = None,
) -> Notice:
    """Add a notice of ``kind`` about ``subject_key`` to one person, with its deliveries.

    The caller makes sure it is the first for this key and person (the unique constraint
    ``uq_notice_subject_recipient`` refuses a second at commit).
    """
    text = SUBJECT_TEXTS[kind]
    notice = Notice(
        id=uuid7(),
        subject_key=subject_key,
        person_id=person_id,
        enterprise_id=enterprise_id,
        license_id=license_id,
        offer_id=offer_id,
        kind=str(kind),
        title_id=text.title,
        body_id=text.body,
        params=params,
    )
    add_with_deliveries(db, notice)
    return notice


def add_with_deliveries(db: AsyncSession, notice: Notice) -> None:
    """Add ``notice`` with its in-app delivery (delivered) and its pending push deliveries."""
    now = datetime.now(UTC)
    # The inbox row is the in-app message itself: delivered the moment it commits.
    in_app = _delivery(notice, DeliveryChannel.IN_APP)
    in_app.status, in_app.finished_at = DeliveryStatus.SENT, now
    # One push, to the channel the person prefers; the job picks it (``preferences.route``)
    # and a channel that fails for good hands over to the next (``Deliverer``).
    push = _delivery(notice, DeliveryChannel.PUSH)
    db.add(notice)
    db.add_all([in_app, push])
    stage_deliveries(db, [push.id])


def _delivery(notice: Notice, channel: DeliveryChannel) -> Delivery:
    delivery = pending_delivery(notice.id, channel)
    delivery.notice = notice
    return delivery


def pending_delivery(notice_id: UUID, channel: DeliveryChannel) -> Delivery:
    """A new pending delivery of the notice on ``channel``, its id its idempotency key."""
    delivery_id = uuid7()
    return Delivery(
        id=delivery_id,
        notice_id=notice_id,
        channel=channel,
        status=DeliveryStatus.PENDING,
        attempts=0,
        idempotency_key=str(delivery_id),
    )


def stage_deliveries(db: AsyncSession, ids: Iterable[UUID]) -> None:
    """Queue these deliveries' jobs once ``db``'s transaction commits (none if it rolls back)."""
    _stage(db, _STAGED_DELIVERIES, ids)


def _stage(db: AsyncSession, key: str, ids: Iterable[UUID]) -> None:
    staged: list[UUID] = db.info.setdefault(key, [])
    staged.extend(i for i in ids if i not in staged)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    deliveries: list[UUID] = session.info.pop(_STAGED_DELIVERIES, [])
    applications: list[UUID] = session.info.pop(_STAGED_APPLICATIONS, [])
    dispatcher = session.info.get(DISPATCHER_KEY)
    if isinstance(dispatcher, NoticeDispatcher) and (deliveries or applications):
        dispatcher.after_commit(deliveries, applications)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    # Nothing staged in a rolled-back transaction exists: queue none of it.
    session.info.pop(_STAGED_DELIVERIES, None)
    session.info.pop(_STAGED_APPLICATIONS, None)


class NoticeDispatcher:
    """Enqueues delivery jobs and live-progress pings once their transaction has committed.

    One per app (and per worker), put in the sessions' ``info``; bound to the job pool when
    that exists. Unbound, it does nothing and the sweep sends the deliveries later.
    """

    def __init__(self) -> None:
        self._jobs: ArqRedis | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def bind(self, jobs: ArqRedis | None) -> None:
        """Use ``jobs`` (an arq pool, also a Redis client) from now on; ``None`` to stop."""
        self._jobs = jobs

    def session_info(self) -> dict[str, Any]:
        """What a sessionmaker's ``info`` needs so its sessions dispatch through this."""
        return {DISPATCHER_KEY: self}

    def after_commit(self, deliveries: list[UUID], applications: list[UUID]) -> None:
        """Called inside SQLAlchemy's commit: schedule the work, never wait for it here."""
        if self._jobs is None:
            return
        task = asyncio.get_running_loop().create_task(
            self.dispatch(deliveries, applications, self._jobs)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def dispatch(
        self, deliveries: list[UUID], applications: list[UUID], jobs: ArqRedis
    ) -> None:
        """Enqueue each delivery's first attempt and ping each application's live channel."""
        try:
            for delivery_id in deliveries:
                await jobs.enqueue_job(
                    DELIVER_JOB, delivery_id=str(delivery_id), _job_id=job_id(delivery_id, 0)
                )
            for application_id in applications:
                await jobs.publish(live_channel(application_id), "changed")
        except (RedisError, OSError) as exc:
            # The rows are committed: the sweep finds and sends them.
            log.warning("notice dispatch failed; the sweep will retry", error=type(exc).__name__)

    async def drain(self) -> None:
        """Wait for scheduled dispatches (at shutdown, and in tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
