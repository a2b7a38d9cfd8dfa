"""Every pending delivery is sent once after a killed worker, a flushed Redis, a restarted DB.

The database restart runs only with ``DATABASE_URL`` on PostgreSQL, and on a private cluster
made for the test (restarting the shared server would break every other test using it).

The worker is the real one (``python -m app worker`` as a subprocess) on a private Redis
and a database of these tests' own; messages are counted at the local SMS gateway, which
keeps one message per idempotency key as a real gateway does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.applications.context import Clock
from app.composition.build import create_engine
from app.composition.queue import create_job_pool
from app.embedded_redis import EmbeddedRedis
from app.notices.models import Delivery, DeliveryChannel, DeliveryStatus, Notice
from app.notices.outbox import NoticeDispatcher
from app.protection import DataProtector, load_protection_keys
from app.worker import WorkerSettings
from tests.conftest import make_settings, migrate
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.integration.application_support import Desk, new_phone
from tests.integration.notice_worker_support import (
    PrivatePostgres,
    WorkerProcess,
    eventually,
    private_cluster,
)

PEOPLE = 4
WAIT = 150.0  # seconds: a loaded 2-core machine starts Python slowly


@pytest.fixture(scope="module")
def fault_database_url(fresh_database_url: object, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of these tests' own: their sweeps must not take other tests' deliveries."""
    from app.demo import load_demo_data

    url: str = fresh_database_url("faults")  # type: ignore[operator]
    settings = make_settings(tmp_path_factory.mktemp("faults-migrate"), url)
    migrate(settings)
    asyncio.run(load_demo_data(settings))
    return url


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis of this test's own (FLUSHALL or a restart here disturbs nobody else's jobs)."""
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> str:
    return redis_server.url


@pytest.fixture
def sms() -> Iterator[FakeSmsGateway]:
    with FakeSmsGateway() as gateway:
        yield gateway


@pytest.fixture
async def engine(tmp_path: Path, fault_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(make_settings(tmp_path / "var", fault_database_url))
    yield engine
    await engine.dispose()


class Scene:
    """The test's side: changes of state committed with a dispatcher bound to the Redis."""

    def __init__(self, engine: AsyncEngine, var_dir: Path, redis_url: str) -> None:
        self.engine, self.var_dir, self.redis_url = engine, var_dir, redis_url
        self.dispatcher = NoticeDispatcher()
        self.sessionmaker = async_sessionmaker(
            engine, expire_on_commit=False, info=self.dispatcher.session_info()
        )
        protector = DataProtector(load_protection_keys(None, var_dir, production=False))
        self.desk = Desk(self.sessionmaker, protector, var_dir / "files", Clock())
        self.notices: list[UUID] = []
        self.phones: list[str] = []

    async def accept_applications(self, count: int) -> None:
        """``count`` people each get an application accepted: one notice, one push each."""
        pool = await create_job_pool(self.redis_url)
        self.dispatcher.bind(pool)
        try:
            for _ in range(count):
                phone = new_phone()
                person = await self.desk.person(phone)
                application = await self.desk.submit(person, await self.desk.draft(person))
                async with self.sessionmaker() as db:
                    notice = await db.scalar(
                        select(Notice.id).where(Notice.application_id == application.id)
                    )
                assert notice is not None
                self.notices.append(notice)
                self.phones.append(phone)
            await self.dispatcher.drain()
        finally:
            self.dispatcher.bind(None)
            await pool.aclose()

    async def pushes(self) -> list[Delivery]:
        """The push deliveries of this scene's notices."""
        async with self.sessionmaker() as db:
            rows = await db.scalars(
                select(Delivery).where(
                    Delivery.notice_id.in_(self.notices),
                    Delivery.channel != DeliveryChannel.IN_APP,
                )
            )
            return list(rows)

    async def all_sent(self) -> bool:
        """Whether every notice's push delivery has been recorded as sent."""
        pushes = await self.pushes()
        sent = [d for d in pushes if d.status == DeliveryStatus.SENT]
        return len(sent) == len(self.notices)

    def worker(self, settings_var: Path, sms: FakeSmsGateway, label: str) -> WorkerProcess:
        url = str(self.engine.url.render_as_string(hide_password=False))
        return WorkerProcess.for_test(
            settings_var, database_url=url, redis_url=self.redis_url, sms_url=sms.base_url,
            label=label,
        )  # fmt: skip


@pytest.fixture
def scene(engine: AsyncEngine, tmp_path: Path, redis_url: str) -> Scene:
    return Scene(engine, tmp_path / "var", redis_url)


def _assert_each_sent_once(scene: Scene, sms: FakeSmsGateway) -> None:
    received = sorted(message["to"] for message in sms.sent)
    assert received == sorted(scene.phones)  # every person once, nobody twice


