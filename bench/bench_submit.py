"""Submissions per second on PostgreSQL, beside one bare INSERT+COMMIT measured in the same run.

A submission is the whole ``Submissions.submit`` transaction: the application and its readable
number, the sealed form, the closed draft, its history, automatic acceptance and dispatch into
sub-cases. Drafts at their review are prepared first (not timed), with the small test catalog
of ``tests/integration/application_support.py`` (four matters, one waiting for another); then
``pg_connections`` workers submit them concurrently, each submit in its own transaction.

The anchor is what the database alone costs for one durable write: asyncpg, one ``INSERT`` of a
short row and its ``COMMIT``, on as many connections. Skipped, with a notice, without a
reachable PostgreSQL in ``DATABASE_URL``. Use a scratch database: the run leaves its rows.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

from bench.config import BenchConfig
from bench.pg_anchor import _p99, _reachable, describe, postgres_dsn
from bench.report import format_table, measurement_cells, ratio
from bench.results import Measurement

SUBMISSIONS = 100  # drafts prepared, then submitted in the measured run


async def _timed(jobs: list[Callable[[], Awaitable[object]]], workers: int) -> Measurement:
    """Run ``jobs`` on ``workers`` concurrent loops; throughput and p99 of each job's latency."""
    queue = list(reversed(jobs))
    latencies: list[float] = []

    async def loop() -> None:
        while queue:
            job = queue.pop()
            start = time.perf_counter()
            await job()
            latencies.append((time.perf_counter() - start) * 1000.0)

    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(workers):
            group.create_task(loop())
    elapsed = time.perf_counter() - started
    return Measurement(
        requests=len(latencies), requests_per_second=len(latencies) / elapsed,
        p99_ms=_p99(latencies) if latencies else 0.0,
    )  # fmt: skip


async def measure_anchor(dsn: str, count: int, workers: int) -> Measurement:
    """``count`` single-row INSERT+COMMITs (asyncpg, autocommit) on ``workers`` connections."""
    pool = await asyncpg.create_pool(dsn, min_size=workers, max_size=workers)
    try:
        await pool.execute(
            "CREATE TABLE IF NOT EXISTS bench_anchor (id bigserial PRIMARY KEY, note text)"
        )

        async def insert() -> None:
            await pool.execute("INSERT INTO bench_anchor (note) VALUES ($1)", "anchor")

        await _timed([insert] * min(count, 50), workers)  # warm-up
        return await _timed([insert] * count, workers)
    finally:
        await pool.close()


async def measure_submissions(database_url: str, count: int, workers: int) -> Measurement:
    """Prepare ``count`` drafts, then time their submission on ``workers`` concurrent sessions."""
    # The test catalog and its helpers are the smallest complete bundle there is.
    from app.applications.context import Clock
    from app.composition.build import create_engine
    from app.composition.models import __all__ as _models  # noqa: F401  (every table, for create_all)
    from app.config import load_settings
    from app.db.base import UUIDv7AuditBase
    from app.protection import DataProtector, load_protection_keys
    from tests.integration.application_support import Desk, engine_sessionmaker

    with tempfile.TemporaryDirectory(prefix="bench-submit-") as scratch:
        settings = load_settings({"DATABASE_URL": database_url, "ONETHING_VAR_DIR": scratch})
        engine = create_engine(settings)
        async with engine.begin() as conn:
            await conn.run_sync(UUIDv7AuditBase.metadata.create_all)
        protector = DataProtector(load_protection_keys(None, Path(scratch), production=False))
        desk = Desk(engine_sessionmaker(engine), protector, Path(scratch) / "files", Clock())
        try:
            jobs: list[Callable[[], Awaitable[object]]] = []

            async def prepare() -> None:  # one person per draft: a person has one open draft
                person = await desk.person()
                jobs.append(_submitter(desk, person, await desk.draft(person)))

            await _timed([prepare] * count, workers)
            return await _timed(jobs, workers)
        finally:
            await engine.dispose()


def _submitter(desk: object, person: object, draft: object) -> Callable[[], Awaitable[object]]:
    async def submit() -> object:
        return await desk.submit(person, draft)  # type: ignore[attr-defined]

    return submit


def main(config: BenchConfig, environ: Mapping[str, str] | None = None) -> int:
    """Measure and print submissions/s beside the INSERT+COMMIT anchor, or say why not."""
    print("== bench_submit: submissions per second on PostgreSQL ==")
    env = os.environ if environ is None else environ
    dsn = postgres_dsn(env)
    if dsn is None:
        print("NOTICE: skipped: DATABASE_URL is unset or not postgresql://")
        return 0
    reason = asyncio.run(_reachable(dsn))
    if reason is not None:
        print(f"NOTICE: skipped: {describe(dsn)} unreachable ({reason})")
        return 0
    workers = config.pg_connections
    count = min(SUBMISSIONS, config.max_requests)
    submitted = asyncio.run(measure_submissions(env["DATABASE_URL"], count, workers))
    anchor = asyncio.run(measure_anchor(dsn, max(count * 5, 500), workers))
    print(f"{count} submissions, {workers} concurrent sessions; anchor on as many connections")
    headers = ["what", "driver", "per second", "p99 ms", "errors", "x anchor"]
    rows = [
        ["INSERT+COMMIT (anchor)", "asyncpg", *measurement_cells(anchor), "1.00x"],
        ["submit (one application)", "SQLAlchemy ORM", *measurement_cells(submitted),
         ratio(submitted.requests_per_second, anchor.requests_per_second)],
    ]  # fmt: skip
    print(format_table(headers, rows))
    return 0
