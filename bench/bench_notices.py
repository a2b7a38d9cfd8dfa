"""Notices: time from commit to delivery at the local provider, and deliveries per second.

The real path end to end: an application accepted at once on submit (``Submissions.submit``)
writes its notice and push delivery in the transaction (the outbox); after the commit the
dispatcher queues the job on Redis (embedded, private); a real worker process
(``python -m app worker``) claims the delivery, routes it (no WeChat or Alipay configured:
SMS), and posts it to a local SMS gateway (``tests/fakes/sms_gateway.py``, HTTP on
127.0.0.1), which notes when each idempotency key first arrives.

- **Steady rate**: ``BENCH_NOTICE_RATE`` state changes a second for ``BENCH_SECONDS``, each
  submitted at its own moment (open loop); latency = first arrival at the gateway − the
  commit's return.
- **Backlog**: ``BURST`` state changes committed (and queued) while the worker is paused
  (SIGSTOP); deliveries/s = deliveries ÷ (last arrival − the worker's resumption): the
  worker's own pace, not how fast one session commits.

Drafts are prepared first (not timed). The database is ``DATABASE_URL`` when it names a
reachable PostgreSQL (a scratch database: the run leaves its rows), else SQLite in a
temporary directory. Beside it, the bare Litestar anchor is served and loaded with wrk in
the same run, as the other benchmarks do.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import PROJECT_ROOT
from bench.bench_auth import CHOSEN
from bench.config import BenchConfig
from bench.loadgen import WRK_MISSING_NOTICE, WrkError, run_wrk, wrk_available
from bench.pg_anchor import _reachable, postgres_dsn
from bench.report import format_table
from bench.results import Measurement, median
from bench.servers import ServerError, free_port, serving

BURST = 200  # state changes in the burst phase
DRAIN_TIMEOUT = 180.0  # seconds to wait for the last delivery


@dataclass(frozen=True, kw_only=True)
class Phase:
    """One phase's deliveries and what they took."""

    name: str
    count: int
    delivered: int
    median_ms: float
    p99_ms: float
    per_second: float
    commits_per_second: float  # the rate the changes were committed at (offered load)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Rig:
    """The database, Redis, gateway and worker process of one run, and the drafts to submit."""

    def __init__(self, scratch: Path, database_url: str, rate: int) -> None:
        self.scratch, self.database_url, self.rate = scratch, database_url, rate
        self.commits: dict[str, float] = {}  # delivery key -> perf_counter at commit

    async def run(self, seconds: int) -> list[Phase]:
        """Set up, measure both phases, tear down."""
        from sqlalchemy.ext.asyncio import async_sessionmaker

        from app.applications.context import Clock
        from app.composition.build import create_engine
        from app.composition.models import __all__ as _models  # noqa: F401  (every table)
        from app.composition.queue import create_job_pool
        from app.config import load_settings
        from app.db.base import UUIDv7AuditBase
        from app.embedded_redis import EmbeddedRedis
        from app.notices.outbox import NoticeDispatcher
        from app.protection import DataProtector, load_protection_keys
        from tests.fakes.sms_gateway import FakeSmsGateway
        from tests.integration.application_support import Desk

        var_dir = self.scratch / "var"
        settings = load_settings(
            {"DATABASE_URL": self.database_url, "ONETHING_VAR_DIR": str(var_dir)}
        )
        engine = create_engine(settings)
        async with engine.begin() as conn:
            await conn.run_sync(UUIDv7AuditBase.metadata.create_all)
        redis = EmbeddedRedis(self.scratch / "redis")
        redis_url = redis.start()
        dispatcher = NoticeDispatcher()
        pool = await create_job_pool(redis_url)
        dispatcher.bind(pool)
        sessionmaker = async_sessionmaker(
            engine, expire_on_commit=False, info=dispatcher.session_info()
        )
        protector = DataProtector(load_protection_keys(None, var_dir, production=False))
        desk = Desk(sessionmaker, protector, var_dir / "files", Clock())
        with FakeSmsGateway() as gateway:
            worker = self._worker(var_dir, redis_url, gateway.base_url)
            try:
                await self._wait_for_worker(desk, gateway)
                steady = await self._steady(desk, gateway, seconds)
                burst = await self._burst(desk, gateway, worker)
            finally:
                worker.terminate()
                worker.wait(timeout=60)
                await dispatcher.drain()
                await pool.aclose()
                await engine.dispose()
                redis.stop()
        return [steady, burst]

    def _worker(self, var_dir: Path, redis_url: str, sms_url: str) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONETHING_")}
        env |= {
            "DATABASE_URL": self.database_url, "REDIS_URL": redis_url,
            "ONETHING_VAR_DIR": str(var_dir), "ONETHING_SMS_GATEWAY_URL": sms_url,
            "ONETHING_ENV": "test", "ONETHING_SECRET_KEY": "b" * 48, "ONETHING_LOG_JSON": "true",
            "ONETHING_LOG_LEVEL": "warning",
        }  # fmt: skip
        log = (self.scratch / "worker.log").open("wb")
        return subprocess.Popen(
            [sys.executable, "-m", "app", "worker"], cwd=PROJECT_ROOT, env=env,
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    async def _prepare(self, desk: Any, count: int) -> list[tuple[Any, Any]]:
        prepared = []
        for _ in range(count):
            person = await desk.person()
            prepared.append((person, await desk.draft(person)))
        return prepared

    async def _submit(self, desk: Any, person: Any, draft: Any) -> str:
        from sqlalchemy import select

        from app.notices.models import Delivery, DeliveryChannel, Notice

        application = await desk.submit(person, draft)
        committed = time.perf_counter()
        async with desk.sessionmaker() as db:
            key = await db.scalar(
                select(Delivery.idempotency_key)
                .join(Notice, Notice.id == Delivery.notice_id)
                .where(
                    Notice.application_id == application.id,
                    Delivery.channel != DeliveryChannel.IN_APP,
                )
            )
        assert key is not None
        self.commits[key] = committed
        return str(key)

    async def _drain(self, gateway: Any, keys: list[str]) -> None:
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while time.monotonic() < deadline:
            if all(key in gateway.arrivals for key in keys):
                return
            await asyncio.sleep(0.05)

    def _phase(self, name: str, gateway: Any, keys: list[str]) -> Phase:
        arrived = [k for k in keys if k in gateway.arrivals]
        latencies = [(gateway.arrivals[k] - self.commits[k]) * 1000.0 for k in arrived]
        first, last = min(self.commits[k] for k in keys), max(self.commits[k] for k in keys)
        span = max(gateway.arrivals[k] for k in arrived) - first
        return Phase(
            name=name, count=len(keys), delivered=len(arrived),
            median_ms=statistics.median(latencies), p99_ms=_p(latencies, 0.99),
            per_second=len(arrived) / span, commits_per_second=len(keys) / (last - first),
        )  # fmt: skip

    async def _wait_for_worker(self, desk: Any, gateway: Any) -> None:
        """One delivery end to end before measuring: the worker has started and warmed up."""
        [(person, draft)] = await self._prepare(desk, 1)
        key = await self._submit(desk, person, draft)
        await self._drain(gateway, [key])
        if key not in gateway.arrivals:
            raise ServerError(f"the worker delivered nothing:\n{self._worker_log()}")

    async def _steady(self, desk: Any, gateway: Any, seconds: int) -> Phase:
        prepared = await self._prepare(desk, self.rate * seconds)
        keys: list[str] = []
        start = time.perf_counter()

        async def at(moment: float, person: Any, draft: Any) -> None:
            await asyncio.sleep(max(0.0, start + moment - time.perf_counter()))
            keys.append(await self._submit(desk, person, draft))

        async with asyncio.TaskGroup() as group:
            for i, (person, draft) in enumerate(prepared):
                group.create_task(at(i / self.rate, person, draft))
        await self._drain(gateway, keys)
        return self._phase(f"steady {self.rate}/s for {seconds} s", gateway, keys)

    async def _burst(self, desk: Any, gateway: Any, worker: subprocess.Popen[bytes]) -> Phase:
        prepared = await self._prepare(desk, BURST)
        # The worker is paused while the backlog is committed and queued, so the figure is
        # the worker's pace alone, not how fast one session can commit.
        worker.send_signal(signal.SIGSTOP)
        try:
            keys = [await self._submit(desk, person, draft) for person, draft in prepared]
        finally:
            resumed = time.perf_counter()
            worker.send_signal(signal.SIGCONT)
        await self._drain(gateway, keys)
        arrived = [gateway.arrivals[k] for k in keys if k in gateway.arrivals]
        committed = [self.commits[k] for k in keys]
        return Phase(
            name=f"backlog of {BURST}", count=len(keys), delivered=len(arrived),
            median_ms=float("nan"), p99_ms=float("nan"),
            per_second=len(arrived) / (max(arrived) - resumed),
            commits_per_second=len(keys) / (max(committed) - min(committed)),
        )  # fmt: skip

    def _worker_log(self) -> str:
        path = self.scratch / "worker.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def _ms(value: float) -> str:
    return "-" if value != value else f"{value:.1f}"  # NaN: not measured in that phase


def _anchor(config: BenchConfig, environ: Mapping[str, str]) -> Measurement:
    with tempfile.TemporaryDirectory(prefix="bench-notices-anchor-") as tmp:
        env = {k: v for k, v in environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env["ONETHING_VAR_DIR"] = tmp
        port = free_port()
        command = CHOSEN.command("bench.anchor_app:create_app", port)
        with serving(command, port, env, Path(tmp) / "server.log", config.startup_timeout) as url:
            run_wrk(url, config.warmup_seconds, config)
            return median([run_wrk(url, config.seconds, config) for _ in range(config.rounds)])


def _database(environ: Mapping[str, str], scratch: Path) -> tuple[str, str]:
    dsn = postgres_dsn(environ)
    if dsn is not None and asyncio.run(_reachable(dsn)) is None:
        return environ["DATABASE_URL"], "PostgreSQL"
    return f"sqlite:///{scratch / 'bench.db'}", "SQLite"


def main(config: BenchConfig, environ: Mapping[str, str] | None = None) -> int:
    """Measure and print commit-to-delivery latency and deliveries/s beside the anchor."""
    print("== bench_notices: commit to delivery at the local SMS gateway (real worker) ==")
    env = os.environ if environ is None else environ
    with tempfile.TemporaryDirectory(prefix="bench-notices-") as tmp:
        scratch = Path(tmp)
        url, kind = _database(env, scratch)
        try:
            phases = asyncio.run(Rig(scratch, url, config.notice_rate).run(config.seconds))
        except (ServerError, OSError, subprocess.SubprocessError) as exc:
            print(f"NOTICE: bench_notices failed: {exc}")
            return 1
    print(f"database: {kind}; one worker process (arq, max_jobs 50); SMS gateway on 127.0.0.1")
    rows = [
        [p.name, f"{p.commits_per_second:,.1f}", f"{p.delivered}/{p.count}", _ms(p.median_ms),
         _ms(p.p99_ms), f"{p.per_second:,.1f}"]
        for p in phases
    ]  # fmt: skip
    headers = ["phase", "commits/s", "delivered", "median ms", "p99 ms", "deliveries/s"]
    print(format_table(headers, rows))
    if not wrk_available():
        print(WRK_MISSING_NOTICE)
        return 0
    try:
        anchor = _anchor(config, env)
    except (ServerError, WrkError) as exc:
        print(f"NOTICE: anchor skipped: {exc}")
        return 0
    print(
        format_table(
            ["anchor (bare Litestar JSON)", "server", "req/s", "p99 ms"],
            [["GET /", CHOSEN.name, f"{anchor.requests_per_second:,.0f}", f"{anchor.p99_ms:.2f}"]],
        )
    )
    pace = phases[-1].per_second / anchor.requests_per_second
    tail = phases[0].p99_ms / anchor.p99_ms
    print(f"backlog deliveries/s ÷ anchor req/s: {pace:.4f}x; steady p99 ÷ anchor p99: {tail:.1f}x")
    return 0
