"""How each long-lived part is built from settings: the one place that knows.

The web app's ``Runtime``, the worker and the commands all build their parts here, so a
data protector, an engine or a platform client is made the same way wherever it is needed,
and feature code receives them as arguments.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import db
from app.applications.calendar import WorkingCalendar, default_calendar, load_calendar
from app.composition import audit_mirror
from app.config import Environment, Settings
from app.identity.population import (
    DemoPopulationRecords,
    HttpPopulationRecords,
    PopulationRecords,
)
from app.platforms.alipay import AlipayClient, AlipayConfig
from app.platforms.sms import DevOutbox, HttpSmsGateway, SmsGateway
from app.platforms.standins import (
    ALIPAY_PATH,
    WECHAT_PATH,
    AlipayStandIn,
    RedisStore,
    WeChatStandIn,
)
from app.platforms.standins.demo import (
    DEMO_ALIPAY_APP_ID,
    DEMO_WECHAT_APP_ID,
    demo_alipay_keys,
    demo_wechat_secret,
    derived_secret,
)
from app.platforms.wechat import WeChatClient, WeChatConfig
from app.protection import DataProtector, load_protection_keys
from app.records.exchange import DemoRecordExchange, HttpRecordExchange, RecordExchange
from app.sealed_files import SealedFiles
from app.storage import LocalFileStorage


def create_engine(settings: Settings, *, serving: bool = False) -> AsyncEngine:
    """The database engine (``app.db.create_engine``), with the audit mirror hooked on.

    Every engine is for a process that may write audited records, so the mirror goes on
    here, where every entry point (web app, worker, commands) makes its engine.
    """
    audit_mirror.install()
    return db.create_engine(settings, serving=serving)


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A command's engine and session factory, disposed of when the command is done."""
    engine = create_engine(settings)
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


def protector_for(settings: Settings) -> DataProtector:
    """The data protector for these settings (keys from the settings, or made under var/)."""
    production = settings.env is Environment.PRODUCTION
    return DataProtector(
        load_protection_keys(settings.data_keys, settings.var_dir, production=production)
    )


def calendar_for(settings: Settings) -> WorkingCalendar:
    """Working days for time limits; a broken holiday file stops start-up with its message."""
    return load_calendar(settings.holidays_file) if settings.holidays_file else default_calendar()


def storage_for(settings: Settings, protector: DataProtector) -> SealedFiles:
    """Uploaded files are personal data: sealed on their way in, unsealed on their way out."""
    return SealedFiles(LocalFileStorage(settings.var_dir / "files"), protector)


def sms_gateway_for(settings: Settings, http: httpx.AsyncClient, redis: Redis) -> SmsGateway:
    """The SMS gateway when configured, else the developer outbox in Redis."""
    if settings.sms_gateway_url:
        return HttpSmsGateway(settings.sms_gateway_url, http)
    return DevOutbox(redis)


def population_for(settings: Settings, http: httpx.AsyncClient) -> PopulationRecords:
    """The population registry when configured, else the demo records."""
    if settings.population_records_url:
        return HttpPopulationRecords(settings.population_records_url, http)
    return DemoPopulationRecords()


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
    """The WeChat client: for the configured mini-program, else for the local stand-in."""
    if settings.wechat_app_id and settings.wechat_app_secret:
        app_id, secret = settings.wechat_app_id, settings.wechat_app_secret
        base_url = settings.wechat_base_url
    elif settings.uses_platform_standins:
        app_id, secret = DEMO_WECHAT_APP_ID, demo_wechat_secret(settings.secret_key)
        base_url = settings.own_base_url + WECHAT_PATH
    else:
        return None
    config = WeChatConfig(
        app_id=app_id,
        app_secret=secret,
        base_url=base_url,
        timeout_seconds=settings.outbound_timeout_seconds,
    )
    return WeChatClient(config, http)


def alipay_client(settings: Settings, http: httpx.AsyncClient) -> AlipayClient | None:
    """The Alipay client: for the configured mini-program, else for the local stand-in."""
    if settings.alipay_app_id and settings.alipay_private_key and settings.alipay_public_key:
        config = AlipayConfig(
            app_id=settings.alipay_app_id,
            app_private_key_pem=settings.alipay_private_key,
            alipay_public_key_pem=settings.alipay_public_key,
            gateway_url=settings.alipay_gateway_url,
            timeout_seconds=settings.outbound_timeout_seconds,
        )
    elif settings.uses_platform_standins:
        keys = demo_alipay_keys(settings.var_dir)
        config = AlipayConfig(
            app_id=DEMO_ALIPAY_APP_ID,
            app_private_key_pem=keys.app_private_key,
            alipay_public_key_pem=keys.alipay_public_key,
            gateway_url=f"{settings.own_base_url}{ALIPAY_PATH}/gateway.do",
            timeout_seconds=settings.outbound_timeout_seconds,
        )
    else:
        return None
    return AlipayClient(config, http)


def wechat_standin(settings: Settings, redis: Redis) -> WeChatStandIn | None:
    """WeChat's server API for the demo mini-program, outside production only."""
    if not settings.uses_platform_standins:
        return None
    return WeChatStandIn(
        app_id=DEMO_WECHAT_APP_ID,
        app_secret=demo_wechat_secret(settings.secret_key),
        store=RedisStore(redis, "onething:standin:wechat:"),
        code_key=derived_secret(settings.secret_key, "standin:wechat-codes"),
    )


def alipay_standin(settings: Settings, redis: Redis) -> AlipayStandIn | None:
    """Alipay's gateway for the demo mini-program, outside production only."""
    if not settings.uses_platform_standins:
        return None
    app_key, alipay_key = demo_alipay_keys(settings.var_dir).private_keys()
    return AlipayStandIn(
        app_id=DEMO_ALIPAY_APP_ID,
        app_public_key=app_key.public_key(),
        alipay_private_key=alipay_key,
        store=RedisStore(redis, "onething:standin:alipay:"),
        code_key=derived_secret(settings.secret_key, "standin:alipay-codes"),
    )
