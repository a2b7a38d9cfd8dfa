"""Running the arq worker: inside the web process (``make run``) or as its own (``make worker``)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from arq.connections import ArqRedis
from arq.worker import Worker
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.composition.build import create_engine
from app.composition.queue import redis_settings
from app.composition.runtime import Runtime
from app.config import Settings
from app.worker import worker_options

log = structlog.get_logger(__name__)

_STOP_GRACE_SECONDS = 5.0


class InProcessWorker:
    """Runs the arq worker as a task of the web process (the embedded default)."""

    def __init__(
        self,
        settings: Settings,
        pool: ArqRedis,
        engine: AsyncEngine,
        parts: dict[str, Any],
    ) -> None:
        # The pool and the engine are the app's, connected before the worker starts and closed
        # by the app: a worker that made its own could be cancelled mid-connect and leak them.
        self._worker = Worker(
            **worker_options(settings, engine, parts), redis_pool=pool, handle_signals=False
        )
        self._pool = pool
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin taking jobs in the background."""
        self._task = asyncio.create_task(self._worker.async_run(), name="arq-worker")

    async def stop(self) -> None:
        """Finish the current poll, let running jobs end, and stop; cancel only what hangs.

        Not ``Worker.close()`` nor a plain cancel: both cancel arq's loop wherever it is,
        and a Redis pipeline cancelled mid-command leaves its connection behind. Burst mode
        with no jobs left to start makes arq's own loop return after its current poll,
        once the running jobs are done. What has not ended within the grace period is
        cancelled; it runs again later (arq is at-least-once and jobs are idempotent).
        """
        worker = self._worker
        worker.allow_pick_jobs = False
        worker.burst = True
        worker.max_burst_jobs = 0
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=_STOP_GRACE_SECONDS)
            if not done:
                worker.handle_sig(signal.SIGUSR1)
                await asyncio.gather(self._task, *worker.tasks.values(), return_exceptions=True)
            elif not self._task.cancelled() and self._task.exception() is not None:
                # The loop had already died (Redis lost); say so rather than lose it.
                log.warning("worker loop had stopped", error=type(self._task.exception()).__name__)
        await self._settle_stragglers()
        try:
            await self._pool.delete(worker.health_check_key)
        except (RedisError, OSError) as exc:
            # Redis went first (a crash, or a test stopping it): nothing left to tidy there.
            log.warning("worker closed without redis", error=type(exc).__name__)

    async def _settle_stragglers(self) -> None:
        """Let the worker's tasks that outlive its loop end before the app closes the pool.

        arq finishes each job in ``asyncio.shield(finish_job(...))``: cancelling the job leaves
        that bookkeeping running as a task of its own, and jobs may outlive a loop that died.
        Anything using the pool after the app has disconnected it opens a fresh connection
        that nobody closes (redis-py reconnects a pooled connection on use), and the socket
        leaks when the loop ends. So: wait for them within the grace period, then cancel.
        """
        current = asyncio.current_task()
        worker = self._worker
        stragglers = {
            task
            for task in asyncio.all_tasks()
            if task is not current and not task.done() and _runs_for(task, worker)
        }
        stragglers |= {task for task in worker.job_tasks.values() if not task.done()}
        if not stragglers:
            return
        _, pending = await asyncio.wait(stragglers, timeout=_STOP_GRACE_SECONDS)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


def _runs_for(task: asyncio.Task[Any], worker: Worker) -> bool:
    """Whether ``task`` runs one of ``worker``'s own coroutines (a job, its bookkeeping)."""
    frame = getattr(task.get_coro(), "cr_frame", None)
    return frame is not None and frame.f_locals.get("self") is worker


def in_process_worker(runtime: Runtime) -> Any:
    """The web app's lifespan that runs the worker in its process, when settings say so.

    Entered after ``Runtime.lifespan`` (Redis and the job pool are up) and so left before it.
    """

    @asynccontextmanager
    async def lifespan(_app: object) -> AsyncIterator[None]:
        if not runtime.settings.runs_worker_in_process:
            yield
            return
        worker = InProcessWorker(
            runtime.settings, runtime.jobs, runtime.engine, runtime.job_context()
        )
        runtime.worker = worker
        worker.start()
        try:
            yield
        finally:
            runtime.worker = None
            await worker.stop()

    return lifespan


async def run_worker(settings: Settings) -> None:
    """``make worker``: the worker as its own process, against ``REDIS_URL``."""
    if settings.redis_url is None:
        raise SystemExit(
            "REDIS_URL is not set: with the embedded Redis the worker runs inside `make run`."
        )
    # The same parts as the web app's, built by the composition root (every model is
    # registered there, so a job's mapper set-up never misses one).
    runtime = Runtime(settings, create_engine(settings))
    async with runtime.lifespan():
        worker = Worker(
            **worker_options(settings, runtime.engine, runtime.job_context()),
            redis_settings=redis_settings(settings.redis_url),
        )
        try:
            await worker.async_run()
        except asyncio.CancelledError:  # SIGINT / SIGTERM: arq cancels its main task
            pass
        finally:
            await worker.close()
