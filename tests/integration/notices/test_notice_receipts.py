"""SMS delivery receipts through the real app: signed, applied forward only, handed over once.

Each test sends a real notice through the local SMS gateway, then posts the receipt that
gateway writes (signed as documented) to ``/hooks/sms/receipts``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.applications.context import Clock
from app.composition.build import create_engine
from app.composition.runtime import Runtime
from app.config import Settings
from app.identity.models import Person
from app.notices.models import Delivery, DeliveryChannel, DeliveryStatus, Notice
from tests.conftest import in_app, make_settings
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.fakes.wechat_server import FakeClock, FakeWeChat
from tests.integration.application_support import Desk, at, engine_sessionmaker
from tests.integration.notice_support import (
    APP_ID,
    APP_SECRET,
    TEMPLATE,
    deliveries_of,
    link_wechat,
    notices_of,
    prefer,
    push_of,
)

SECRET = "receipt-secret-" + "r" * 20
PATH = "/hooks/sms/receipts"
MONDAY = date(2026, 9, 28)


@pytest.fixture
def sms() -> Iterator[FakeSmsGateway]:
    with FakeSmsGateway() as gateway:
        yield gateway


@pytest.fixture
def wechat() -> Iterator[FakeWeChat]:
    with FakeWeChat(app_id=APP_ID, app_secret=APP_SECRET, clock=FakeClock(time.time())) as fake:
        yield fake


@pytest.fixture
def settings(
    tmp_path: Path, migrated_database_url: str, sms: FakeSmsGateway, wechat: FakeWeChat
) -> Settings:
    """SMS through the local gateway (which signs receipts), WeChat as the next channel."""
    return make_settings(
        tmp_path / "var",
        migrated_database_url,
        sms_gateway_url=sms.base_url,
        sms_receipt_secret=SECRET,
        wechat_app_id=APP_ID,
        wechat_app_secret=APP_SECRET,
        wechat_base_url=wechat.base_url,
        wechat_notice_template_id=TEMPLATE,
    )


@pytest.fixture
async def desk(settings: Settings, tmp_path: Path) -> AsyncIterator[Desk]:
    """Writes applications on the app's database; its commits queue nothing (the test sends)."""
    from app.protection import DataProtector, load_protection_keys

    engine = create_engine(settings)
    protector = DataProtector(load_protection_keys(None, settings.var_dir, production=False))
    yield Desk(engine_sessionmaker(engine), protector, tmp_path / "files", Clock(at(MONDAY)))
    await engine.dispose()


async def _sms_sent(
    client: AsyncTestClient[Litestar], desk: Desk, *, then_wechat: bool = False
) -> tuple[Notice, Delivery, Person]:
    """An accepted application whose push went out by SMS through the gateway."""
    person = await desk.person()
    if then_wechat:
        await prefer(desk.sessionmaker, person, "sms", "wechat")
        await link_wechat(desk.sessionmaker, person, f"o-{uuid4().hex[:12]}")
    application = await desk.submit(person, await desk.draft(person))
    [notice] = await notices_of(desk.sessionmaker, application.id)
    delivery = await push_of(desk.sessionmaker, notice.id)
    runtime: Runtime = client.app.state.runtime
    result = await in_app(client, runtime.deliverer.deliver, delivery.id)
    assert result.status == DeliveryStatus.SENT
    return notice, await push_of(desk.sessionmaker, notice.id), person


async def _post(client: AsyncTestClient[Litestar], signed: tuple[bytes, dict[str, str]]) -> int:
    body, headers = signed
    response = await client.post(PATH, content=body, headers=headers)
    return response.status_code


async def _pushes(desk: Desk, notice_id: UUID) -> list[Delivery]:
    return [
        d
        for channel, d in (await deliveries_of(desk.sessionmaker, notice_id)).items()
        if channel is not DeliveryChannel.IN_APP
    ]


