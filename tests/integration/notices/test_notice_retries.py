"""A retry is never swallowed by arq's job-id de-duplication (issue 18, item 4), and a send
retried after a crash reaches the person once (item 5).

The delivery jobs run in a real arq worker (burst mode, in this process) on a Redis of each
test's own, against a database of this module's own (its sweeps must not take other tests'
deliveries); messages are counted at the local SMS gateway. The deliverer's clock is the
test's, so "the backoff is over" needs no waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from arq.connections import ArqRedis
from arq.worker import Worker
from sqlalchemy.ext.asyncio import AsyncEngine

from app.applications.context import Clock
from app.composition.build import create_engine
from app.composition.queue import create_job_pool
from app.embedded_redis import EmbeddedRedis
from app.notices.delivery import LEASE, Deliverer, sweep
from app.notices.models import Delivery, DeliveryStatus
from app.notices.outbox import DELIVER_JOB, job_id
from app.notices.sending import Senders
from app.platforms.sms import DevOutbox, HttpSmsGateway, SmsGateway
from app.protection import DataProtector, load_protection_keys
from app.worker import WorkerSettings, worker_options
from tests.conftest import make_settings, migrate
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.integration.application_support import Desk, engine_sessionmaker
from tests.integration.notice_support import notices_of, push_of


@pytest.fixture(scope="module")
def retries_database_url(
    fresh_database_url: object, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A database of this module's own: its sweeps queue only its own deliveries."""
    from app.demo import load_demo_data

    url: str = fresh_database_url("retries")  # type: ignore[operator]
    settings = make_settings(tmp_path_factory.mktemp("retries-migrate"), url)
    migrate(settings)
    asyncio.run(load_demo_data(settings))
    return url


@pytest.fixture
async def engine(tmp_path: Path, retries_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(make_settings(tmp_path / "var", retries_database_url))
    yield engine
    await engine.dispose()


@pytest.fixture
async def jobs(tmp_path: Path) -> AsyncIterator[ArqRedis]:
    """The job pool of a Redis of this test's own."""
    server = EmbeddedRedis(tmp_path / "redis")
    pool = await create_job_pool(server.start())
    yield pool
    await pool.aclose()
    server.stop()


@pytest.fixture
def sms() -> Iterator[FakeSmsGateway]:
    with FakeSmsGateway() as gateway:
        yield gateway


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


class TestClock:
    """The deliverer's clock: real time, moved ahead when the test says so."""

    __test__ = False

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


class Scene:
    """Accepted applications' push deliveries, deliverers on a local gateway, a worker."""

    def __init__(
        self, engine: AsyncEngine, tmp_path: Path, jobs: ArqRedis, clock: TestClock
    ) -> None:
        self.sessionmaker = engine_sessionmaker(engine)
        self.protector = DataProtector(
            load_protection_keys(None, tmp_path / "var", production=False)
        )
        self.desk = Desk(self.sessionmaker, self.protector, tmp_path / "files", Clock())
        self.settings = make_settings(tmp_path / "var")
        self.engine, self.jobs, self.clock = engine, jobs, clock

    def deliverer(self, gateway: SmsGateway) -> Deliverer:
        """A deliverer sending SMS through ``gateway``, on the test's clock."""
        return Deliverer(self.sessionmaker, Senders(sms=gateway), self.protector, now=self.clock)

    async def pending_push(self) -> UUID:
        """A new application accepted at once: its push delivery, not sent yet."""
        person = await self.desk.person()
        application = await self.desk.submit(person, await self.desk.draft(person))
        [notice] = await notices_of(self.sessionmaker, application.id)
        return (await push_of(self.sessionmaker, notice.id)).id

    async def row(self, delivery_id: UUID) -> Delivery:
        async with self.sessionmaker() as db:
            found = await db.get(Delivery, delivery_id)
        assert found is not None
        return found

    async def run_worker(self, deliverer: Deliverer) -> None:
        """Run every job queued now in a real arq worker (its options as in production)."""
        options: dict[str, Any] = worker_options(
            self.settings, self.engine, {"notice_deliverer": deliverer}
        )
        options.pop("cron_jobs")  # jobs only: no sweep or heartbeat of its own
        options["poll_delay"] = 0.01
        worker = Worker(**options, redis_pool=self.jobs, burst=True, handle_signals=False)
        await worker.async_run()


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
def scene(engine: AsyncEngine, tmp_path: Path, jobs: ArqRedis, clock: TestClock) -> Scene:
    return Scene(engine, tmp_path, jobs, clock)


@pytest.fixture
def deliverer(scene: Scene, sms: FakeSmsGateway, http: httpx.AsyncClient) -> Deliverer:
    """The worker's deliverer, sending SMS to the local HTTP gateway."""
    return scene.deliverer(HttpSmsGateway(sms.base_url, http))


async def test_a_retry_that_found_its_row_not_yet_due_is_queued_again_by_the_sweep(
    scene: Scene, deliverer: Deliverer, sms: FakeSmsGateway, clock: TestClock
) -> None:
    """The incident: the job ends without sending; the sweep's retry must not be dropped.

    Before the fix arq kept that job's result for ``keep_result`` (300 s) under the id the
    sweep queues the same attempt with, and dropped the sweep's job: 5 min 33 s late.
    """
    delivery_id = await scene.pending_push()
    sms.fail_next = [503]
    first = await deliverer.deliver(delivery_id)  # busy: the next try in 30 s
    assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 1)
    # The retry's job runs before the row is due (a worker whose clock is behind, say):
    # it cannot claim the row and ends without sending.
    retry = job_id(delivery_id, first.attempts)
    assert await scene.jobs.enqueue_job(DELIVER_JOB, delivery_id=str(delivery_id), _job_id=retry)
    await scene.run_worker(deliverer)
    assert sms.requests == 1
    assert (await scene.row(delivery_id)).attempts == 1  # not claimed: the same attempt
    # Nothing is left that would refuse that attempt's job (arq refuses an id it keeps a
    # result under).
    assert not await scene.jobs.exists(f"arq:result:{retry}")

    clock.ahead += timedelta(seconds=31)  # the backoff is over: the sweep finds it due
    assert await sweep(scene.sessionmaker, scene.jobs, now=clock(), grace=timedelta(0)) >= 1
    await scene.run_worker(deliverer)

    row = await scene.row(delivery_id)
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    assert len(sms.sent) == 1


