"""Sending one delivery, idempotently; and the sweep that re-queues what a crash left behind.

A job first *claims* its delivery with one conditional UPDATE (pending, not claimed by a live
job, due): on SQLite and PostgreSQL alike only one job wins, and a delivery that is already
sent is never sent again. The claim is a lease: a job killed mid-send leaves a claim that
lapses, and the sweep queues the delivery again (at-least-once; the provider's idempotency
key, the delivery id, keeps SMS and Alipay from repeating it). Statuses only move forward:
every final write is guarded by ``status = 'pending'``, and an SMS receipt's by
``status = 'sent'`` (``apply_receipt``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from uuid import UUID

import msgspec
import structlog
from arq.connections import ArqRedis
from arq.constants import result_key_prefix
from arq.jobs import Job, JobStatus
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from app.errors import Conflict, NotFound
from app.i18n import DEFAULT_LOCALE, N_
from app.identity.models import PERSON_PHONE, ExternalAccount, Person, Provider
from app.notices.models import Delivery, DeliveryChannel, DeliveryStatus
from app.notices.outbox import DELIVER_JOB, job_id, pending_delivery, stage_deliveries
from app.notices.preferences import NoticePreferences, route
from app.notices.sending import Attempt, Outcome, Recipient, Senders
from app.protection import DataProtector

log = structlog.get_logger(__name__)

LEASE: Final = timedelta(seconds=90)  # longer than any one send (timeouts are 5 s)
BACKOFF_BASE_SECONDS: Final = 30
BACKOFF_CAP_SECONDS: Final = 3600
# The sweep leaves fresh deliveries to the job queued after their commit.
SWEEP_GRACE: Final = timedelta(seconds=30)
SWEEP_BATCH: Final = 500
# A channel that will not take the message hands over to the person's next one.
_HAND_OVER: Final = frozenset({DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP})
NOT_SENT_YET = N_("This message is still being sent. Send the receipt again later.")


class Result(msgspec.Struct, frozen=True):
    """A delivery after one job: its status, its tries so far, and when to try again."""

    status: DeliveryStatus
    attempts: int
    retry_in: timedelta | None = None
    next_delivery: UUID | None = None  # the next channel's delivery, after a final failure


def _utc_now() -> datetime:
    return datetime.now(UTC)


def backoff(attempts: int) -> timedelta:
    """Capped exponential backoff after ``attempts`` failed tries: 30 s, 60 s, 120 s … 1 h."""
    return timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)
    )


class Deliverer:
    """Sends deliveries by id; what a job and the sweep share."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        senders: Senders,
        protector: DataProtector,
        *,
        max_attempts: int = 5,
        lease: timedelta = LEASE,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._lease = lease
        self._sessionmaker = sessionmaker
        self._senders = senders
        self._protector = protector
        self._max_attempts = max_attempts
        self._now = now

    async def deliver(self, delivery_id: UUID, now: datetime | None = None) -> Result:
        """Try once if this job wins the claim; what became of the delivery."""
        moment = now or self._now()
        if not await self._claim(delivery_id, moment):
            return await self._status(delivery_id)
        target = await self._load(delivery_id)
        delivery, recipient = target.delivery, target.recipient
        if delivery.channel == DeliveryChannel.PUSH:
            channel = route(target.order, target.reachable, target.tried)
            if channel is None:  # no channel left that can reach the person: the inbox only
                return await self._finish(target, Attempt(Outcome.PERMANENT, "no_channel"), moment)
            if not await self._route(delivery.id, channel):
                return await self._status(delivery_id)
            delivery.channel = channel
        attempt = await self._senders.send(
            delivery.channel, delivery.notice, recipient, idempotency_key=delivery.idempotency_key
        )
        return await self._finish(target, attempt, moment)

    async def _claim(self, delivery_id: UUID, now: datetime) -> bool:
        async with self._sessionmaker() as db, db.begin():
            result = await db.execute(
                update(Delivery)
                .where(
                    Delivery.id == delivery_id,
                    Delivery.status == DeliveryStatus.PENDING,
                    or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
                    or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
                )
                .values(attempts=Delivery.attempts + 1, claimed_until=now + self._lease)
                .execution_options(synchronize_session=False)
            )
            return bool(getattr(result, "rowcount", 0))

    async def _status(self, delivery_id: UUID) -> Result:
        async with self._sessionmaker() as db:
            row = (
                await db.execute(
                    select(Delivery.status, Delivery.attempts).where(Delivery.id == delivery_id)
                )
            ).first()
        if row is None:  # a job for a delivery that never committed: nothing to send
            return Result(DeliveryStatus.FAILED, 0)
        return Result(DeliveryStatus(row[0]), row[1])

    async def _route(self, delivery_id: UUID, channel: DeliveryChannel) -> bool:
        """Fix the channel of a claimed push delivery before sending on it."""
        async with self._sessionmaker() as db, db.begin():
            result = await db.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.PENDING)
                .values(channel=channel)
                .execution_options(synchronize_session=False)
            )
            return bool(getattr(result, "rowcount", 0))

    async def _load(self, delivery_id: UUID) -> _Target:
        async with self._sessionmaker() as db:
            delivery = await db.scalar(
                select(Delivery)
                .where(Delivery.id == delivery_id)
                .options(selectinload(Delivery.notice))
            )
            person = await db.get(Person, delivery.notice.person_id) if delivery else None
            if delivery is None or person is None:  # claimed a moment ago; rows are never deleted
                raise LookupError(f"delivery {delivery_id} vanished")
            accounts = dict(
                (await db.execute(
                    select(ExternalAccount.provider, ExternalAccount.subject)
                    .where(ExternalAccount.person_id == person.id)
                )).tuples().all()
            )  # fmt: skip
            tried = set(
                (await db.scalars(
                    select(Delivery.channel).where(
                        Delivery.notice_id == delivery.notice_id, Delivery.id != delivery.id
                    )
                )).all()
            )  # fmt: skip
            order = await NoticePreferences(db).order(person.id)
        recipient = Recipient(
            locale=person.locale or DEFAULT_LOCALE,
            phone=self._protector.reveal(person.phone_ciphertext, PERSON_PHONE),
            wechat_openid=accounts.get(Provider.WECHAT),
            alipay_user_id=accounts.get(Provider.ALIPAY),
        )
        return _Target(
            delivery=delivery,
            recipient=recipient,
            order=order,
            tried={DeliveryChannel(c) for c in tried},
            reachable=lambda channel: self._senders.reachable(channel, recipient),
        )

    async def _finish(self, target: _Target, attempt: Attempt, now: datetime) -> Result:
        delivery = target.delivery
        retry_in: timedelta | None = None
        values: dict[str, Any] = {"claimed_until": None, "last_error": attempt.reason or None}
        if attempt.outcome is Outcome.SENT:
            status = DeliveryStatus.SENT
        elif attempt.outcome is Outcome.PERMANENT:
            status = DeliveryStatus.FAILED
        elif delivery.attempts >= self._max_attempts:
            status = DeliveryStatus.GAVE_UP
        else:
            status, retry_in = DeliveryStatus.PENDING, backoff(delivery.attempts)
            values["next_attempt_at"] = now + retry_in
        if status is not DeliveryStatus.PENDING:
            values.update(status=status, finished_at=now)
        next_id: UUID | None = None
        async with self._sessionmaker() as db, db.begin():
            result = await db.execute(
                update(Delivery)
                .where(Delivery.id == delivery.id, Delivery.status == DeliveryStatus.PENDING)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            # Only the job that ended the delivery hands over, and only if a channel is left.
            if status in _HAND_OVER and bool(getattr(result, "rowcount", 0)):
                next_id = _hand_over(db, target)
        log.info(
            "notice delivery attempt",
            delivery_id=str(delivery.id),
            channel=str(delivery.channel),
            attempt=delivery.attempts,
            status=str(status),
            reason=attempt.reason,
            fallback=str(next_id) if next_id else None,
        )
        return Result(status, delivery.attempts, retry_in, next_id)

    async def apply_receipt(
        self, delivery_id: UUID, status: DeliveryStatus, *, reason: str, at: datetime
    ) -> Result:
        """Apply the gateway's receipt for a sent SMS: ``delivered``, or ``failed`` (``reason``).

        Forward only and idempotent: a receipt for a delivery already past ``sent`` (the same
        receipt again, ``delivered`` after ``failed``) changes nothing. An undelivered message
        hands over to the person's next channel, as a permanent error does; only the
        transaction whose update moved the row adds that fallback. ``NotFound`` for anything
        but an SMS delivery; ``Conflict`` while it is still pending (the gateway retries).
        """
        async with self._sessionmaker() as db:
            row = (
                await db.execute(
                    select(Delivery.status, Delivery.channel, Delivery.attempts).where(
                        Delivery.id == delivery_id
                    )
                )
            ).first()
        if row is None or row[1] != DeliveryChannel.SMS:
            raise NotFound
        current = DeliveryStatus(row[0])
        if current is DeliveryStatus.PENDING:
            raise Conflict(NOT_SENT_YET)
        if not current.can_become(status):
            return Result(current, row[2])
        target = await self._load(delivery_id) if status in _HAND_OVER else None
        values: dict[str, Any] = {"status": status, "finished_at": at}
        if status is DeliveryStatus.FAILED:
            values["last_error"] = reason
        next_id: UUID | None = None
        async with self._sessionmaker() as db, db.begin():
            result = await db.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.status == current)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            changed = bool(getattr(result, "rowcount", 0))
            if target is not None and changed:
                next_id = _hand_over(db, target)
        log.info(
            "notice delivery receipt",
            delivery_id=str(delivery_id),
            status=str(status) if changed else str(current),
            changed=changed,
            reason=reason or None,
            fallback=str(next_id) if next_id else None,
        )
        return Result(status, row[2], None, next_id) if changed else await self._status(delivery_id)


