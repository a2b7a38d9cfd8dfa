"""Building the notice parts from settings: for the app's runtime and for a separate worker."""

from __future__ import annotations

from datetime import timedelta

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Environment, Settings
from app.notices.delivery import Deliverer
from app.notices.sending import Senders
from app.platforms.alipay import AlipayClient
from app.platforms.sms import DevOutbox, HttpSmsGateway, SmsGateway
from app.platforms.wechat import WeChatClient
from app.protection import DataProtector, load_protection_keys


def senders(
    settings: Settings,
    *,
    sms: SmsGateway,
    wechat: WeChatClient | None,
    alipay: AlipayClient | None,
) -> Senders:
    """The push channels the settings turn on."""
    return Senders(
        sms=sms,
        wechat=wechat,
        wechat_template_id=settings.wechat_notice_template_id,
        alipay=alipay,
        alipay_template_id=settings.alipay_notice_template_id,
    )


def deliverer(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    channels: Senders,
    protector: DataProtector,
) -> Deliverer:
    """The deliverer jobs use."""
    return Deliverer(
        sessionmaker,
        channels,
        protector,
        max_attempts=settings.notice_max_attempts,
        lease=timedelta(seconds=settings.notice_lease_seconds),
    )


def standalone_deliverer(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], redis: Redis
) -> tuple[Deliverer, httpx.AsyncClient]:
    """For ``make worker``: its own HTTP client (returned, to be closed) and channels."""
    from app.composition.runtime import (  # the runtime's own construction
        alipay_client,
        wechat_client,
    )

    http = httpx.AsyncClient(timeout=settings.outbound_timeout_seconds)
    sms: SmsGateway = (
        HttpSmsGateway(settings.sms_gateway_url, http)
        if settings.sms_gateway_url
        else DevOutbox(redis)
    )
    protector = DataProtector(
        load_protection_keys(
            settings.data_keys, settings.var_dir, production=settings.env is Environment.PRODUCTION
        )
    )
    channels = senders(
        settings,
        sms=sms,
        wechat=wechat_client(settings, http),
        alipay=alipay_client(settings, http),
    )
    return deliverer(settings, sessionmaker, channels, protector), http
