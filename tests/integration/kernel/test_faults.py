"""The app under backend faults: fast 503s, no half-written application, one per key.

The database is a private PostgreSQL cluster made for this module (restarting the shared
server would break every other test), reached through a local fault proxy that can cut or
blackhole the connections. The app is the real one, in-process behind the test client.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.applications.case_models import Application, ApplicationEvent, SubCase
from app.applications.context import Clock
from app.applications.models import Draft
from app.composition.build import create_engine
from app.composition.runtime import Runtime
from app.config import Settings
from app.embedded_redis import EmbeddedRedis
from app.main import create_app
from app.platforms.sms import DevOutbox
from app.privacy import mask_phone
from tests.conftest import _postgres, in_app, make_settings, migrate, sign_in_as
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.faultproxy import FaultProxy
from tests.integration.application_support import Desk, new_phone
from tests.integration.notice_worker_support import PrivatePostgres, eventually, private_cluster
from tests.integration.sweep_fault_support import Sweeping

Client = AsyncTestClient[Litestar]
CONNECT_TIMEOUT = 2.0
STATEMENT_TIMEOUT = 3.0
# A correctness bound, not a speed test: the configured limits plus room for a loaded machine.
FAIL_FAST = CONNECT_TIMEOUT + STATEMENT_TIMEOUT + 5.0
BURST = 20
WAIT = 150.0  # seconds: a loaded 2-core machine starts a worker's Python slowly
BASE_URL = "http://127.0.0.1:8000"
STAGGER = 0.1  # seconds between two submissions of the burst


class Cluster:
    """The private cluster and the migrated database on it."""

    def __init__(self, server: PrivatePostgres, url: str) -> None:
        self.server, self.url = server, url


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    from app.demo import load_demo_data

    with private_cluster(only_with_postgres_url=False) as server:
        _postgres(server.admin_url, 'CREATE DATABASE "onething_faults"')
        url = server.admin_url.rsplit("/", 1)[0] + "/onething_faults"
        settings = make_settings(tmp_path_factory.mktemp("faults-migrate"), url)
        migrate(settings)
        asyncio.run(load_demo_data(settings))
        yield Cluster(server, url)


@pytest.fixture
def proxy(cluster: Cluster) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", cluster.server.port) as fault_proxy:
        yield fault_proxy


@pytest.fixture
def settings(tmp_path: Path, proxy: FaultProxy, cluster: Cluster) -> Settings:
    """The app reaches its database only through the proxy, with short time limits."""
    return make_settings(
        tmp_path / "var", proxy.url_for(cluster.url),
        database_connect_timeout_seconds=CONNECT_TIMEOUT,
        database_statement_timeout_seconds=STATEMENT_TIMEOUT,
    )  # fmt: skip


class Resident:
    """A person with a bearer token and a draft at its review."""

    def __init__(self, headers: dict[str, str], draft: Draft) -> None:
        self.headers, self.draft = headers, draft
        self.key = f"fault-{uuid4().hex}"  # hex: no run of digits reads as a phone number

    def submit_body(self) -> dict[str, str]:
        return {"draftId": str(self.draft.id), "delivery": "electronic"}


async def _resident(client: Client) -> Resident:
    runtime: Runtime = client.app.state.runtime
    desk = Desk(runtime.sessionmaker, runtime.protector, runtime.settings.var_dir / "files",
                Clock())  # fmt: skip

    async def make() -> Resident:
        person = await desk.person(new_phone())
        draft = await desk.draft(person)
        tokens = await runtime.tokens.issue(person.id, epoch=person.session_epoch)
        return Resident({"Authorization": f"Bearer {tokens.access_token}"}, draft)

    return await in_app(client, make)


async def _timed(request: Any) -> tuple[Any, float]:
    started = time.monotonic()
    response = await request
    return response, time.monotonic() - started


def _assert_unavailable(response: Any, elapsed: float, *, page: bool = False) -> None:
    assert response.status_code == 503, response.text[:500]
    assert response.headers["retry-after"].isdigit()
    assert elapsed < FAIL_FAST, f"503 after {elapsed:.1f} s"
    kind = "text/html" if page else "application/problem+json"
    assert response.headers["content-type"].startswith(kind)


async def _mine(client: Client, resident: Resident) -> Any:
    return await client.get("/mp/v1/applications", headers=resident.headers)


async def _page(client: Client) -> Any:
    # A signed-in resident's page: it reads the session (Redis) and then the database.
    return await client.get(
        "/me/applications", headers={"Accept-Language": "en"}, follow_redirects=False
    )


async def test_a_cut_or_silent_database_answers_503_within_the_time_limit_then_recovers(
    client: Client, proxy: FaultProxy
) -> None:
    resident = await _resident(client)
    await sign_in_as(client, new_phone())  # the page below reads the database for them
    assert (await _mine(client, resident)).status_code == 200
    assert (await _page(client)).status_code == 200

    proxy.cut()
    _assert_unavailable(*await _timed(_mine(client, resident)))
    proxy.heal()
    await _eventually_ok(client, resident)

    proxy.blackhole()
    _assert_unavailable(*await _timed(_mine(client, resident)))
    page, elapsed = await _timed(_page(client))
    _assert_unavailable(page, elapsed, page=True)
    assert "temporarily unavailable" in page.text  # the localized error page, in English
    proxy.heal()
    await _eventually_ok(client, resident)


async def test_no_sign_in_code_is_texted_while_the_database_is_down_and_the_retry_gets_one(
    client: Client, proxy: FaultProxy
) -> None:
    """The code and its security record are stored before the text goes out (issue 18).

    It used to be texted first: the record then failed, the answer was 503, and the resend
    wait had started, so the person's retry got 429 for a code the page never asked for.
    """
    phone = new_phone()
    outbox: DevOutbox = client.app.state.runtime.sms

    async def texted() -> int:
        return sum(message.phone == mask_phone(phone) for message in await outbox.recent())

    proxy.cut()
    refused, elapsed = await _timed(client.post("/mp/v1/auth/sms-codes", json={"phone": phone}))
    _assert_unavailable(refused, elapsed)
    assert await in_app(client, texted) == 0
    proxy.heal()

    retried = await client.post("/mp/v1/auth/sms-codes", json={"phone": phone})
    assert retried.status_code == 202, retried.text  # not 429: the wait was lifted
    assert await in_app(client, texted) == 1


async def _eventually_ok(client: Client, resident: Resident) -> None:
    async def ok() -> bool:
        response = await _mine(client, resident)
        return bool(response.status_code == 200)

    await eventually(ok, timeout=FAIL_FAST * 2, what="a 200 after the proxy healed")


async def test_a_database_restart_mid_burst_leaves_one_whole_application_per_key(
    apps: Client, cluster: Cluster
) -> None:
    client = apps  # the app with the small test catalog its drafts are made from
    residents = [await _resident(client) for _ in range(BURST)]

    async def submit_later(index: int, resident: Resident) -> tuple[Any, float]:
        await asyncio.sleep(index * STAGGER)  # a stream over the restart, not one volley
        return await submit(resident)

    async def submit(resident: Resident) -> tuple[Any, float]:
        headers = {**resident.headers, "Idempotency-Key": resident.key}
        return await _timed(
            client.post("/mp/v1/applications", json=resident.submit_body(), headers=headers)
        )

    async def restart_soon() -> None:
        await asyncio.sleep(BURST * STAGGER / 4)  # some are through, others mid-transaction
        await asyncio.to_thread(cluster.server.restart)

    submitted = asyncio.gather(*(submit_later(i, r) for i, r in enumerate(residents)))
    answers, _ = await asyncio.gather(submitted, restart_soon())
    statuses = [response.status_code for response, _ in answers]
    for response, elapsed in answers:
        if response.status_code != 201:
            _assert_unavailable(response, elapsed)
    assert 503 in statuses, f"the restart hit no submission: {statuses}"

    # After recovery, every applicant retries with the same key: each gets one application.
    first_ids = {r.key: resp.json()["id"] for r, (resp, _) in zip(residents, answers, strict=True)
                 if resp.status_code == 201}  # fmt: skip
    for resident in residents:
        response = await _retry_until_answered(submit, resident)
        assert response.status_code == 201, response.text
        assert first_ids.get(resident.key, response.json()["id"]) == response.json()["id"]
    await _assert_whole_applications(cluster, residents)


async def _retry_until_answered(submit: Any, resident: Resident) -> Any:
    deadline = time.monotonic() + 60
    while True:
        response, _ = await submit(resident)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.5)


async def _assert_whole_applications(cluster: Cluster, residents: list[Resident]) -> None:
    """One application per key and per draft, each with its history, sub-cases, closed draft."""
    engine = create_engine(make_settings(Path("/nonexistent"), cluster.url))
    try:
        async with engine.connect() as db:
            keys = [r.key for r in residents]
            drafts = {r.draft.id for r in residents}
            query = select(Application.id, Application.matter_codes, Application.draft_id)
            rows = (await db.execute(query.where(Application.idempotency_key.in_(keys)))).all()
            assert len(rows) == len(residents)
            assert {row.draft_id for row in rows} == drafts
            for application_id, matter_codes, _ in rows:
                events = select(func.count()).where(
                    ApplicationEvent.application_id == application_id
                )
                assert (await db.scalar(events) or 0) >= 1  # at least its submission
                sub_cases = select(func.count()).where(SubCase.application_id == application_id)
                assert await db.scalar(sub_cases) == len(matter_codes)
            still_open = select(func.count()).where(
                Draft.id.in_(drafts), Draft.submitted_at.is_(None)
            )
            assert await db.scalar(still_open) == 0
    finally:
        await engine.dispose()


@pytest.fixture
def redis_server() -> Iterator[EmbeddedRedis]:
    """A Redis of this test's own; a short directory, as a Unix socket path must be."""
    directory = Path(tempfile.mkdtemp(prefix="onething-redis-"))
    server = EmbeddedRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


