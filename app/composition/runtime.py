"""The app's connections and background parts, started and stopped with the app.

One ``Runtime`` per app (no module globals): the embedded Redis when no ``REDIS_URL``
is set, a Redis client, an arq pool for enqueuing, and the in-process worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from arq.connections import ArqRedis
from litestar import Litestar
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.applications.calendar import default_calendar, load_calendar
from app.applications.context import Rules
from app.catalog.loader import catalog_at
from app.composition import notices as notice_wiring
from app.config import Environment, Settings
from app.embedded_redis import EmbeddedRedis
from app.identity.acting import ActingStore
from app.identity.codes import CodeService
from app.identity.limits import RateLimiter
from app.identity.passkey_ceremonies import CeremonyStore
from app.identity.population import (
    DemoPopulationRecords,
    HttpPopulationRecords,
    PopulationRecords,
)
from app.identity.sessions import SessionStore
from app.identity.tokens import TokenStore
from app.notices.outbox import NoticeDispatcher
from app.oidc.keys import load_signing_keys
from app.platforms.alipay import AlipayClient, AlipayConfig
from app.platforms.sms import DevOutbox, HttpSmsGateway, SmsGateway
from app.platforms.wechat import WeChatClient, WeChatConfig
from app.protection import DataProtector, load_protection_keys
from app.records.exchange import DemoRecordExchange, HttpRecordExchange, RecordExchange
from app.sealed_files import SealedFiles
from app.storage import LocalFileStorage
from app.worker import InProcessWorker, create_job_pool


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
        self.calendar = (
            load_calendar(settings.holidays_file) if settings.holidays_file else default_calendar()
        )
        self.rules = Rules.from_settings(settings)
        self.protector = DataProtector(
            load_protection_keys(
                settings.data_keys,
                settings.var_dir,
                production=settings.env is Environment.PRODUCTION,
            )
        )
        # Uploaded files are personal data: sealed on their way in, unsealed on their way out.
        self.storage = SealedFiles(LocalFileStorage(settings.var_dir / "files"), self.protector)
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
        self.sms: SmsGateway = (
            HttpSmsGateway(settings.sms_gateway_url, self.http)
            if settings.sms_gateway_url
            else DevOutbox(self.redis)
        )
        self.population: PopulationRecords = (
            HttpPopulationRecords(settings.population_records_url, self.http)
            if settings.population_records_url
            else DemoPopulationRecords()
        )
        self.records: RecordExchange = records_exchange_for(settings, self.http)
        self.tokens = TokenStore(self.redis)
        self.passkey_ceremonies = CeremonyStore(self.redis)
        self.wechat = wechat_client(settings, self.http)
        self.alipay = alipay_client(settings, self.http)
        self.deliverer = notice_wiring.deliverer(
            settings,
            self.sessionmaker,
            notice_wiring.senders(settings, sms=self.sms, wechat=self.wechat, alipay=self.alipay),
            self.protector,
        )
        self._jobs: ArqRedis | None = None
        self._worker: InProcessWorker | None = None

    @property
    def jobs(self) -> ArqRedis:
        """The arq pool for enqueuing jobs (available while the app runs)."""
        if self._jobs is None:
            raise RuntimeError("the job pool exists only while the app is running")
        return self._jobs

    @asynccontextmanager
    async def lifespan(self, _app: Litestar) -> AsyncIterator[None]:
        """Start Redis (if embedded), the job pool and the worker; stop them in reverse."""
        if self.embedded_redis is not None:
            await asyncio.to_thread(self.embedded_redis.start)
        try:
            self._jobs = await create_job_pool(self.redis_url)
            self.notices.bind(self._jobs)
            if self.settings.runs_worker_in_process:
                self._worker = InProcessWorker(
                    self.settings,
                    self._jobs,
                    self.engine,
                    extra_ctx={"notice_deliverer": self.deliverer},
                )
                self._worker.start()
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
            if self._worker is not None:
                stack.push_async_callback(self._worker.stop)
        self._worker = None
        self._jobs = None
        self.notices.bind(None)


def records_exchange_for(settings: Settings, http: httpx.AsyncClient) -> RecordExchange:
    """The data exchange when configured (settings insist on its credentials), else the demo."""
    if not settings.records_exchange_url:
        return DemoRecordExchange()
    return HttpRecordExchange(
        settings.records_exchange_url,
        app_id=settings.records_exchange_app_id or "",
        secret=settings.records_exchange_secret or "",
        http=http,
        timeout_seconds=settings.outbound_timeout_seconds,
    )


def wechat_client(settings: Settings, http: httpx.AsyncClient) -> WeChatClient | None:
    """The WeChat client when the mini-program is configured."""
    if not (settings.wechat_app_id and settings.wechat_app_secret):
        return None
    config = WeChatConfig(
        app_id=settings.wechat_app_id,
        app_secret=settings.wechat_app_secret,
        base_url=settings.wechat_base_url,
        timeout_seconds=settings.outbound_timeout_seconds,
    )
    return WeChatClient(config, http)


def alipay_client(settings: Settings, http: httpx.AsyncClient) -> AlipayClient | None:
    """The Alipay client when the mini-program is configured."""
    if not (settings.alipay_app_id and settings.alipay_private_key and settings.alipay_public_key):
        return None
    config = AlipayConfig(
        app_id=settings.alipay_app_id,
        app_private_key_pem=settings.alipay_private_key,
        alipay_public_key_pem=settings.alipay_public_key,
        gateway_url=settings.alipay_gateway_url,
        timeout_seconds=settings.outbound_timeout_seconds,
    )
    return AlipayClient(config, http)