async def test_a_job_arq_gave_up_on_does_not_block_the_sweeps_retry(
    scene: Scene, deliverer: Deliverer, sms: FakeSmsGateway, clock: TestClock
) -> None:
    """arq keeps a result of its own when it refuses to run a job again (past ``max_tries``:
    a job interrupted on every try) whatever the function's ``keep_result`` says; the sweep
    replaces that stale result, since the row it finds still due says the job sent nothing.
    """
    delivery_id = await scene.pending_push()
    spent = job_id(delivery_id, 0)
    assert await scene.jobs.enqueue_job(
        DELIVER_JOB, delivery_id=str(delivery_id), _job_id=spent, _job_try=99
    )
    await scene.run_worker(deliverer)  # "max 5 retries exceeded": not run, a failure result kept
    assert await scene.jobs.exists(f"arq:result:{spent}")
    assert sms.requests == 0

    assert await sweep(scene.sessionmaker, scene.jobs, now=clock(), grace=timedelta(0)) >= 1
    await scene.run_worker(deliverer)

    assert (await scene.row(delivery_id)).status == DeliveryStatus.SENT
    assert len(sms.sent) == 1


async def test_the_job_id_still_keeps_one_job_per_queued_attempt(
    scene: Scene, deliverer: Deliverer, sms: FakeSmsGateway, clock: TestClock
) -> None:
    delivery_id = await scene.pending_push()
    for _ in range(3):  # three sweeps before any worker runs
        await sweep(scene.sessionmaker, scene.jobs, now=clock(), grace=timedelta(0))
    queued = [j.decode() for j in await scene.jobs.zrange(WorkerSettings.queue_name, 0, -1)]
    assert queued.count(job_id(delivery_id, 0)) == 1

    await scene.run_worker(deliverer)
    assert (await scene.row(delivery_id)).status == DeliveryStatus.SENT
    assert sms.requests == 1


class KilledAfterAccept(BaseException):
    """The worker dies here: the gateway has taken the message, the row does not say so."""


class DiesAfterTheFirstNotice:
    """An SMS gateway adapter whose first notice kills its sender once the gateway took it."""

    def __init__(self, gateway: SmsGateway) -> None:
        self._gateway = gateway
        self._killed = False

    async def send_code(self, phone: str, code: str, *, locale: str) -> None:
        await self._gateway.send_code(phone, code, locale=locale)

    async def send_notice(
        self, phone: str, text: str, *, locale: str, idempotency_key: str
    ) -> None:
        await self._gateway.send_notice(phone, text, locale=locale, idempotency_key=idempotency_key)
        if not self._killed:
            self._killed = True
            raise KilledAfterAccept


@pytest.mark.parametrize("stand_in", ["developer outbox", "http gateway"])
async def test_a_send_interrupted_after_the_gateway_took_it_reaches_the_person_once(
    stand_in: str,
    scene: Scene,
    jobs: ArqRedis,
    sms: FakeSmsGateway,
    http: httpx.AsyncClient,
    clock: TestClock,
) -> None:
    """At-least-once to the gateway, once to the phone: the retry carries the same key.

    Both local SMS stand-ins honour ``Idempotency-Key``: the developer outbox that
    ``make run`` and ``make worker`` use without a gateway URL, and the HTTP gateway.
    """
    outbox = DevOutbox(jobs)
    gateway: SmsGateway = (
        outbox if stand_in == "developer outbox" else HttpSmsGateway(sms.base_url, http)
    )

    async def received() -> int:
        return len(await outbox.recent_notices()) if gateway is outbox else len(sms.sent)

    dying = scene.deliverer(DiesAfterTheFirstNotice(gateway))
    delivery_id = await scene.pending_push()
    with pytest.raises(KilledAfterAccept):
        await dying.deliver(delivery_id)
    assert await received() == 1
    killed = await scene.row(delivery_id)
    assert (killed.status, killed.attempts) == (DeliveryStatus.PENDING, 1)  # still claimed

    clock.ahead += LEASE + timedelta(seconds=1)  # the dead job's claim lapses
    assert await sweep(scene.sessionmaker, jobs, now=clock(), grace=timedelta(0)) >= 1
    await scene.run_worker(dying)  # the retry: the same delivery row, so the same key

    row = await scene.row(delivery_id)
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    assert await received() == 1  # acknowledged the second time, not delivered again