async def test_a_delivered_receipt_marks_the_sms_delivered_and_repeats_change_nothing(
    client: AsyncTestClient[Litestar], desk: Desk, sms: FakeSmsGateway
) -> None:
    notice, delivery, _ = await _sms_sent(client, desk)
    assert delivery.channel == DeliveryChannel.SMS
    when = int(time.time()) - 10
    key = str(delivery.id)

    assert await _post(client, sms.receipt(key, "delivered", secret=SECRET, timestamp=when)) == 204
    stored = await push_of(desk.sessionmaker, notice.id)
    assert stored.status == DeliveryStatus.DELIVERED
    assert stored.finished_at == datetime.fromtimestamp(when, UTC)

    # The gateway sends it again (signed afresh), then a contradicting late report: 204, no change.
    assert await _post(client, sms.receipt(key, "delivered", secret=SECRET)) == 204
    undelivered = sms.receipt(key, "undelivered", code="EXPIRED", secret=SECRET)
    assert await _post(client, undelivered) == 204
    again = await push_of(desk.sessionmaker, notice.id)
    assert (again.status, again.finished_at, again.last_error) == (
        DeliveryStatus.DELIVERED, stored.finished_at, None,
    )  # fmt: skip
    assert len(await _pushes(desk, notice.id)) == 1  # no fallback for a delivered message
    assert len(sms.sent) == 1


async def test_an_undelivered_receipt_fails_the_sms_and_hands_over_to_the_next_channel_once(
    client: AsyncTestClient[Litestar], desk: Desk, sms: FakeSmsGateway, wechat: FakeWeChat
) -> None:
    notice, delivery, _ = await _sms_sent(client, desk, then_wechat=True)
    [openid] = await _openids(desk, notice)
    wechat.subscribe(openid, TEMPLATE)
    key = str(delivery.id)

    first = sms.receipt(key, "undelivered", code="UNDELIV", secret=SECRET)
    assert await _post(client, first) == 204
    assert (
        await _post(client, sms.receipt(key, "undelivered", code="UNDELIV", secret=SECRET)) == 204
    )
    assert await _post(client, sms.receipt(key, "delivered", secret=SECRET)) == 204  # too late

    deliveries = await deliveries_of(desk.sessionmaker, notice.id)
    failed = deliveries[DeliveryChannel.SMS]
    assert failed.status == DeliveryStatus.FAILED
    assert failed.last_error == "undelivered:UNDELIV"
    assert len(await _pushes(desk, notice.id)) == 2  # the SMS, and one fallback
    # The fallback's job was queued when the receipt committed; the app's worker sends it.
    for _ in range(100):
        if wechat.messages:
            break
        await asyncio.sleep(0.1)
    assert len(wechat.messages) == 1
    assert wechat.messages[0]["touser"] == openid
    fallback = await push_of(desk.sessionmaker, notice.id)
    assert (fallback.channel, fallback.id != failed.id) == (DeliveryChannel.WECHAT, True)
    assert len(sms.sent) == 1


async def test_two_undelivered_receipts_at_once_add_one_fallback(
    client: AsyncTestClient[Litestar], desk: Desk
) -> None:
    notice, delivery, _ = await _sms_sent(client, desk, then_wechat=True)
    runtime: Runtime = client.app.state.runtime

    async def both() -> list[object]:
        moment = datetime.now(UTC)
        return list(
            await asyncio.gather(
                *(
                    runtime.deliverer.apply_receipt(
                        delivery.id, DeliveryStatus.FAILED, reason="undelivered:X", at=moment
                    )
                    for _ in range(2)
                )
            )
        )

    results = await in_app(client, both)
    fallbacks = [r.next_delivery for r in results if r.next_delivery is not None]  # type: ignore[attr-defined]
    assert len(fallbacks) == 1
    assert len(await _pushes(desk, notice.id)) == 2


async def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(
    client: AsyncTestClient[Litestar], desk: Desk, sms: FakeSmsGateway
) -> None:
    notice, delivery, _ = await _sms_sent(client, desk)
    key = str(delivery.id)
    body, headers = sms.receipt(key, "delivered", secret=SECRET)

    wrong_secret = sms.receipt(key, "delivered", secret="not-the-secret")
    stale = sms.receipt(key, "delivered", secret=SECRET, timestamp=int(time.time()) - 301)
    altered = (body.replace(b"delivered", b"undelivered", 1), headers)
    unsigned = (body, {"Content-Type": "application/json"})
    for attempt in (wrong_secret, stale, altered, unsigned):
        response = await client.post(PATH, content=attempt[0], headers=attempt[1])
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await push_of(desk.sessionmaker, notice.id)).status == DeliveryStatus.SENT