async def test_a_cut_or_silent_redis_answers_503_within_the_time_limit_then_recovers(
    cluster: Cluster, redis_server: EmbeddedRedis, tmp_path: Path
) -> None:
    with FaultProxy.to_unix_socket(str(redis_server.socket_path)) as proxy:
        settings = make_settings(
            tmp_path / "var", cluster.url, redis_url=f"redis://127.0.0.1:{proxy.port}/0",
            worker_in_process=False,  # a worker's own waits on Redis are not what this tests
            readiness_timeout_seconds=1.0,  # the time limit a silent Redis is held to
        )  # fmt: skip
        async with AsyncTestClient(app=create_app(settings), base_url=BASE_URL) as client:
            resident = await _resident(client)  # its bearer token lives in Redis
            await sign_in_as(client, new_phone())  # and the page's session too
            assert (await _mine(client, resident)).status_code == 200

            proxy.cut()
            _assert_unavailable(*await _timed(_mine(client, resident)))
            proxy.heal()
            await _eventually_ok(client, resident)

            proxy.blackhole()
            _assert_unavailable(*await _timed(_mine(client, resident)))
            _assert_unavailable(*await _timed(_page(client)), page=True)
            proxy.heal()
            await _eventually_ok(client, resident)
            assert (await _page(client)).status_code == 200


