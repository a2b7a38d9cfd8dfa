"""The composition root: every long-lived part, built once, started and stopped together.

One ``Runtime`` per process (no module globals): the embedded Redis when no ``REDIS_URL``
is set, a Redis client, an arq pool for enqueuing, the engine's session factory, the data
protector, the catalog and the platform clients. The web app hands it to its channels
(``app.web.providers``), the worker to its jobs (``job_context``). Feature code never
imports this package: it receives what it needs as arguments.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from arq.connections import ArqRedis
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.applications.context import Rules
from app.catalog.loader import catalog_at
from app.composition import models as _models  # noqa: F401  (every model mapped)
from app.composition import notices as notice_wiring
from app.composition.build import (
    alipay_client,
    alipay_standin,
    calendar_for,
    population_for,
    protector_for,
    records_exchange_for,
    sms_gateway_for,
    storage_for,
    wechat_client,
    wechat_standin,
)
from app.composition.queue import create_job_pool
from app.config import Environment, Settings
from app.embedded_redis import EmbeddedRedis
from app.enterprises.acting import ActingStore
from app.identity.codes import CodeService
from app.identity.limits import RateLimiter
from app.identity.passkey_ceremonies import CeremonyStore
from app.identity.population import PopulationRecords
from app.identity.sessions import SessionStore
from app.identity.tokens import TokenStore
from app.notices.outbox import NoticeDispatcher
from app.oidc.keys import load_signing_keys
from app.platforms.sms import SmsGateway
from app.records.exchange import RecordExchange


class Runtime:
    """Holds what requests share; handlers get it through the ``runtime`` dependency."""

    def __init__(self, settings: Settings, engine: AsyncEngine) -> None:
        self.settings = settings
        self.engine = engine
        self.embedded_redis = (
            EmbeddedRedis(settings.var_dir / "redis") if settings.redis_is_embedded else None
        )
        # The embedded server's socket path is fixed, so the URL is known before it starts.
        self.redis_url = settings.redis_url or (
            self.embedded_redis.url if self.embedded_redis else ""
        )
        timeout = settings.readiness_timeout_seconds
        self.redis: Redis = Redis.from_url(
            self.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        # Sessions find the outbox's dispatcher in their ``info`` (see app.notices.outbox).
        self.notices = NoticeDispatcher()
        self.sessionmaker = async_sessionmaker(
            engine, expire_on_commit=False, info=self.notices.session_info()
        )
        # The catalog is checked here, so a broken catalog file stops start-up with its message.
        self.catalog = catalog_at(settings.catalog_dir)
        # Working days for time limits; a broken holiday file stops start-up with its message.
        self.calendar = calendar_for(settings)
        self.rules = Rules.from_settings(settings)
        self.protector = protector_for(settings)
        self.storage = storage_for(settings, self.protector)
        self.oidc_keys = load_signing_keys(
            settings.oidc_signing_keys,
            settings.var_dir,
            production=settings.env is Environment.PRODUCTION,
        )
        self.sessions = SessionStore(
            self.redis,
            idle_seconds=settings.session_idle_minutes * 60,
            absolute_seconds=settings.session_absolute_hours * 3600,
        )
        # The identity switcher's choice lives and expires with the web session.
        self.acting = ActingStore(self.redis, ttl_seconds=self.sessions.idle_seconds)
        # The person a relative or guardian acts for (app.web.agency), beside the session.
        self.acting_person = ActingStore(
            self.redis, ttl_seconds=self.sessions.idle_seconds, prefix="onething:acting-person:"
        )
        self.limiter = RateLimiter(self.redis)
        self.codes = CodeService(
            self.redis,
            limiter=self.limiter,
            secret=settings.secret_key,
            ttl_seconds=settings.sms_code_ttl_seconds,
            resend_seconds=settings.sms_code_resend_seconds,
        )
        self.http = httpx.AsyncClient(timeout=settings.outbound_timeout_seconds)
        self.sms: SmsGateway = sms_gateway_for(settings, self.http, self.redis)
        self.population: PopulationRecords = population_for(settings, self.http)
        self.records: RecordExchange = records_exchange_for(settings, self.http)
        self.tokens = TokenStore(self.redis)
        self.passkey_ceremonies = CeremonyStore(self.redis)
        self.wechat = wechat_client(settings, self.http)
        self.alipay = alipay_client(settings, self.http)
        # Outside production: WeChat and Alipay as local stand-ins (app.routes.ops.standins).
        self.wechat_standin = wechat_standin(settings, self.redis)
        self.alipay_standin = alipay_standin(settings, self.redis)
        self.deliverer = notice_wiring.deliverer(
            settings,
            self.sessionmaker,
            notice_wiring.senders(settings, sms=self.sms, wechat=self.wechat, alipay=self.alipay),
            self.protector,
        )
        self._jobs: ArqRedis | None = None
        # The web app's in-process worker while it runs (``app.worker.in_process_worker``).
        self.worker: Any = None

    @property
    def jobs(self) -> ArqRedis:
        """The arq pool for enqueuing jobs (available while the app runs)."""
        if self._jobs is None:
            raise RuntimeError("the job pool exists only while the app is running")
        return self._jobs

    def job_context(self) -> dict[str, Any]:
        """What jobs receive beside ``settings`` and ``sessionmaker`` (``app.worker``)."""
        return {
            "notice_deliverer": self.deliverer,
            "protector": self.protector,
            "storage": self.storage,
            "calendar": self.calendar,
            "catalog": self.catalog,
            "records": self.records,
        }

    @asynccontextmanager
    async def lifespan(self, _app: object = None) -> AsyncIterator[None]:
        """Start Redis (if embedded) and the job pool; stop everything in reverse.

        The web app's in-process worker is a lifespan of its own (``app.worker``), entered
        after this one and so stopped before it.
        """
        if self.embedded_redis is not None:
            await asyncio.to_thread(self.embedded_redis.start)
        try:
            self._jobs = await create_job_pool(self.redis_url)
            self.notices.bind(self._jobs)
            yield
        finally:
            await self._shutdown()

    async def _shutdown(self) -> None:
        """Stop everything in reverse order; a step that fails never skips the later ones.

        The embedded Redis above all must stop with the app, or it outlives it as an orphan.
        """
        async with AsyncExitStack() as stack:
            # Callbacks run last-in, first-out: the engine and Redis server go last.
            stack.push_async_callback(self.engine.dispose)  # connections of this loop
            if self.embedded_redis is not None:
                stack.push_async_callback(asyncio.to_thread, self.embedded_redis.stop)
            stack.push_async_callback(self.http.aclose)
            stack.push_async_callback(self.redis.aclose)
            if self._jobs is not None:
                stack.push_async_callback(self._jobs.aclose, close_connection_pool=True)
            stack.push_async_callback(self.notices.drain)
        self._jobs = None
        self.notices.bind(None)
