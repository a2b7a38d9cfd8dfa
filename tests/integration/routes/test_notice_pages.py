"""The inbox (消息) and live progress through the real app: pages, badge, SSE, worker."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.applications.acceptance import WindowDesk
from app.applications.case_models import Application
from app.applications.context import Clock
from app.applications.states import Actor
from app.composition.runtime import Runtime
from app.config import Settings
from app.notices.delivery import due_deliveries, sweep
from app.notices.models import Delivery, DeliveryChannel, DeliveryStatus
from app.platforms.sms import DevOutbox
from tests.conftest import csrf_token, in_app, make_settings, sign_in_as
from tests.integration.application_support import (
    Desk,
    engine_sessionmaker,
    new_phone,
)
from tests.integration.notice_support import deliveries_of, notices_of, push_of
from tests.integration.routes.test_application_pages import _desk, _resident_with_draft, _submit

_NOTICE_FORM = re.compile(r'action="/me/notices/([0-9a-f-]{36})/read"')


@pytest.fixture
def settings(tmp_path: Path, migrated_database_url: str) -> Settings:
    """Short live streams: the test client reads a response whole."""
    return make_settings(tmp_path / "var", migrated_database_url, live_stream_seconds=1.5)


async def _submitted(apps: AsyncTestClient[Litestar], **fields: str) -> UUID:
    _, draft = await _resident_with_draft(apps, **({"uploads": ("birth-proof",)} if fields else {}))
    done, _ = await _submit(apps, draft, **fields)
    assert done.status_code == 303, done.text
    return UUID(done.headers["location"].rsplit("/", 1)[1])


async def test_the_inbox_shows_the_notice_unread_with_a_badge_until_it_is_opened(
    apps: AsyncTestClient[Litestar],
) -> None:
    application_id = await _submitted(apps)  # complete: accepted at once

    inbox = await apps.get("/messages")
    assert inbox.status_code == 200
    assert "办件已受理" in inbox.text
    assert "已受理，并已分送各部门办理" in inbox.text
    assert 'class="badge count">1' in inbox.text
    [notice_id] = _NOTICE_FORM.findall(inbox.text)

    opened = await apps.post(
        f"/me/notices/{notice_id}/read", data={"_csrf_token": await csrf_token(apps)},
        follow_redirects=False,
    )  # fmt: skip
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/me/applications/{application_id}"
    again = await apps.get("/messages", headers={"Accept-Language": "en"})
    assert 'class="badge count"' not in again.text
    assert "Unread" not in again.text


async def test_the_inbox_is_in_the_readers_language(apps: AsyncTestClient[Litestar]) -> None:
    await _submitted(apps)
    apps.cookies.set("lang", "en")
    inbox = await apps.get("/messages")
    assert "Application accepted" in inbox.text
    assert "has been accepted and sent to the departments" in inbox.text


async def test_another_persons_notice_and_live_stream_answer_404(
    apps: AsyncTestClient[Litestar],
) -> None:
    application_id = await _submitted(apps)
    [notice_id] = _NOTICE_FORM.findall((await apps.get("/messages")).text)
    await sign_in_as(apps, new_phone())

    assert (await apps.get(f"/me/applications/{application_id}/live")).status_code == 404
    token = await csrf_token(apps)
    read = await apps.post(f"/me/notices/{notice_id}/read", data={"_csrf_token": token})
    assert read.status_code == 404
    assert _NOTICE_FORM.findall((await apps.get("/messages")).text) == []


async def test_the_live_stream_tells_the_owner_when_the_window_accepts(
    apps: AsyncTestClient[Litestar],
) -> None:
    application_id = await _submitted(apps, commitment="yes")  # waits at the window
    page = await apps.get(f"/me/applications/{application_id}")
    found = re.search(r'data-live-url="([^"]+)"', page.text)
    assert found is not None
    live_url = found.group(1).replace("&amp;", "&")
    runtime: Runtime = apps.app.state.runtime
    desk = _desk(apps)

    async def accept() -> None:
        async with desk.context() as ctx:
            application = await ctx.db.get(Application, application_id)
            assert application is not None
            await WindowDesk(ctx).accept_on_commitment(
                application, Actor.staff(application.person_id)
            )

    async def accept_soon() -> None:
        await asyncio.sleep(0.5)
        await in_app(apps, accept)

    # The test client answers a request on this thread, blocking its loop until the stream
    # ends: read the stream from another thread while this one accepts the application.
    stream, _ = await asyncio.gather(
        asyncio.to_thread(asyncio.run, apps.get(live_url)), accept_soon()
    )

    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert "event: changed" in stream.text
    assert runtime is apps.app.state.runtime


async def test_a_committed_change_is_delivered_by_the_worker_once(
    apps: AsyncTestClient[Litestar],
) -> None:
    started = time.time()
    application_id = await _submitted(apps)
    runtime: Runtime = apps.app.state.runtime

    async def sms_delivery() -> Delivery:
        for _ in range(100):
            [notice] = await notices_of(runtime.sessionmaker, application_id)
            found = await push_of(runtime.sessionmaker, notice.id)
            if found.status != DeliveryStatus.PENDING:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError("the SMS delivery stayed pending")

    delivery = await in_app(apps, sms_delivery)
    assert delivery.status == DeliveryStatus.SENT
    assert isinstance(runtime.sms, DevOutbox)

    async def number() -> str:
        async with runtime.sessionmaker() as db:
            found = await db.get(Application, application_id)
            assert found is not None
            return found.number

    # The outbox is shared by every test, and by earlier runs, on a shared Redis; numbers
    # restart with each fresh database: only this application's message, sent just now.
    mine = await in_app(apps, number)
    outbox = await in_app(apps, runtime.sms.recent_notices)
    [sent] = [m for m in outbox if mine in m.code and m.sent_at >= started]
    assert "*" in sent.phone  # masked even in the developer outbox


async def test_deliveries_whose_jobs_were_lost_are_swept_and_sent_once(
    apps: AsyncTestClient[Litestar],
) -> None:
    runtime: Runtime = apps.app.state.runtime
    # Sessions without a dispatcher: the change commits but no job is queued, as when
    # Redis was flushed or the process died between the commit and the enqueue.
    lost = Desk(
        engine_sessionmaker(runtime.engine), runtime.protector,
        runtime.settings.var_dir / "files", Clock(),
    )  # fmt: skip

    async def submit_sweep_and_wait() -> tuple[int, set[UUID], DeliveryStatus, str]:
        person = await lost.person()
        application = await lost.submit(person, await lost.draft(person))
        [notice] = await notices_of(runtime.sessionmaker, application.id)
        later = datetime.now(UTC) + timedelta(minutes=1)
        queued = await sweep(runtime.sessionmaker, runtime.jobs, now=later)
        for _ in range(200):
            sms = await push_of(runtime.sessionmaker, notice.id)
            if sms.status != DeliveryStatus.PENDING:
                break
            await asyncio.sleep(0.05)
        async with runtime.sessionmaker() as db:
            still_due = {i for i, _ in await due_deliveries(db, later)}
        mine = set((await deliveries_of(runtime.sessionmaker, notice.id)).values())
        return queued, still_due & {d.id for d in mine}, DeliveryStatus(sms.status), sms.channel

    queued, again, status, channel = await in_app(apps, submit_sweep_and_wait)
    assert queued >= 1  # this notice's push (and any other left pending)
    assert (status, channel) == (DeliveryStatus.SENT, DeliveryChannel.SMS)  # the only one on
    assert again == set()  # every one of them reached a final status