async def test_a_sweep_killed_mid_transaction_writes_nothing_and_its_rerun_writes_once(
    cluster: Cluster, redis_server: EmbeddedRedis, tmp_path: Path
) -> None:
    """SIGKILL while the application sweep waits inside its transaction, then run it again.

    The test holds the applications' rows (``FOR UPDATE``), so the sweep's history insert
    waits on them after the sub-cases' cards were changed in its transaction: the kill lands
    mid-job, deterministically.
    """
    engine = create_engine(make_settings(tmp_path / "var", cluster.url))
    sweeping = Sweeping(engine, tmp_path / "var", redis_server.url)
    try:
        await sweeping.overdue_applications(3)
        with FakeSmsGateway() as sms:
            async with engine.connect() as holder:
                await holder.execute(
                    select(Application.id).where(Application.id.in_(sweeping.ids)).with_for_update()
                )
                first = sweeping.worker(sms, "killed")
                first.start()
                try:
                    await sweeping.enqueue()
                    await eventually(
                        sweeping.waiting_on_lock, timeout=WAIT, what="the sweep waiting mid-job"
                    )
                    first.kill()
                finally:
                    first.stop()
                await holder.rollback()
            assert await sweeping.red_events() == 0  # nothing of the killed job remains
            assert await sweeping.red_cards() == 0

            second = sweeping.worker(sms, "second")
            second.start()
            try:
                await sweeping.enqueue()
                await eventually(sweeping.all_red, timeout=WAIT, what="every card red",
                                 log=second.log_tail())  # fmt: skip
                assert await sweeping.run_once_more() == 0  # idempotent: nothing left to raise
            finally:
                second.stop()
            assert await sweeping.red_events() == sweeping.sub_cases
    finally:
        await engine.dispose()