async def test_a_worker_killed_mid_delivery_leaves_nothing_unsent_or_sent_twice(
    scene: Scene, sms: FakeSmsGateway
) -> None:
    sms.delay = 3.0  # each message takes a while: the kill lands while they are in flight
    await scene.accept_applications(PEOPLE)
    first = scene.worker(scene.var_dir, sms, "killed")
    first.start()
    try:

        async def in_flight() -> bool:
            return sms.requests >= 1

        await eventually(in_flight, timeout=WAIT, what="a send", log=first.log_tail())
        first.kill()
    finally:
        first.stop()
    claimed = [d for d in await scene.pushes() if d.attempts >= 1]
    assert claimed, "the killed worker had claimed deliveries"
    assert not await scene.all_sent()  # killed before it could record them

    second = scene.worker(scene.var_dir, sms, "second")
    second.start()
    try:
        await eventually(scene.all_sent, timeout=WAIT, what="every delivery sent",
                         log=second.log_tail())  # fmt: skip
    finally:
        second.stop()

    _assert_each_sent_once(scene, sms)
    assert sms.requests > len(sms.sent)  # what the killed worker had sent went again, keyed
    assert all(d.status == DeliveryStatus.SENT for d in await scene.pushes())


async def test_deliveries_queued_before_redis_was_flushed_are_swept_and_sent_once(
    scene: Scene, sms: FakeSmsGateway
) -> None:
    import redis.asyncio as aioredis

    await scene.accept_applications(PEOPLE)
    client = aioredis.Redis.from_url(scene.redis_url)
    try:
        assert await client.zcard(WorkerSettings.queue_name) == PEOPLE  # queued after commit
        await client.flushall()
        assert await client.zcard(WorkerSettings.queue_name) == 0
    finally:
        await client.aclose()

    worker = scene.worker(scene.var_dir, sms, "after-flush")
    worker.start()
    try:
        await eventually(scene.all_sent, timeout=WAIT, what="every delivery sent",
                         log=worker.log_tail())  # fmt: skip
    finally:
        worker.stop()

    _assert_each_sent_once(scene, sms)
    assert sms.requests == PEOPLE  # nothing was sent twice, not even to the gateway


async def test_deliveries_in_flight_when_redis_restarts_empty_are_sent_once(
    scene: Scene, sms: FakeSmsGateway, redis_server: EmbeddedRedis
) -> None:
    """Redis restarts without persistence mid-send: its queue, results and locks are gone.

    The worker loses its connection, stays up and reconnects by itself (issue 18: it used
    to exit, and only a restart by its service manager brought it back). The database still
    knows every pending delivery: the sweep queues them again once their claims lapse.
    """
    sms.delay = 3.0
    await scene.accept_applications(PEOPLE)
    worker = scene.worker(scene.var_dir, sms, "redis-restart")
    worker.start()
    try:

        async def in_flight() -> bool:
            return sms.requests >= 1

        await eventually(in_flight, timeout=WAIT, what="a send", log=worker.log_tail())
        await asyncio.to_thread(redis_server.stop)  # SHUTDOWN NOSAVE: nothing survives
        await asyncio.sleep(2)  # down long enough for the worker's polls to fail
        await asyncio.to_thread(redis_server.start)
        await eventually(scene.all_sent, timeout=WAIT, what="every delivery sent",
                         log=worker.log_tail())  # fmt: skip

        async def reconnected() -> bool:
            return worker.logged("worker reconnected to redis")

        await eventually(reconnected, timeout=30, what="a reconnect", log=worker.log_tail())
        assert worker.running(), "the worker exited when Redis went away\n" + worker.log_tail()
    finally:
        worker.stop()

    _assert_each_sent_once(scene, sms)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    with private_cluster() as cluster:
        yield cluster


async def test_deliveries_in_flight_when_the_database_goes_down_are_sent_once(
    private_postgres: PrivatePostgres, tmp_path: Path, redis_url: str, sms: FakeSmsGateway
) -> None:
    from app.demo import load_demo_data
    from tests.conftest import _postgres

    _postgres(private_postgres.admin_url, 'CREATE DATABASE "onething_faults"')
    url = private_postgres.admin_url.rsplit("/", 1)[0] + "/onething_faults"
    settings = make_settings(tmp_path / "var", url)
    await asyncio.to_thread(migrate, settings)
    await load_demo_data(settings)
    engine = create_engine(settings)
    scene = Scene(engine, tmp_path / "var", redis_url)
    try:
        sms.delay = 3.0
        await scene.accept_applications(PEOPLE)
        worker = scene.worker(scene.var_dir, sms, "db-restart")
        worker.start()
        try:

            async def in_flight() -> bool:
                return sms.requests >= 1

            await eventually(in_flight, timeout=WAIT, what="a send", log=worker.log_tail())
            # The server goes down mid-send and stays down until the gateway has answered
            # every send in flight: recording them fails, the claims lapse, the sweep retries.
            await asyncio.to_thread(private_postgres.stop)
            in_flight_then = sms.requests

            async def answered() -> bool:
                return sms.answered >= in_flight_then

            await eventually(answered, timeout=WAIT, what="the gateway's answers")
            await asyncio.to_thread(private_postgres.start)

            async def all_sent() -> bool:
                try:
                    return await scene.all_sent()
                except (OSError, DBAPIError):  # a connection from before the restart
                    return False

            await eventually(all_sent, timeout=WAIT, what="every delivery sent",
                             log=worker.log_tail())  # fmt: skip
        finally:
            worker.stop()
    finally:
        await engine.dispose()

    _assert_each_sent_once(scene, sms)
    assert sms.requests >= len(sms.sent)