def _hand_over(db: AsyncSession, target: _Target) -> UUID | None:
    """Add the notice's next push delivery when a channel is left; queued after the commit."""
    if not target.has_next():
        return None
    fallback = pending_delivery(target.delivery.notice_id, DeliveryChannel.PUSH)
    db.add(fallback)
    stage_deliveries(db, [fallback.id])  # its job is queued after this commit
    return fallback.id


class _Target(msgspec.Struct, kw_only=True):
    """A claimed delivery, its recipient, and where else the notice could go."""

    delivery: Delivery
    recipient: Recipient
    order: list[DeliveryChannel]
    tried: set[DeliveryChannel]
    reachable: Callable[[DeliveryChannel], bool]

    def has_next(self) -> bool:
        """Whether a channel after this delivery's one could still reach the person."""
        tried = self.tried | {DeliveryChannel(self.delivery.channel)}
        return route(self.order, self.reachable, tried) is not None


async def due_deliveries(
    db: AsyncSession, now: datetime, grace: timedelta = SWEEP_GRACE
) -> list[tuple[UUID, int]]:
    """Pending deliveries no live job holds and whose time has come (oldest first).

    On PostgreSQL rows another sweep is reading are skipped (``FOR UPDATE SKIP LOCKED``), so
    sweeps on several workers share the backlog instead of queueing it twice.
    """
    query = (
        select(Delivery.id, Delivery.attempts)
        .where(
            Delivery.status == DeliveryStatus.PENDING,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
            Delivery.created_at < now - grace,
        )
        .order_by(Delivery.created_at)
        .limit(SWEEP_BATCH)
    )
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [(row[0], row[1]) for row in (await db.execute(query)).all()]


