"""Shared parts of the notice tests: a desk whose sessions dispatch, deliverers on fakes."""

from __future__ import annotations

from uuid import UUID

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.identity.models import ExternalAccount, Person, Provider
from app.notices.delivery import Deliverer
from app.notices.models import Delivery, DeliveryChannel, Notice
from app.notices.preferences import NoticePreferences
from app.notices.sending import Senders
from app.platforms.sms import HttpSmsGateway
from app.platforms.wechat import WeChatClient, WeChatConfig
from app.protection import DataProtector
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.fakes.wechat_server import FakeClock, FakeWeChat

TEMPLATE = "tmpl-progress"
APP_ID, APP_SECRET = "wx-notice-test", "s" * 32


def deliverer_on(
    sessionmaker: async_sessionmaker[AsyncSession],
    protector: DataProtector,
    http: httpx.AsyncClient,
    *,
    sms: FakeSmsGateway,
    wechat: FakeWeChat | None = None,
    clock: FakeClock | None = None,
    max_attempts: int = 3,
) -> Deliverer:
    """A deliverer whose SMS (and WeChat) go to the local fakes."""
    client = None
    if wechat is not None:
        config = WeChatConfig(app_id=APP_ID, app_secret=APP_SECRET, base_url=wechat.base_url)
        client = WeChatClient(config, http, clock=clock or FakeClock())
    senders = Senders(
        sms=HttpSmsGateway(sms.base_url, http),
        wechat=client,
        wechat_template_id=TEMPLATE if client else None,
    )
    return Deliverer(sessionmaker, senders, protector, max_attempts=max_attempts)


async def notices_of(
    sessionmaker: async_sessionmaker[AsyncSession], application_id: UUID
) -> list[Notice]:
    """Every notice about the application, oldest first."""
    async with sessionmaker() as db:
        rows = await db.scalars(
            select(Notice)
            .where(Notice.application_id == application_id)
            .order_by(Notice.created_at)
        )
        return list(rows)


async def deliveries_of(
    sessionmaker: async_sessionmaker[AsyncSession], notice_id: UUID
) -> dict[DeliveryChannel, Delivery]:
    """The notice's deliveries by channel."""
    async with sessionmaker() as db:
        rows = await db.scalars(select(Delivery).where(Delivery.notice_id == notice_id))
        return {DeliveryChannel(d.channel): d for d in rows}


async def push_of(sessionmaker: async_sessionmaker[AsyncSession], notice_id: UUID) -> Delivery:
    """The notice's latest push delivery (after a hand-over: the next channel's)."""
    async with sessionmaker() as db:
        rows = await db.scalars(
            select(Delivery)
            .where(Delivery.notice_id == notice_id, Delivery.channel != DeliveryChannel.IN_APP)
            .order_by(Delivery.id.desc())  # uuid7: the newest last written
        )
        return rows.first()  # type: ignore[return-value]


async def prefer(
    sessionmaker: async_sessionmaker[AsyncSession], person: Person, *channels: str
) -> None:
    """Save the person's push channels in this order."""
    async with sessionmaker() as db, db.begin():
        await NoticePreferences(db).save(person.id, channels)


async def link_wechat(
    sessionmaker: async_sessionmaker[AsyncSession], person: Person, openid: str
) -> None:
    """Bind a WeChat account to the person (as signing in through the mini-program does)."""
    async with sessionmaker() as db, db.begin():
        db.add(ExternalAccount(provider=Provider.WECHAT, subject=openid, person_id=person.id))


async def link_alipay(
    sessionmaker: async_sessionmaker[AsyncSession], person: Person, user_id: str
) -> None:
    """Bind an Alipay account to the person."""
    async with sessionmaker() as db, db.begin():
        db.add(ExternalAccount(provider=Provider.ALIPAY, subject=user_id, person_id=person.id))
