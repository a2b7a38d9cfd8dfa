"""Running the arq worker: inside the web process (``make run``) or as its own (``make worker``),
and through a Redis outage.

arq's worker loop has no retry: the first Redis error of a poll ends ``Worker.main``. Before
issue 18 a separate worker process then exited and an in-process one stopped taking jobs, so
after a Redis restart nothing ran until someone restarted it by hand. ``SupervisedWorker`` runs
arq workers one after another on the process's job pool: when one loses Redis it waits (a
capped exponential backoff with jitter) and starts a fresh one. redis-py reopens the pool's
connections on use; the fresh worker's start-up crons run again (the heartbeat at once, so
``/readyz`` recovers), and it takes jobs. Jobs that were running when Redis went away finish
on their own; what Redis lost with a restart is rebuilt from the database (the sweeps).
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any, Final

import structlog
from arq.connections import ArqRedis
from arq.worker import Worker
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.composition.build import create_engine
from app.composition.runtime import Runtime
from app.config import Settings
from app.worker import worker_options

log = structlog.get_logger(__name__)

_STOP_GRACE_SECONDS: Final = 5.0
_BACKOFF_FIRST_SECONDS: Final = 0.5
_BACKOFF_CAP_SECONDS: Final = 10.0
# What a lost or unreachable Redis raises (redis-py wraps socket errors; OSError to be sure).
_REDIS_LOST: Final = (RedisError, OSError)


def reconnect_delay(failures: int) -> float:
    """Seconds to wait after ``failures`` attempts in a row found no Redis.

    0.5 s, 1 s, 2 s … capped at 10 s, each ±20 % so that the workers of a deployment do not
    all reconnect in the same instant. The cap bounds how long a worker stays away once
    Redis is back.
    """
    base = min(_BACKOFF_FIRST_SECONDS * 2.0 ** max(failures - 1, 0), _BACKOFF_CAP_SECONDS)
    return base * random.uniform(0.8, 1.2)  # noqa: S311 (spreading retries, not a secret)


class SupervisedWorker:
    """An arq worker that outlives Redis outages; ``start`` it, then ``stop`` it.

    ``options`` are ``worker_options``' (built once: the jobs' context and its dispatcher are
    shared by the workers that follow one another). ``pool`` is the process's job pool,
    connected before and closed after: a worker that made its own could be cancelled
    mid-connect and leak it.
    """

    def __init__(self, options: dict[str, Any], pool: ArqRedis) -> None:
        self._options = options
        self._pool = pool
        self._stopping = asyncio.Event()
        self._worker: Worker | None = None
        self._workers: list[Worker] = []  # each one started, until its tasks are done
        self._task: asyncio.Task[None] | None = None
        self._lost_at: float | None = None

    @property
    def task(self) -> asyncio.Task[None]:
        """The task running the workers (after ``start``)."""
        if self._task is None:
            raise RuntimeError("the worker has not been started")
        return self._task

    def start(self) -> None:
        """Begin taking jobs in the background."""
        self._task = asyncio.create_task(self._run(), name="arq-worker")

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            worker = self._next_worker()
            try:
                await worker.async_run()
                return  # burst mode: ``stop`` asked the loop to end
            except _REDIS_LOST as exc:
                if self._stopping.is_set():
                    return
                error = type(exc).__name__
            except asyncio.CancelledError:
                # ``stop`` cancelled a loop that did not end in time; any other is real.
                current = asyncio.current_task()
                if self._stopping.is_set() and current is not None and not current.cancelling():
                    return
                raise
            # A worker that got as far as its start-up had Redis: count again from there.
            failures = 1 if self._lost_at is None else failures + 1
            if self._lost_at is None:
                self._lost_at = time.monotonic()
            delay = reconnect_delay(failures)
            log.warning("worker lost redis; reconnecting", error=error, attempt=failures,
                        retry_in=round(delay, 2))  # fmt: skip
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)

    def _next_worker(self) -> Worker:
        """A fresh arq worker: its own loop state, its cron jobs due from now."""
        self._workers = [w for w in self._workers if any(not t.done() for t in w.tasks.values())]
        options = dict(self._options)
        # Fresh cron state, so ``run_at_startup`` holds again: the heartbeat right away.
        options["cron_jobs"] = [
            dataclasses.replace(job, next_run=None) for job in options.get("cron_jobs", [])
        ]
        options["on_startup"] = self._on_startup(options.get("on_startup"))
        worker = Worker(**options, redis_pool=self._pool, handle_signals=False)
        self._worker = worker
        self._workers.append(worker)
        return worker

    def _on_startup(
        self, startup: Callable[[dict[str, Any]], Awaitable[None]] | None
    ) -> Callable[[dict[str, Any]], Awaitable[None]]:
        async def on_startup(ctx: dict[str, Any]) -> None:
            # arq calls this once it has talked to Redis: the outage, if any, is over.
            if self._lost_at is not None:
                log.info("worker reconnected to redis",
                         after_seconds=round(time.monotonic() - self._lost_at, 1))  # fmt: skip
                self._lost_at = None
            if startup is not None:
                await startup(ctx)

        return on_startup

    async def stop(self) -> None:
        """Finish the current poll, let running jobs end, and stop; cancel only what hangs.

        Not ``Worker.close()`` nor a plain cancel: both cancel arq's loop wherever it is,
        and a Redis pipeline cancelled mid-command leaves its connection behind. Burst mode
        with no jobs left to start makes arq's own loop return after its current poll,
        once the running jobs are done. What has not ended within the grace period is
        cancelled; it runs again later (arq is at-least-once and jobs are idempotent).
        """
        self._stopping.set()  # also ends a wait before reconnecting
        worker = self._worker
        if worker is not None:
            worker.allow_pick_jobs = False
            worker.burst = True
            worker.max_burst_jobs = 0
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=_STOP_GRACE_SECONDS)
            if not done and worker is not None:
                worker.handle_sig(signal.SIGUSR1)
                await asyncio.gather(self._task, *worker.tasks.values(), return_exceptions=True)
            elif done and not self._task.cancelled() and self._task.exception() is not None:
                # Not Redis (that is retried): say so rather than lose it.
                log.error("worker loop had stopped", exc_info=self._task.exception())
        await self._settle_stragglers()
        on_shutdown = self._options.get("on_shutdown")
        if on_shutdown is not None:
            await on_shutdown(self._options["ctx"])
        if worker is not None:
            try:
                await self._pool.delete(worker.health_check_key)
            except _REDIS_LOST as exc:
                # Redis went first (a crash, or a test stopping it): nothing left to tidy there.
                log.warning("worker closed without redis", error=type(exc).__name__)

    async def _settle_stragglers(self) -> None:
        """Let the workers' tasks that outlive their loops end before the pool is closed.

        arq finishes each job in ``asyncio.shield(finish_job(...))``: cancelling the job leaves
        that bookkeeping running as a task of its own, and jobs outlive a loop that lost
        Redis. Anything using the pool after the app has disconnected it opens a fresh
        connection that nobody closes (redis-py reconnects a pooled connection on use), and
        the socket leaks when the loop ends. So: wait for them within the grace period, then
        cancel.
        """
        current = asyncio.current_task()
        workers = set(self._workers)
        stragglers = {
            task
            for task in asyncio.all_tasks()
            if task is not current and not task.done() and _runs_for(task, workers)
        }
        for worker in workers:
            stragglers |= {task for task in worker.job_tasks.values() if not task.done()}
        if not stragglers:
            return
        _, pending = await asyncio.wait(stragglers, timeout=_STOP_GRACE_SECONDS)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


def _runs_for(task: asyncio.Task[Any], workers: set[Worker]) -> bool:
    """Whether ``task`` runs one of these workers' own coroutines (a job, its bookkeeping)."""
    frame = getattr(task.get_coro(), "cr_frame", None)
    return frame is not None and frame.f_locals.get("self") in workers