async def test_a_receipt_for_no_sms_delivery_of_ours_answers_404(
    client: AsyncTestClient[Litestar], desk: Desk, sms: FakeSmsGateway
) -> None:
    notice, _, _ = await _sms_sent(client, desk)
    in_app_id = (await deliveries_of(desk.sessionmaker, notice.id))[DeliveryChannel.IN_APP].id
    answers = []
    for key in (str(uuid4()), "gateway-own-key", str(in_app_id)):
        body, headers = sms.receipt(key, "delivered", secret=SECRET, taken=False)
        response = await client.post(PATH, content=body, headers=headers)
        assert response.status_code == 404
        answers.append({k: v for k, v in response.json().items() if k != "requestId"})
    assert answers[0] == answers[1] == answers[2]  # nothing tells one unknown key from another
    missing = await client.get("/.well-known/" + str(uuid4()))  # any other missing thing
    assert missing.status_code == 404
    assert answers[0]["title"] == missing.json()["title"]
    assert answers[0]["detail"] == "未找到。"  # errors.NotFound, as for someone else's notice


async def test_a_malformed_receipt_answers_422_and_a_pending_delivery_409(
    client: AsyncTestClient[Litestar], desk: Desk, sms: FakeSmsGateway
) -> None:
    notice, delivery, _ = await _sms_sent(client, desk)
    no_code = sms.receipt(str(delivery.id), "undelivered", secret=SECRET)
    response = await client.post(PATH, content=no_code[0], headers=no_code[1])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "code"
    assert (await push_of(desk.sessionmaker, notice.id)).status == DeliveryStatus.SENT

    # A second notice whose SMS the gateway answered "busy": still pending, retried later.
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person))
    [busy_notice] = await notices_of(desk.sessionmaker, application.id)
    busy = await push_of(desk.sessionmaker, busy_notice.id)
    sms.fail_next = [503]
    runtime: Runtime = client.app.state.runtime
    assert (
        await in_app(client, runtime.deliverer.deliver, busy.id)
    ).status == DeliveryStatus.PENDING
    early = sms.receipt(str(busy.id), "delivered", secret=SECRET, taken=False)
    response = await client.post(PATH, content=early[0], headers=early[1])
    assert response.status_code == 409
    assert (await push_of(desk.sessionmaker, busy_notice.id)).status == DeliveryStatus.PENDING


async def test_receipts_are_refused_while_no_secret_is_configured(
    tmp_path: Path, migrated_database_url: str, sms: FakeSmsGateway
) -> None:
    from app.main import create_app

    settings = make_settings(tmp_path / "off", migrated_database_url, sms_gateway_url=sms.base_url)
    async with AsyncTestClient(app=create_app(settings)) as client:
        body, headers = sms.receipt(str(uuid4()), "delivered", secret="", taken=False)
        response = await client.post(PATH, content=body, headers=headers)
    assert response.status_code == 404


async def _openids(desk: Desk, notice: Notice) -> list[str]:
    from sqlalchemy import select

    from app.identity.models import ExternalAccount

    async with desk.sessionmaker() as db:
        return list(
            await db.scalars(
                select(ExternalAccount.subject).where(ExternalAccount.person_id == notice.person_id)
            )
        )


async def test_too_many_receipts_from_one_address_are_told_to_wait(
    client: AsyncTestClient[Litestar], desk: Desk, sms: FakeSmsGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from app.routes.public import sms_receipts

    _, delivery, _ = await _sms_sent(client, desk)
    monkeypatch.setattr(sms_receipts, "RECEIPTS_PER_MINUTE", 2)
    answers = [
        await _post(client, sms.receipt(str(delivery.id), "delivered", secret=SECRET))
        for _ in range(3)
    ]
    assert answers == [204, 204, 429]
    limited = await client.post(PATH, content=b"{}", headers={"X-Sms-Timestamp": "1"})
    assert limited.status_code == 429  # counted before the signature is even checked
    assert int(limited.headers["retry-after"]) >= 1
