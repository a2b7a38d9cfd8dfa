"""Building the notice parts from settings, for the runtime (web app and worker alike)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.notices.delivery import Deliverer
from app.notices.sending import Senders
from app.platforms.alipay import AlipayClient
from app.platforms.sms import SmsGateway
from app.platforms.wechat import WeChatClient
from app.protection import DataProtector


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
