"""``/healthz`` (the process is alive) and ``/readyz`` (it can serve: DB, Redis, worker)."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from app.composition.runtime import Runtime
from app.health import Readiness, check_readiness


@get("/healthz", opt={"access": "public"}, tags=["operations"], cache_control=None)
async def healthz() -> dict[str, str]:
    """Liveness: answers as long as the process serves requests."""
    return {"status": "alive"}


@get(
    "/readyz",
    opt={"access": "public"},
    tags=["operations"],
    responses={
        503: ResponseSpec(data_container=Readiness, description="A dependency is not ready")
    },
)
async def readyz(runtime: NamedDependency[Runtime]) -> Response[Readiness]:
    """Readiness: 200 when the database, Redis and a worker all answer; 503 naming what failed."""
    result = await check_readiness(
        runtime.engine,
        runtime.redis,
        timeout=runtime.settings.readiness_timeout_seconds,
        stale_after=runtime.settings.heartbeat_stale_seconds,
    )
    status = HTTP_200_OK if result.ready else HTTP_503_SERVICE_UNAVAILABLE
    return Response(result, status_code=status, headers={"Cache-Control": "no-store"})