def in_process_worker(runtime: Runtime) -> Any:
    """The web app's lifespan that runs the worker in its process, when settings say so.

    Entered after ``Runtime.lifespan`` (Redis and the job pool are up) and so left before it.
    """

    @asynccontextmanager
    async def lifespan(_app: object) -> AsyncIterator[None]:
        if not runtime.settings.runs_worker_in_process:
            yield
            return
        options = worker_options(runtime.settings, runtime.engine, runtime.job_context())
        worker = SupervisedWorker(options, runtime.jobs)
        runtime.worker = worker
        worker.start()
        try:
            yield
        finally:
            runtime.worker = None
            await worker.stop()

    return lifespan


async def run_worker(settings: Settings) -> None:
    """``make worker``: the worker as its own process, against ``REDIS_URL``, until SIGINT or
    SIGTERM; it waits for Redis at start and through an outage rather than exit."""
    if settings.redis_url is None:
        raise SystemExit(
            "REDIS_URL is not set: with the embedded Redis the worker runs inside `make run`."
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if not await _redis_answers(settings.redis_url, stop):
        return
    # The same parts as the web app's, built by the composition root (every model is
    # registered there, so a job's mapper set-up never misses one).
    runtime = Runtime(settings, create_engine(settings))
    async with runtime.lifespan():
        options = worker_options(settings, runtime.engine, runtime.job_context())
        worker = SupervisedWorker(options, runtime.jobs)
        worker.start()
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({worker.task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        await worker.stop()
        if worker.task.done() and not worker.task.cancelled() and worker.task.exception():
            raise SystemExit("the worker stopped on an error (logged above)")


async def _redis_answers(url: str, stop: asyncio.Event) -> bool:
    """Wait, with the reconnect backoff, until Redis answers; False if stopped first."""
    client: Redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    failures = 0
    try:
        while not stop.is_set():
            try:
                await client.ping()
                return True
            except _REDIS_LOST as exc:
                failures += 1
                delay = reconnect_delay(failures)
                log.warning("waiting for redis", error=type(exc).__name__, retry_in=round(delay, 2))
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        return False
    finally:
        await client.aclose()
