"""The arq worker: its jobs and settings (``app.worker.running`` runs it).

Jobs are plain ``async def job(ctx, *, some_id)`` functions that take ids, never
objects or personal data, and are idempotent (arq runs a job at least once).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from arq import cron, func
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.applications import draft_materials
from app.applications.sweeps import run_sweep
from app.audit.service import purge
from app.benefits.jobs import run_benefit_checks
from app.composition.queue import QUEUE_NAME, deserialize, serialize
from app.config import Settings
from app.health import HEARTBEAT_KEY
from app.notices.delivery import sweep
from app.notices.outbox import DELIVER_JOB, NoticeDispatcher, job_id
from app.wallet.maintenance import expire_due_licenses
from app.wallet.reminders import run_reminders

log = structlog.get_logger(__name__)


async def heartbeat(ctx: dict[str, Any]) -> float:
    """Record that a worker is alive and taking jobs; ``/readyz`` reads this key.

    The key expires on its own, so a dead worker shows as stale without anyone deleting it.
    """
    settings: Settings = ctx["settings"]
    now = time.time()
    redis: ArqRedis = ctx["redis"]
    await redis.set(HEARTBEAT_KEY, repr(now), ex=settings.heartbeat_stale_seconds)
    return now


async def purge_stale_drafts(ctx: dict[str, Any]) -> int:
    """Delete unsubmitted drafts (and their files) older than the retention setting.

    Idempotent: a second run finds nothing left to delete.
    """
    settings: Settings = ctx["settings"]
    async with ctx["sessionmaker"]() as db:
        purged = await draft_materials.purge_stale_drafts(
            db, ctx["storage"], retention_days=settings.draft_retention_days,
        )  # fmt: skip
    if purged:
        log.info("stale drafts purged", count=purged)
    return purged


async def purge_audit_log(ctx: dict[str, Any]) -> int:
    """Delete audit events past ``audit_retention_days``, anchoring the chain (idempotent)."""
    settings: Settings = ctx["settings"]
    async with ctx["sessionmaker"]() as db, db.begin():
        purged = await purge(db, retention_days=settings.audit_retention_days)
    if purged.deleted:
        log.info("audit events purged", count=purged.deleted, anchor_id=purged.anchor_id)
    return purged.deleted


async def expire_licenses(ctx: dict[str, Any]) -> int:
    """Hourly: licenses past their validity become expired (idempotent; reads check dates too)."""
    count = await expire_due_licenses(
        ctx["sessionmaker"], ctx["protector"], ctx["catalog"].licenses
    )
    if count:
        log.info("licenses expired", count=count)
    return count


async def remind_expiring_licenses(ctx: dict[str, Any], *, now: datetime | None = None) -> int:
    """Daily: 证照到期提醒, the configured days ahead (idempotent: each reminder once).

    ``now`` is for tests and manual runs; the cron leaves it to the clock.
    """
    made = await run_reminders(ctx["settings"], ctx["sessionmaker"], now)
    if made:
        log.info("license reminders written", count=made)
    return made


async def sweep_applications(ctx: dict[str, Any]) -> dict[str, int]:
    """电子监察 and 容缺: raise time-limit cards, remind and escalate commitments (idempotent).

    Every change is an event in the application's history, written in the sweep's transaction.
    """
    settings: Settings = ctx["settings"]
    sessionmaker: async_sessionmaker[Any] = ctx["sessionmaker"]
    result = await run_sweep(
        settings, sessionmaker, protector=ctx["protector"], calendar=ctx["calendar"],
        catalog=ctx["catalog"], storage=ctx["storage"],
    )  # fmt: skip
    if any(result.values()):
        log.info("applications swept", **result)
    return result


async def deliver_notice(ctx: dict[str, Any], *, delivery_id: str) -> str:
    """Send one notice delivery (idempotent: a sent delivery is never sent again).

    A transient failure queues the next attempt after its backoff, under its own job id.
    """
    result = await ctx["notice_deliverer"].deliver(UUID(delivery_id))
    if result.retry_in is not None:
        redis: ArqRedis = ctx["redis"]
        await redis.enqueue_job(
            DELIVER_JOB,
            delivery_id=delivery_id,
            _job_id=job_id(UUID(delivery_id), result.attempts),
            _defer_by=result.retry_in,
        )
    return str(result.status)


async def sweep_notices(ctx: dict[str, Any]) -> int:
    """Queue again the deliveries a crash, a lost Redis or a failed enqueue left pending."""
    settings: Settings = ctx["settings"]
    grace = timedelta(seconds=settings.notice_sweep_grace_seconds)
    count = await sweep(ctx["sessionmaker"], ctx["redis"], grace=grace)
    if count:
        log.info("notice deliveries re-queued", count=count)
    return count


async def _startup(ctx: dict[str, Any]) -> None:
    """Bind the outbox to this worker's Redis."""
    ctx["notice_dispatcher"].bind(ctx["redis"])


