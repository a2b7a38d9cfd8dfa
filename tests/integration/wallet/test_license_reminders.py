"""证照到期提醒 and revocation notices: the daily job, once per threshold, into the inbox."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.composition.runtime import Runtime
from app.notices.models import Delivery, DeliveryChannel, DeliveryStatus, Notice
from app.notices.texts import NoticeKind
from app.wallet.models import LicenseStatus
from app.wallet.reminders import remind_expiring, reminder_key
from app.wallet.service import Holder
from app.worker import remind_expiring_licenses, worker_options
from tests.conftest import csrf_token, in_app, make_settings, sign_in_as
from tests.integration.notice_support import deliveries_of, push_of
from tests.integration.wallet_support import (
    change_license,
    enterprise_of,
    issue,
    new_phone,
    person_id,
    wallet_for,
)

Client = AsyncTestClient[Litestar]
_NOTICE_FORM = re.compile(r'action="/me/notices/([0-9a-f-]{36})/read"')


async def _run_job(client: Client, now: datetime) -> int:
    """The worker's job function itself, on the app's sessions, at a fixed moment."""
    runtime: Runtime = client.app.state.runtime
    ctx = {"settings": runtime.settings, "sessionmaker": runtime.sessionmaker}
    return await in_app(client, lambda: remind_expiring_licenses(ctx, now=now))


async def _notices_about(client: Client, license_id: UUID) -> list[Notice]:
    runtime: Runtime = client.app.state.runtime

    async def read() -> list[Notice]:
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(
                select(Notice).where(Notice.license_id == license_id).order_by(Notice.created_at)
            )
            return list(rows)

    return await in_app(client, read)


async def _signed_in_holder(client: Client) -> Holder:
    phone = new_phone()
    await sign_in_as(client, phone)
    return Holder.person(await person_id(client, phone))


async def test_a_license_is_reminded_once_30_days_and_once_7_days_before_it_expires(
    client: Client,
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    holder = await _signed_in_holder(client)
    license_ = await issue(
        client, holder, source_ref=f"test:{uuid.uuid4()}", valid_until=start + timedelta(days=40)
    )

    assert await _run_job(client, start + timedelta(days=5)) == 0  # 35 days left
    assert await _run_job(client, start + timedelta(days=11)) == 1  # 29 days left
    assert await _run_job(client, start + timedelta(days=11)) == 0  # the same day again
    assert await _run_job(client, start + timedelta(days=20)) == 0  # 20 days: nothing new
    assert await _run_job(client, start + timedelta(days=34)) == 1  # 6 days left
    assert await _run_job(client, start + timedelta(days=36)) == 0

    notices = await _notices_about(client, license_.id)
    assert [n.subject_key for n in notices] == [
        reminder_key(license_.id, 30),
        reminder_key(license_.id, 7),
    ]
    assert all(n.kind == NoticeKind.LICENSE_EXPIRING for n in notices)
    assert all(n.person_id == holder.id and n.application_id is None for n in notices)
    assert notices[0].params["number"] == license_.number
    assert notices[1].params["days"] == "6"


async def test_a_license_issued_close_to_its_end_gets_only_the_nearest_reminder(
    client: Client,
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    holder = await _signed_in_holder(client)
    license_ = await issue(
        client, holder, source_ref=f"test:{uuid.uuid4()}", valid_until=start + timedelta(days=5)
    )
    assert await _run_job(client, start) == 1
    [notice] = await _notices_about(client, license_.id)
    assert notice.subject_key == reminder_key(license_.id, 7)


async def test_revoked_and_expired_licenses_are_not_reminded_and_a_revocation_is_told_once(
    client: Client,
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    holder = await _signed_in_holder(client)
    until = start + timedelta(days=20)
    revoked = await issue(client, holder, source_ref=f"test:{uuid.uuid4()}", valid_until=until)
    expired = await issue(client, holder, source_ref=f"test:{uuid.uuid4()}", valid_until=until)
    await change_license(client, expired.id, status=LicenseStatus.EXPIRED)
    runtime: Runtime = client.app.state.runtime

    async def revoke() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            wallet = wallet_for(db, client)
            found = await wallet.by_id(revoked.id)
            assert found is not None
            await wallet.revoke(found, "登记错误")

    await in_app(client, revoke)

    assert await _run_job(client, start + timedelta(days=1)) == 0
    assert await _notices_about(client, expired.id) == []
    [told] = await _notices_about(client, revoked.id)
    assert told.kind == NoticeKind.LICENSE_REVOKED
    assert told.person_id == holder.id

    page = await client.get("/messages")
    assert "证照已被注销" in page.text


async def test_the_reminder_is_shown_in_the_inbox_and_opens_the_license_in_the_wallet(
    client: Client,
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    holder = await _signed_in_holder(client)
    license_ = await issue(
        client, holder, source_ref=f"test:{uuid.uuid4()}", valid_until=start + timedelta(days=25)
    )
    assert await _run_job(client, start) == 1

    inbox = await client.get("/messages")
    assert "证照即将到期" in inbox.text
    assert license_.number in inbox.text
    assert 'class="badge count">1' in inbox.text
    [notice_id] = _NOTICE_FORM.findall(inbox.text)
    english = await client.get("/messages", headers={"Accept-Language": "en"})
    assert "A license expires soon" in english.text

    opened = await client.post(
        f"/me/notices/{notice_id}/read", data={"_csrf_token": await csrf_token(client)},
        follow_redirects=False,
    )  # fmt: skip
    assert opened.headers["location"] == f"/me/licenses/{license_.id}"
    assert (await client.get(opened.headers["location"])).status_code == 200


async def test_the_reminder_goes_out_through_the_outbox_like_any_notice(client: Client) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    holder = await _signed_in_holder(client)
    license_ = await issue(
        client, holder, source_ref=f"test:{uuid.uuid4()}", valid_until=start + timedelta(days=3)
    )
    assert await _run_job(client, start) == 1
    [notice] = await _notices_about(client, license_.id)
    runtime: Runtime = client.app.state.runtime

    async def push_delivery() -> dict[DeliveryChannel, Delivery]:
        for _ in range(100):
            if (await push_of(runtime.sessionmaker, notice.id)).status != DeliveryStatus.PENDING:
                return await deliveries_of(runtime.sessionmaker, notice.id)
            await asyncio.sleep(0.05)
        raise AssertionError("the push delivery stayed pending")

    deliveries = await in_app(client, push_delivery)
    assert deliveries[DeliveryChannel.IN_APP].status == DeliveryStatus.SENT
    # No WeChat or Alipay account is bound: the push went by SMS, the next in the order.
    assert deliveries[DeliveryChannel.SMS].status == DeliveryStatus.SENT
    sent = await in_app(client, runtime.sms.recent_notices)  # type: ignore[attr-defined]
    # Earlier runs' messages stay in a shared Redis: only one sent since this test began.
    assert [s for s in sent if license_.number in s.code and s.sent_at >= start.timestamp()]


async def test_an_enterprise_license_reminds_its_legal_representative_acting_for_it(
    client: Client,
) -> None:
    representative = new_phone()
    await sign_in_as(client, representative)
    enterprise_id, _, _ = await enterprise_of(client, representative)
    start = datetime.now(UTC).replace(microsecond=0)
    license_ = await issue(
        client, Holder.enterprise(enterprise_id), source_ref=f"test:{uuid.uuid4()}",
        valid_until=start + timedelta(days=10),
    )  # fmt: skip
    assert await _run_job(client, start) == 1
    [notice] = await _notices_about(client, license_.id)
    assert notice.enterprise_id == enterprise_id
    assert notice.person_id == await person_id(client, representative)

    token = await csrf_token(client)
    [notice_id] = _NOTICE_FORM.findall((await client.get("/messages")).text)
    as_self = await client.post(
        f"/me/notices/{notice_id}/read", data={"_csrf_token": token}, follow_redirects=False
    )
    assert as_self.headers["location"] == "/me/enterprises"  # act for it first
    form = {"enterprise_id": str(enterprise_id), "next": "/me", "_csrf_token": token}
    await client.post("/me/acting-as", data=form)
    acting = await client.post(
        f"/me/notices/{notice_id}/read", data={"_csrf_token": token}, follow_redirects=False
    )
    assert acting.headers["location"] == f"/me/licenses/{license_.id}"
    assert (await client.get(acting.headers["location"])).status_code == 200


async def test_a_rolled_back_run_leaves_no_notice_and_no_delivery(client: Client) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    holder = await _signed_in_holder(client)
    license_ = await issue(
        client, holder, source_ref=f"test:{uuid.uuid4()}", valid_until=start + timedelta(days=3)
    )
    runtime: Runtime = client.app.state.runtime

    async def run_and_roll_back() -> tuple[int, int]:
        async with runtime.sessionmaker() as db:
            made = await remind_expiring(db, days=(30, 7), now=start)
            await db.flush()
            await db.rollback()
        async with runtime.sessionmaker() as db:
            left = await db.scalar(
                select(func.count())
                .select_from(Delivery)
                .join(Notice)
                .where(Notice.license_id == license_.id)
            )
        return made, int(left or 0)

    made, deliveries = await in_app(client, run_and_roll_back)
    assert made == 1
    assert deliveries == 0
    assert await _notices_about(client, license_.id) == []
    # The next run still sends it: nothing was marked as done.
    assert await _run_job(client, start) == 1


def test_the_worker_reminds_once_a_day() -> None:
    options = worker_options(make_settings(Path("/tmp")), engine=None, parts={})  # type: ignore[arg-type]
    assert remind_expiring_licenses in options["functions"]
    [job] = [j for j in options["cron_jobs"] if j.coroutine is remind_expiring_licenses]
    assert job.hour == {9}
    assert job.unique
