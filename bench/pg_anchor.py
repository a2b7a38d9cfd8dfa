"""The database anchor: bare asyncpg ``SELECT 1`` round trips against PostgreSQL.

Used beside benchmarks whose figures depend on the database. Skipped, with a
printed notice, when ``DATABASE_URL`` is unset, is not PostgreSQL, or the server
cannot be reached. The URL itself is never printed (it may hold a password).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]

from bench.config import BenchConfig
from bench.results import Measurement

CONNECT_TIMEOUT_SECONDS = 5.0
_SCHEMES = ("postgresql", "postgres")


def postgres_dsn(environ: Mapping[str, str]) -> str | None:
    """``DATABASE_URL`` in the plain form asyncpg takes, or None when it is not PostgreSQL."""
    url = environ.get("DATABASE_URL", "").strip()
    scheme, sep, rest = url.partition("://")
    driverless = scheme.split("+", 1)[0]  # postgresql+asyncpg -> postgresql
    if not sep or driverless not in _SCHEMES:
        return None
    return f"postgresql://{rest}"


def describe(dsn: str) -> str:
    """Where the DSN points, without user or password: ``host:port/db``."""
    parts = urlsplit(dsn)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or '/'}"


def _p99(latencies: list[float]) -> float:
    """99th percentile (nearest rank) of ``latencies``, in the same unit."""
    ordered = sorted(latencies)
    rank = max(0, min(len(ordered) - 1, round(0.99 * len(ordered)) - 1))
    return ordered[rank]


async def _query_loop(pool: asyncpg.Pool, deadline: float, budget: int, out: list[float]) -> None:
    """Run ``SELECT 1`` until the deadline or ``budget`` queries, recording each latency in ms."""
    async with pool.acquire() as conn:
        for _ in range(budget):
            if time.perf_counter() >= deadline:
                return
            start = time.perf_counter()
            await conn.fetchval("SELECT 1")
            out.append((time.perf_counter() - start) * 1000.0)


async def _measure(pool: asyncpg.Pool, seconds: float, config: BenchConfig) -> Measurement:
    """One bounded run with ``config.pg_connections`` concurrent query loops."""
    latencies: list[float] = []
    budget = max(1, config.max_requests // config.pg_connections)
    started = time.perf_counter()
    deadline = started + seconds
    async with asyncio.TaskGroup() as group:
        for _ in range(config.pg_connections):
            group.create_task(_query_loop(pool, deadline, budget, latencies))
    elapsed = time.perf_counter() - started
    return Measurement(
        requests=len(latencies),
        requests_per_second=len(latencies) / elapsed,
        p99_ms=_p99(latencies) if latencies else 0.0,
    )


async def measure_select_one(dsn: str, config: BenchConfig) -> list[Measurement]:
    """Warm up, then ``config.rounds`` measured runs of ``config.seconds`` each."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=config.pg_connections,
        max_size=config.pg_connections,
        timeout=CONNECT_TIMEOUT_SECONDS,
    )
    try:
        await _measure(pool, config.warmup_seconds, config)
        return [await _measure(pool, config.seconds, config) for _ in range(config.rounds)]
    finally:
        await pool.close()


async def _reachable(dsn: str) -> str | None:
    """None when PostgreSQL answers ``SELECT 1``, else a one-line reason."""
    try:
        conn = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT_SECONDS)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return type(exc).__name__
    try:
        await conn.fetchval("SELECT 1")
    finally:
        await conn.close()
    return None


def run_pg_anchor(config: BenchConfig, environ: Mapping[str, str]) -> list[Measurement] | None:
    """Measure the anchor, or print why it is skipped and return None."""
    dsn = postgres_dsn(environ)
    if dsn is None:
        print("NOTICE: PostgreSQL anchor skipped: DATABASE_URL is unset or not postgresql://")
        return None
    reason = asyncio.run(_reachable(dsn))
    if reason is not None:
        print(f"NOTICE: PostgreSQL anchor skipped: {describe(dsn)} unreachable ({reason})")
        return None
    return asyncio.run(measure_select_one(dsn, config))