async def _shutdown(ctx: dict[str, Any]) -> None:
    await ctx["notice_dispatcher"].drain()


async def check_benefits(ctx: dict[str, Any]) -> int:
    """免申即享: check consenting persons and enterprises against the benefit rules (idempotent:
    an offer is made once per benefit and subject)."""
    made = await run_benefit_checks(
        ctx["sessionmaker"], records_exchange=ctx["records"], protector=ctx["protector"]
    )
    if made:
        log.info("benefits offered", count=made)
    return made


class WorkerSettings:
    """Static worker options; ``worker_options`` adds what comes from ``Settings``."""

    functions = (
        heartbeat,
        purge_stale_drafts,
        purge_audit_log,
        expire_licenses,
        remind_expiring_licenses,
        sweep_applications,
        # No result kept: the row is the record of what a delivery job did, and arq refuses
        # a job id whose result it keeps, so a job that ended without claiming its row (not
        # due yet, claimed elsewhere, an error) would block the sweep's retry of that
        # attempt for ``keep_result`` seconds (issue 18: an SMS 5 min 33 s late).
        func(deliver_notice, keep_result=0),
        sweep_notices,
        check_benefits,
    )
    job_serializer = staticmethod(serialize)
    job_deserializer = staticmethod(deserialize)
    queue_name = QUEUE_NAME
    # See NOTES: the default 0.5 s poll gives ~0.5 s enqueue-to-start latency.
    poll_delay = 0.05
    max_jobs = 50
    job_timeout = 60
    keep_result = 300


def worker_options(
    settings: Settings, engine: AsyncEngine, parts: dict[str, Any]
) -> dict[str, Any]:
    """Keyword arguments for ``arq.worker.Worker`` for these settings and database.

    ``parts`` are the long-lived collaborators jobs use (``Runtime.job_context``).
    """
    dispatcher = NoticeDispatcher()
    interval = max(1, min(settings.heartbeat_interval_seconds, 60))
    return {
        "functions": WorkerSettings.functions,
        "cron_jobs": [
            cron(heartbeat, second=set(range(0, 60, interval)), run_at_startup=True, unique=True),
            # Nightly, at 03:17 server time: quiet hours, off the round minute other jobs use.
            cron(purge_stale_drafts, hour={3}, minute={17}, unique=True),
            cron(purge_audit_log, hour={3}, minute={41}, unique=True),
            cron(expire_licenses, minute={7}, second={0}, unique=True),
            # Once a day, in the morning (server time), so a push does not wake anyone.
            cron(remind_expiring_licenses, hour={9}, minute={13}, unique=True),
            # Cards and commitments change by the day: every five minutes is ample.
            cron(sweep_applications, minute=set(range(0, 60, 5)), second=30, unique=True),
            # Pending deliveries past their grace period: every minute (by default), so none
            # waits long.
            cron(sweep_notices, second=_sweep_seconds(settings), unique=True),
            # Records change by the day: once a night, after the drafts' purge.
            cron(check_benefits, hour={4}, minute={23}, unique=True),
        ],
        "on_startup": _startup,
        "on_shutdown": _shutdown,
        "job_serializer": WorkerSettings.job_serializer,
        "job_deserializer": WorkerSettings.job_deserializer,
        "queue_name": WorkerSettings.queue_name,
        "poll_delay": WorkerSettings.poll_delay,
        "max_jobs": WorkerSettings.max_jobs,
        "job_timeout": WorkerSettings.job_timeout,
        "keep_result": WorkerSettings.keep_result,
        "ctx": {
            "settings": settings,
            # Sweeps write events: their notices are queued after commit like a request's.
            "sessionmaker": async_sessionmaker(
                engine, expire_on_commit=False, info=dispatcher.session_info()
            ),
            "notice_dispatcher": dispatcher,
            **parts,
        },
    }


def _sweep_seconds(settings: Settings) -> set[int]:
    # Off the round second other jobs use; several times a minute when configured so.
    step = settings.notice_sweep_seconds
    return {45} if step >= 60 else {(45 + s) % 60 for s in range(0, 60, step)}