async def sweep(
    sessionmaker: async_sessionmaker[AsyncSession],
    jobs: ArqRedis,
    *,
    now: datetime | None = None,
    grace: timedelta = SWEEP_GRACE,
) -> int:
    """Queue every due pending delivery again; how many got a job (arq's job id keeps one
    job per attempt: a delivery whose job is still queued or running is not counted)."""
    moment = now or _utc_now()
    queued = 0
    async with sessionmaker() as db, db.begin():
        for delivery_id, attempts in await due_deliveries(db, moment, grace):
            queued += await _requeue(jobs, delivery_id, attempts)
    return queued


async def _requeue(jobs: ArqRedis, delivery_id: UUID, attempts: int) -> bool:
    """Queue the job of a delivery found due; False when a job of that attempt is still live.

    arq refuses a job id that has a job (queued, deferred, running) or a kept result. Delivery
    jobs keep no result (``app.worker``), but arq keeps one of its own for a job it gives up
    on (past ``max_tries``, expired). The row is still pending and due, so that finished job
    sent nothing: its result is stale, and is dropped so that the retry is not swallowed.
    """
    key = job_id(delivery_id, attempts)

    async def enqueue() -> bool:
        return (
            await jobs.enqueue_job(DELIVER_JOB, delivery_id=str(delivery_id), _job_id=key)
            is not None
        )

    if await enqueue():
        return True
    if await Job(key, jobs).status() is not JobStatus.complete:
        return False  # queued, deferred or running: that job claims the row (or a later one)
    log.warning("stale delivery job result dropped", delivery_id=str(delivery_id), job_id=key)
    await jobs.delete(result_key_prefix + key)
    return await enqueue()
