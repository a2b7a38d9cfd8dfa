"""arq jobs round-trip through a real Redis, and the heartbeat feeds readiness."""

from __future__ import annotations

import time
import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.composition.runtime import Runtime
from app.health import HEARTBEAT_KEY
from tests.conftest import in_app


async def test_a_job_enqueued_by_the_app_is_run_by_the_worker(
    client: AsyncTestClient[Litestar],
) -> None:
    runtime: Runtime = client.app.state.runtime
    before = time.time()

    async def enqueue_and_wait() -> tuple[float, bytes | None]:
        job = await runtime.jobs.enqueue_job("heartbeat")
        assert job is not None
        result: float = await job.result(timeout=10, poll_delay=0.05)
        return result, await runtime.redis.get(HEARTBEAT_KEY)

    result, stored = await in_app(client, enqueue_and_wait)
    assert result >= before
    assert stored is not None
    assert float(stored) >= before


async def test_enqueuing_the_same_job_id_twice_runs_it_once(
    client: AsyncTestClient[Litestar],
) -> None:
    runtime: Runtime = client.app.state.runtime
    # Unique per run: a shared Redis keeps results of earlier runs for keep_result seconds.
    job_id = f"beat-once-{uuid.uuid4().hex}"

    async def enqueue_twice() -> tuple[bool, bool, float]:
        first = await runtime.jobs.enqueue_job("heartbeat", _job_id=job_id, _defer_by=0.5)
        second = await runtime.jobs.enqueue_job("heartbeat", _job_id=job_id)
        assert first is not None
        result: float = await first.result(timeout=10, poll_delay=0.05)
        return first is not None, second is None, result

    accepted, refused, result = await in_app(client, enqueue_twice)
    assert accepted
    assert refused
    assert result > 0
