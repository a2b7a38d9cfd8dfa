"""Shared fixtures: settings on a throw-away database, a migrated schema, running apps.

With ``DATABASE_URL`` naming PostgreSQL, a fresh database is created on that server for
the session and dropped afterwards; otherwise SQLite files live under pytest's tmp dir.
With ``REDIS_URL`` set, apps use that Redis; otherwise each app starts the embedded one.

Under pytest-xdist (``make test`` runs ``-n auto``) "the session" is one worker's: each
worker has its own temporary directory, so its own SQLite files or PostgreSQL databases,
and its own Redis database number (tests/parallel.py), so that no worker reads, counts or
deletes another's keys.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url

from app.config import Environment, Settings
from app.db import database_config
from app.main import create_app
from tests import hypothesis_profiles  # noqa: F401  (loads the ci / long profile)
from tests.pii_scan import scan_files, scan_redis, scan_texts

T = TypeVar("T")


# pytest-xdist: a Redis database per worker, the browser group (tests/parallel.py).
pytest_plugins = ["tests.parallel"]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Who searches for personal numbers (see the end of this file): xdist's controller runs
    no test, each worker searches what it produced and reports back. (xdist registers its
    controller in its own, last, pytest_configure: known from here on.)"""
    global _IS_XDIST_CONTROLLER
    _IS_XDIST_CONTROLLER = session.config.pluginmanager.hasplugin("dsession")


def worker_label() -> str:
    """``gw0``, ``gw1`` … in an xdist worker, ``main`` in a serial run (names test databases)."""
    return os.environ.get("PYTEST_XDIST_WORKER") or "main"


def _postgres_admin_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql")) else None


