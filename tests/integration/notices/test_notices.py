"""Notices: written with the change of state, sent once per channel, swept after a crash."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import select

from app.applications.acceptance import WindowDesk
from app.applications.case_models import Application
from app.applications.context import Clock
from app.applications.states import Actor
from app.catalog.loader import default_catalog
from app.composition.build import create_engine
from app.config import Settings
from app.identity.models import Person
from app.notices.delivery import LEASE, Deliverer, due_deliveries
from app.notices.models import DeliveryChannel, DeliveryStatus, Notice
from app.notices.sending import Senders
from app.platforms.alipay import AlipayClient, AlipayConfig
from app.platforms.sms import HttpSmsGateway
from app.protection import DataProtector, load_protection_keys
from app.wallet.reminders import remind_expiring
from app.wallet.service import Holder, WalletService
from tests.fakes.alipay_server import FakeAlipayGateway, new_rsa_key, private_pem, public_pem
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.fakes.wechat_server import FakeClock, FakeWeChat
from tests.integration.application_support import Desk, at, engine_sessionmaker
from tests.integration.notice_support import (
    APP_ID,
    APP_SECRET,
    TEMPLATE,
    deliverer_on,
    deliveries_of,
    link_alipay,
    link_wechat,
    notices_of,
    prefer,
    push_of,
)

MONDAY = date(2026, 9, 28)


@pytest.fixture
async def desk(settings: Settings, tmp_path: Path) -> AsyncIterator[Desk]:
    engine = create_engine(settings)
    protector = DataProtector(load_protection_keys(None, settings.var_dir, production=False))
    yield Desk(engine_sessionmaker(engine), protector, tmp_path / "files", Clock(at(MONDAY)))
    await engine.dispose()


@pytest.fixture
def sms() -> Iterator[FakeSmsGateway]:
    with FakeSmsGateway() as gateway:
        yield gateway


@pytest.fixture
def wechat_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wechat(wechat_clock: FakeClock) -> Iterator[FakeWeChat]:
    with FakeWeChat(app_id=APP_ID, app_secret=APP_SECRET, clock=wechat_clock) as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def _accepted(desk: Desk) -> tuple[Application, Notice]:
    """A complete application, accepted at once on submit: its one notice."""
    application, notice, _ = await _accepted_for(desk)
    return application, notice


async def _accepted_for(desk: Desk) -> tuple[Application, Notice, Person]:
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person))
    [notice] = await notices_of(desk.sessionmaker, application.id)
    return application, notice, person


async def test_acceptance_writes_one_inbox_notice_and_one_push_delivery(desk: Desk) -> None:
    application, notice = await _accepted(desk)

    assert notice.kind == "accept"
    assert notice.person_id == application.person_id
    assert notice.params == {"number": application.number}
    assert notice.read_at is None
    deliveries = await deliveries_of(desk.sessionmaker, notice.id)
    assert set(deliveries) == {DeliveryChannel.IN_APP, DeliveryChannel.PUSH}
    assert deliveries[DeliveryChannel.IN_APP].status == DeliveryStatus.SENT
    push = deliveries[DeliveryChannel.PUSH]  # its channel is chosen when it is sent
    assert push.status == DeliveryStatus.PENDING
    assert push.idempotency_key == str(push.id)


async def test_a_rolled_back_change_leaves_no_notice_and_queues_nothing(desk: Desk) -> None:
    person = await desk.person()
    draft = await desk.draft(person, uploads=("birth-proof",))  # the photo missing: no auto-accept
    application = await desk.submit(person, draft, commitment=True)
    assert application.state == "submitted"

    class Abort(Exception):
        pass

    staged: list[object] = []

    async def return_then_fail() -> None:
        async with desk.context() as ctx:
            found = await ctx.db.get(Application, application.id)
            assert found is not None
            await WindowDesk(ctx).return_for_supplement(found, Actor.staff(person.id), "缺少照片")
            staged.extend(ctx.db.info.get("notices:staged_deliveries", []))
            raise Abort

    with pytest.raises(Abort):
        await return_then_fail()

    assert len(staged) == 1  # written in the transaction, then rolled back with it
    assert await notices_of(desk.sessionmaker, application.id) == []


async def test_running_the_delivery_job_twice_sends_one_sms(
    desk: Desk, sms: FakeSmsGateway, http: httpx.AsyncClient
) -> None:
    _, notice = await _accepted(desk)
    delivery = await push_of(desk.sessionmaker, notice.id)
    deliverer = deliverer_on(desk.sessionmaker, desk.protector, http, sms=sms)

    first = await deliverer.deliver(delivery.id)
    second = await deliverer.deliver(delivery.id)

    assert first.status == second.status == DeliveryStatus.SENT
    assert sms.requests == 1
    [message] = sms.sent
    assert message["template"] == "notice"
    assert "YJS-" in message["values"]["text"]


async def test_the_sweep_finds_a_delivery_whose_job_died_mid_send_and_it_is_sent_once(
    desk: Desk, sms: FakeSmsGateway, http: httpx.AsyncClient
) -> None:
    _, notice = await _accepted(desk)
    delivery = await push_of(desk.sessionmaker, notice.id)
    deliverer = deliverer_on(desk.sessionmaker, desk.protector, http, sms=sms)
    # A worker claimed it, reached the gateway, and was killed before recording "sent".
    now = datetime.now(UTC)
    assert await deliverer._claim(delivery.id, now)
    await HttpSend(sms, http).send(str(delivery.id))

    async with desk.sessionmaker() as db:
        assert delivery.id not in {i for i, _ in await due_deliveries(db, now)}  # claim alive
        later = now + LEASE + timedelta(seconds=1)
        due = dict(await due_deliveries(db, later))
    assert due[delivery.id] == 1  # queued again as its second attempt

    result = await deliverer.deliver(delivery.id, later)
    assert result.status == DeliveryStatus.SENT
    assert sms.requests == 2
    assert len(sms.sent) == 1  # the gateway de-duplicated on the delivery's key


async def test_wechat_43101_fails_that_channel_for_good_and_the_next_one_takes_over(
    desk: Desk, sms: FakeSmsGateway, wechat: FakeWeChat, http: httpx.AsyncClient
) -> None:
    _, notice, person = await _accepted_for(desk)
    await link_wechat(desk.sessionmaker, person, "o-user-1")  # bound, but never subscribed
    delivery = await push_of(desk.sessionmaker, notice.id)
    deliverer = deliverer_on(desk.sessionmaker, desk.protector, http, sms=sms, wechat=wechat)

    result = await deliverer.deliver(delivery.id)

    assert result.status == DeliveryStatus.FAILED
    assert result.retry_in is None
    assert wechat.messages == []
    stored = (await deliveries_of(desk.sessionmaker, notice.id))[DeliveryChannel.WECHAT]
    assert stored.last_error == "SubscriptionRefused"
    # Default order: WeChat, Alipay (off here), then a text message.
    assert result.next_delivery is not None
    fallback = await deliverer.deliver(result.next_delivery)
    assert fallback.status == DeliveryStatus.SENT
    assert fallback.next_delivery is None
    assert len(sms.sent) == 1
    final = await deliveries_of(desk.sessionmaker, notice.id)
    assert set(final) == {DeliveryChannel.IN_APP, DeliveryChannel.WECHAT, DeliveryChannel.SMS}
    # Forward only: the failed WeChat delivery is never tried again.
    assert (await deliverer.deliver(stored.id)).status == DeliveryStatus.FAILED
    assert wechat.messages == []


async def test_wechat_sends_within_the_field_limits_and_refreshes_an_expired_token(
    desk: Desk,
    sms: FakeSmsGateway,
    wechat: FakeWeChat,
    wechat_clock: FakeClock,
    http: httpx.AsyncClient,
) -> None:
    application, notice, person = await _accepted_for(desk)
    await link_wechat(desk.sessionmaker, person, "o-user-2")
    wechat.subscribe("o-user-2", TEMPLATE)
    delivery = await push_of(desk.sessionmaker, notice.id)
    deliverer = deliverer_on(
        desk.sessionmaker, desk.protector, http, sms=sms, wechat=wechat, clock=wechat_clock
    )
    await deliverer._senders._wechat.access_token()  # type: ignore[union-attr]
    wechat.expire_tokens()  # WeChat ends the token early: 42001, then refresh and retry

    result = await deliverer.deliver(delivery.id)

    assert result.status == DeliveryStatus.SENT
    assert wechat.token_requests == 2
    [message] = wechat.messages
    assert message["touser"] == "o-user-2"
    assert message["template_id"] == TEMPLATE
    assert message["data"]["character_string2"]["value"] == application.number
    assert all(len(v["value"]) <= 20 for v in message["data"].values())
    assert str(application.id) in message["page"]


async def test_a_busy_gateway_is_retried_with_backoff_and_then_given_up(
    desk: Desk, sms: FakeSmsGateway, http: httpx.AsyncClient
) -> None:
    _, notice = await _accepted(desk)
    delivery = await push_of(desk.sessionmaker, notice.id)
    deliverer = deliverer_on(desk.sessionmaker, desk.protector, http, sms=sms, max_attempts=2)
    sms.fail_next = [503, 503]

    first = await deliverer.deliver(delivery.id)
    assert (first.status, first.retry_in) == (DeliveryStatus.PENDING, timedelta(seconds=30))
    assert (await deliverer.deliver(delivery.id)).attempts == 1  # not due yet: untouched
    later = datetime.now(UTC) + timedelta(seconds=31)
    second = await deliverer.deliver(delivery.id, later)

    assert second.status == DeliveryStatus.GAVE_UP
    assert sms.sent == []
    # Forward only: a given-up delivery is never tried again.
    assert (await deliverer.deliver(delivery.id, later + timedelta(hours=2))).attempts == 2


class HttpSend:
    """The first half of a job that dies: the gateway gets the message, nothing is recorded."""

    def __init__(self, sms: FakeSmsGateway, http: httpx.AsyncClient) -> None:
        self._sms, self._http = sms, http

    async def send(self, key: str) -> None:
        reply = await self._http.post(
            f"{self._sms.base_url}/messages",
            json={"to": "13900000000", "template": "notice", "values": {"text": "x"}},
            headers={"Idempotency-Key": key},
        )
        assert reply.status_code == 202


async def test_alipay_sends_a_template_message_once_and_a_refusal_is_final(
    desk: Desk, sms: FakeSmsGateway, http: httpx.AsyncClient
) -> None:
    app_key, alipay_key = new_rsa_key(), new_rsa_key()
    with FakeAlipayGateway(
        app_id="2021000000000001",
        app_public_key=app_key.public_key(),
        alipay_private_key=alipay_key,
    ) as gateway:
        config = AlipayConfig(
            app_id="2021000000000001", app_private_key_pem=private_pem(app_key),
            alipay_public_key_pem=public_pem(alipay_key), gateway_url=gateway.gateway_url,
        )  # fmt: skip
        senders = Senders(
            sms=HttpSmsGateway(sms.base_url, http),
            alipay=AlipayClient(config, http),
            alipay_template_id="alipay-tmpl",
        )
        deliverer = Deliverer(desk.sessionmaker, senders, desk.protector)
        first_app, first, person = await _accepted_for(desk)
        await link_alipay(desk.sessionmaker, person, "2088000000000001")
        gateway.allow_messages("2088000000000001")
        refused_app, refused, other = await _accepted_for(desk)
        await link_alipay(desk.sessionmaker, other, "2088000000000002")  # never subscribed

        sent = await push_of(desk.sessionmaker, first.id)
        assert (await deliverer.deliver(sent.id)).status == DeliveryStatus.SENT
        assert (await deliverer.deliver(sent.id)).status == DeliveryStatus.SENT
        no = await push_of(desk.sessionmaker, refused.id)
        assert (await deliverer.deliver(no.id)).status == DeliveryStatus.FAILED

        [message] = gateway.messages
        assert message["to_user_id"] == "2088000000000001"
        assert first_app.number in message["data"]
        assert refused_app.number not in str(gateway.messages)


async def test_a_license_reminder_pushes_its_number_and_opens_the_inbox_page(
    desk: Desk,
    sms: FakeSmsGateway,
    wechat: FakeWeChat,
    wechat_clock: FakeClock,
    http: httpx.AsyncClient,
) -> None:
    person = await desk.person()
    now = datetime.now(UTC)
    async with desk.sessionmaker() as db, db.begin():
        wallet = WalletService(
            db, protector=desk.protector, license_types=default_catalog().licenses
        )
        license_ = await wallet.issue(
            Holder.person(person.id), "household-register", {"name": "陈静", "relation": "户主"},
            source_ref=f"test:{uuid4()}", valid_until=now + timedelta(days=6),
        )  # fmt: skip
        assert await remind_expiring(db, days=(30, 7), now=now) == 1
    async with desk.sessionmaker() as db:
        notice = await db.scalar(select(Notice).where(Notice.license_id == license_.id))
    assert notice is not None
    await link_wechat(desk.sessionmaker, person, "o-user-license")
    wechat.subscribe("o-user-license", TEMPLATE)
    delivery = await push_of(desk.sessionmaker, notice.id)  # WeChat first, by default
    deliverer = deliverer_on(
        desk.sessionmaker, desk.protector, http, sms=sms, wechat=wechat, clock=wechat_clock
    )

    assert (await deliverer.deliver(delivery.id)).status == DeliveryStatus.SENT
    [message] = wechat.messages
    assert message["data"]["character_string2"]["value"] == license_.number
    assert message["data"]["phrase3"]["value"] == "即将到期"
    assert message["page"] == "pages/messages/index"


async def test_a_delivery_goes_to_the_first_channel_the_person_prefers(
    desk: Desk, sms: FakeSmsGateway, wechat: FakeWeChat, http: httpx.AsyncClient
) -> None:
    _, notice, person = await _accepted_for(desk)
    await link_wechat(desk.sessionmaker, person, "o-user-3")
    wechat.subscribe("o-user-3", TEMPLATE)
    await prefer(desk.sessionmaker, person, "sms", "wechat")
    delivery = await push_of(desk.sessionmaker, notice.id)
    deliverer = deliverer_on(desk.sessionmaker, desk.protector, http, sms=sms, wechat=wechat)

    result = await deliverer.deliver(delivery.id)

    assert result.status == DeliveryStatus.SENT
    assert result.next_delivery is None  # sent: nothing hands over
    assert len(sms.sent) == 1
    assert wechat.messages == []
    stored = await deliveries_of(desk.sessionmaker, notice.id)
    assert set(stored) == {DeliveryChannel.IN_APP, DeliveryChannel.SMS}


async def test_a_channel_the_person_cannot_be_reached_on_is_skipped(
    desk: Desk, sms: FakeSmsGateway, wechat: FakeWeChat, http: httpx.AsyncClient
) -> None:
    _, notice, person = await _accepted_for(desk)  # no WeChat account bound
    await prefer(desk.sessionmaker, person, "wechat", "sms")
    delivery = await push_of(desk.sessionmaker, notice.id)
    deliverer = deliverer_on(desk.sessionmaker, desk.protector, http, sms=sms, wechat=wechat)

    assert (await deliverer.deliver(delivery.id)).status == DeliveryStatus.SENT

    assert wechat.messages == []
    assert wechat.token_requests == 0  # WeChat was never asked
    assert set(await deliveries_of(desk.sessionmaker, notice.id)) == {
        DeliveryChannel.IN_APP,
        DeliveryChannel.SMS,
    }


async def test_a_person_who_turned_every_push_off_gets_the_inbox_only(
    desk: Desk, sms: FakeSmsGateway, http: httpx.AsyncClient
) -> None:
    _, notice, person = await _accepted_for(desk)
    await prefer(desk.sessionmaker, person)
    delivery = await push_of(desk.sessionmaker, notice.id)
    deliverer = deliverer_on(desk.sessionmaker, desk.protector, http, sms=sms)

    result = await deliverer.deliver(delivery.id)

    assert (result.status, result.next_delivery) == (DeliveryStatus.FAILED, None)
    assert sms.requests == 0
    stored = await push_of(desk.sessionmaker, notice.id)
    assert (stored.channel, stored.last_error) == (DeliveryChannel.PUSH, "no_channel")
    [inbox] = await notices_of(desk.sessionmaker, notice.application_id)
    assert inbox.id == notice.id


async def test_transient_errors_retry_the_same_channel_and_giving_up_hands_over(
    desk: Desk, sms: FakeSmsGateway, wechat: FakeWeChat, http: httpx.AsyncClient
) -> None:
    _, notice, person = await _accepted_for(desk)
    await link_wechat(desk.sessionmaker, person, "o-user-4")
    wechat.subscribe("o-user-4", TEMPLATE)
    await prefer(desk.sessionmaker, person, "sms", "wechat")
    deliverer = deliverer_on(
        desk.sessionmaker, desk.protector, http, sms=sms, wechat=wechat, max_attempts=2
    )
    sms.fail_next = [503, 503]
    delivery = await push_of(desk.sessionmaker, notice.id)

    first = await deliverer.deliver(delivery.id)
    assert (first.status, first.next_delivery) == (DeliveryStatus.PENDING, None)
    second = await deliverer.deliver(delivery.id, datetime.now(UTC) + timedelta(seconds=31))
    assert second.status == DeliveryStatus.GAVE_UP
    stored = (await deliveries_of(desk.sessionmaker, notice.id))[DeliveryChannel.SMS]
    assert stored.attempts == 2  # both tries on the same channel

    assert second.next_delivery is not None
    assert (await deliverer.deliver(second.next_delivery)).status == DeliveryStatus.SENT
    [message] = wechat.messages
    assert message["touser"] == "o-user-4"
    assert sms.sent == []


async def test_the_next_channels_job_is_queued_when_the_hand_over_commits(
    desk: Desk, sms: FakeSmsGateway, wechat: FakeWeChat, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from app.composition.queue import create_job_pool
    from app.embedded_redis import EmbeddedRedis
    from app.notices.outbox import NoticeDispatcher, job_id
    from app.worker import WorkerSettings

    _, notice, person = await _accepted_for(desk)
    await link_wechat(desk.sessionmaker, person, "o-user-5")  # never subscribed: 43101
    server = EmbeddedRedis(tmp_path / "redis")  # a Redis of this test's own
    pool = await create_job_pool(server.start())
    try:
        dispatcher = NoticeDispatcher()
        dispatcher.bind(pool)
        dispatching = async_sessionmaker(
            desk.sessionmaker.kw["bind"], expire_on_commit=False, info=dispatcher.session_info()
        )
        deliverer = deliverer_on(dispatching, desk.protector, http, sms=sms, wechat=wechat)

        result = await deliverer.deliver((await push_of(desk.sessionmaker, notice.id)).id)
        await dispatcher.drain()

        assert result.status == DeliveryStatus.FAILED
        assert result.next_delivery is not None
        queued = await pool.zrange(WorkerSettings.queue_name, 0, -1)
        assert [j.decode() for j in queued] == [job_id(result.next_delivery, 0)]
    finally:
        await pool.aclose()
        server.stop()
