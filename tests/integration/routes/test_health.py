"""/healthz and /readyz against the real database, Redis and worker."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.composition.runtime import Runtime
from app.config import Settings
from app.main import create_app


async def _ready(client: AsyncTestClient[Litestar], attempts: int = 100) -> dict[str, object]:
    for _ in range(attempts):
        response = await client.get("/readyz")
        if response.status_code == 200:
            return dict(response.json())
        await asyncio.sleep(0.05)
    raise AssertionError(f"never ready: {response.json()}")


async def test_healthz_answers_while_the_process_lives(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


async def test_readyz_reports_every_dependency_ready(client: AsyncTestClient[Litestar]) -> None:
    body = await _ready(client)
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "redis", "worker"}  # type: ignore[arg-type]


async def test_readyz_answers_503_naming_redis_when_redis_is_stopped(settings: Settings) -> None:
    own_redis = msgspec.structs.replace(settings, redis_url=None)  # embedded: ours to stop
    async with AsyncTestClient(app=create_app(own_redis)) as client:
        await _ready(client)
        runtime: Runtime = client.app.state.runtime
        assert runtime.embedded_redis is not None
        await asyncio.to_thread(runtime.embedded_redis.stop)

        response = await client.get("/readyz")

        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["database"]["ok"] is True
        assert checks["redis"]["ok"] is False
        assert checks["worker"]["ok"] is False
        assert response.headers["cache-control"] == "no-store"


async def test_readyz_answers_503_when_no_worker_has_beaten(
    settings: Settings, tmp_path: Path
) -> None:
    no_worker = msgspec.structs.replace(
        settings, redis_url=None, worker_in_process=False, var_dir=tmp_path / "quiet"
    )
    async with AsyncTestClient(app=create_app(no_worker)) as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["worker"]["ok"] is False
        assert "heartbeat" in response.json()["checks"]["worker"]["detail"]


async def test_the_embedded_redis_stops_with_the_app(settings: Settings) -> None:
    own_redis = msgspec.structs.replace(settings, redis_url=None)
    async with AsyncTestClient(app=create_app(own_redis)) as client:
        runtime: Runtime = client.app.state.runtime
        assert runtime.embedded_redis is not None
        pid = int(runtime.embedded_redis.pidfile.read_text())
    assert (
        not Path(f"/proc/{pid}").exists()
        or b"redis" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    )


async def test_the_embedded_redis_stops_even_when_an_earlier_shutdown_step_fails(
    settings: Settings,
) -> None:
    own_redis = msgspec.structs.replace(settings, redis_url=None)
    client = AsyncTestClient(app=create_app(own_redis))
    await client.__aenter__()
    runtime: Runtime = client.app.state.runtime
    assert runtime.embedded_redis is not None
    pid = int(runtime.embedded_redis.pidfile.read_text())

    assert runtime.worker is not None
    real_stop = runtime.worker.stop

    async def broken_stop() -> None:
        # The worker's own tasks end (a task left running would leak its Redis connection
        # into whichever test runs next in this process); then the step reports a failure.
        await real_stop()
        raise RuntimeError("the worker could not stop")

    runtime.worker.stop = broken_stop  # type: ignore[method-assign]
    with pytest.raises(BaseException):  # noqa: B017,PT011 (the lifespan reports the failure)
        await client.__aexit__(None, None, None)
    assert (
        not Path(f"/proc/{pid}").exists()
        or b"redis" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    )