def _postgres(admin_url: str, statement: str) -> None:
    """Run one statement on the server, also from inside an async test's running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _postgres_async(admin_url, statement)).result()


async def _postgres_async(admin_url: str, statement: str) -> None:
    import asyncpg

    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def fresh_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A factory of empty databases: PostgreSQL when DATABASE_URL says so, else SQLite."""
    admin = _postgres_admin_url()
    created: list[str] = []

    def make(label: str = "db") -> str:
        if admin is None:
            return f"sqlite:///{tmp_path_factory.mktemp(label) / 'onething.db'}"
        name = f"onething_test_{worker_label()}_{label}_{uuid.uuid4().hex[:8]}"
        _postgres(admin, f'CREATE DATABASE "{name}"')
        created.append(name)
        return make_url(admin).set(database=name).render_as_string(hide_password=False)

    yield make
    for name in created:
        _postgres(admin or "", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_settings(var_dir: Path, database_url: str | None = None, **overrides: object) -> Settings:
    """Test settings: a private var dir, the given database, REDIS_URL from the environment."""
    return msgspec.structs.replace(
        Settings(
            env=Environment.TEST,
            var_dir=var_dir,
            database_url=database_url,
            redis_url=os.environ.get("REDIS_URL") or None,
            # Each app under test runs its own worker, also against a shared REDIS_URL.
            worker_in_process=True,
            secret_key="t" * 48,
            log_json=True,
            heartbeat_interval_seconds=1,
            heartbeat_stale_seconds=5,
            # Redis answers in microseconds, but a 2-core machine running the suite on two
            # workers beside Chromium has stalled a read past 1 s (seen in CI's setup of
            # test_passkeys). Tests of a silent Redis set their own limit.
            readiness_timeout_seconds=5.0,
            # The stand-ins answer on the app's own port, which an ASGI test client never
            # opens: a test that signs in through them serves the app (test_mp_standins.py).
            platform_standins=False,
        ),
        **overrides,
    )


def migrate(settings: Settings, revision: str = "head", *, down: bool = False) -> None:
    """Run Alembic through advanced-alchemy, as ``python -m app migrate`` does."""
    from advanced_alchemy.alembic.commands import AlembicCommands

    commands = AlembicCommands(sqlalchemy_config=database_config(settings))
    if down:
        commands.downgrade(revision=revision)
    else:
        commands.upgrade(revision=revision)


@pytest.fixture(scope="session")
def migrated_database_url(
    fresh_database_url: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One migrated database with the demo data, shared by the session's app tests."""
    from app.demo import load_demo_data

    url: str = fresh_database_url("app")  # type: ignore[operator]
    settings = make_settings(tmp_path_factory.mktemp("migrate"), url)
    migrate(settings)
    asyncio.run(load_demo_data(settings))
    yield url
    # A dump of the database the whole session wrote holds no personal number in clear
    # (SQLite files are searched with the other files at the end of the session).
    if _postgres_admin_url():
        with ThreadPoolExecutor(max_workers=1) as pool:
            found = pool.submit(asyncio.run, _scan_postgres(url)).result()
        assert not found, "personal numbers in clear in PostgreSQL:\n" + "\n".join(found[:50])


async def _scan_postgres(url: str) -> list[str]:
    """Every row of every table, as PostgreSQL prints it."""
    import asyncpg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        items = []
        for (table,) in tables:
            rows = await connection.fetch(f'SELECT t::text FROM "{table}" t')  # noqa: S608
            items += [(f"postgres {table}", row[0]) for row in rows]
        return scan_texts(items)
    finally:
        await connection.close()


@pytest.fixture
def settings(tmp_path: Path, migrated_database_url: str) -> Settings:
    """Settings for one test: its own var dir (embedded Redis) on the shared database."""
    return make_settings(tmp_path / "var", migrated_database_url)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    """The real app for these settings (not started)."""
    return create_app(settings)


async def in_app(
    client: AsyncTestClient[Litestar], fn: Callable[..., Awaitable[T]], *args: object
) -> T:
    """Run ``fn(*args)`` on the app's event loop.

    The test client serves the app from its own thread and loop; the app's Redis and
    database connections belong to that loop, so tests reach them only through it.
    """
    return await asyncio.to_thread(client.blocking_portal.call, fn, *args)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A started app (lifespan: Redis, worker) and an HTTP client for it.

    Afterwards the app's own (embedded) Redis is searched for personal numbers in clear; a
    shared ``REDIS_URL`` is searched once, at the end of the session.
    """
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as test_client:
        await in_app(test_client, _forget_rate_limits, test_client.app.state.runtime.redis)
        yield test_client
        if not os.environ.get("REDIS_URL"):
            found = await in_app(test_client, scan_redis, test_client.app.state.runtime.redis)
            assert not found, "personal numbers in clear in Redis:\n" + "\n".join(found)


async def _forget_rate_limits(redis: Any) -> None:
    """Each test starts with fresh code counters, also on a REDIS_URL shared by the suite.

    All tests send codes from the same test-client address; on a shared Redis the hourly
    per-address limit would otherwise trip part-way through the suite.
    """
    keys = [
        key
        for pattern in ("onething:otp:*", "onething:limit:*")
        async for key in redis.scan_iter(match=pattern, count=500)
    ]
    if keys:
        await redis.delete(*keys)


async def csrf_token(client: AsyncTestClient[Litestar]) -> str:
    """The CSRF token a browser would have after loading any page."""
    if "csrftoken" not in client.cookies:
        await client.get("/sign-in")
    return str(client.cookies["csrftoken"])


async def latest_code(client: AsyncTestClient[Litestar]) -> str:
    """The newest code in the developer SMS outbox of the app under test."""
    from app.platforms.sms import DevOutbox

    sms = client.app.state.runtime.sms
    assert isinstance(sms, DevOutbox)
    messages = await in_app(client, sms.recent)
    return messages[0].code


async def sign_in_as(client: AsyncTestClient[Litestar], phone: str) -> None:
    """Sign in through the real two-step form, reading the code from the outbox."""
    token = await csrf_token(client)
    sent = await client.post("/sign-in/code", data={"phone": phone, "_csrf_token": token})
    assert sent.status_code == 200, sent.text
    code = await latest_code(client)
    done = await client.post(
        "/sign-in/verify",
        data={"phone": phone, "code": code, "_csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


async def forget_code_cooldown(client: AsyncTestClient[Litestar], phone: str) -> None:
    """As if the one-minute wait between codes for ``phone`` had passed."""
    from app.protection import SensitiveKind

    runtime = client.app.state.runtime
    index = runtime.protector.blind_index(phone, SensitiveKind.PHONE)
    await in_app(client, runtime.redis.delete, f"onething:otp:cooldown:{index}")


# Personal-data hygiene (tests/pii_scan.py): what every test printed and logged is searched
# as it finishes; the files and databases the session leaves, when it ends. Under xdist each
# worker searches its own and hands what it found to the controller, which fails the run.
_PERSONAL_NUMBERS: list[str] = []
_IS_XDIST_CONTROLLER = False


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Search what the test printed and logged (captured stdout, stderr and log records).

    The teardown report carries the sections of all three phases. The xdist controller sees
    the workers' reports again: the workers have searched them already.
    """
    if report.when == "teardown" and not _IS_XDIST_CONTROLLER:
        _PERSONAL_NUMBERS.extend(
            scan_texts((f"{report.nodeid} {title}", text) for title, text in report.sections)
        )


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """The xdist controller collects what a finished worker found (see pytest_sessionfinish)."""
    output = getattr(node, "workeroutput", None) or {}
    _PERSONAL_NUMBERS.extend(output.get("personal_numbers", []))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Search every file under the session's temporary directory, and shared services.

    An xdist worker's temporary directory and Redis database are its own; it sends what it
    found to the controller, since only the controller's exit status decides the run.
    """
    config = session.config
    if not hasattr(config, "_tmp_path_factory") or config.option.collectonly:
        return
    found = list(_PERSONAL_NUMBERS)
    if not _IS_XDIST_CONTROLLER:
        found += scan_files(config._tmp_path_factory.getbasetemp())
        found += _scan_shared_services()
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["personal_numbers"] = found
    if found:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_sep("=", "personal numbers in clear", red=True)
            for line in found[:50]:
                reporter.write_line(line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _scan_shared_services() -> list[str]:
    """The REDIS_URL database, when set (a worker's own under xdist)."""
    found: list[str] = []
    if url := os.environ.get("REDIS_URL"):
        from redis.asyncio import Redis

        async def redis_scan() -> list[str]:
            client = Redis.from_url(url)
            try:
                return await scan_redis(client)
            finally:
                await client.aclose()

        found += asyncio.run(redis_scan())
    return found
