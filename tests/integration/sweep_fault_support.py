"""Applications whose sub-cases are overdue, and a real worker to sweep them (fault tests)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.applications.case_models import ApplicationEvent, Card, SubCase
from app.applications.context import Clock
from app.applications.states import Action
from app.composition.queue import create_job_pool
from app.protection import DataProtector, load_protection_keys
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.integration.application_support import Desk
from tests.integration.notice_worker_support import WorkerProcess

SWEEP_JOB = "sweep_applications"


class Sweeping:
    """Overdue applications on ``engine``'s database, swept by workers on ``redis_url``."""

    def __init__(self, engine: AsyncEngine, var_dir: Path, redis_url: str) -> None:
        self.engine, self.var_dir, self.redis_url = engine, var_dir, redis_url
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        protector = DataProtector(load_protection_keys(None, var_dir, production=False))
        self.desk = Desk(self.sessionmaker, protector, var_dir / "files", Clock())
        self.ids: list[UUID] = []
        self.sub_cases = 0

    async def overdue_applications(self, count: int) -> None:
        """``count`` accepted applications whose running sub-cases are all past their due day."""
        for _ in range(count):
            person = await self.desk.person()
            application = await self.desk.submit(person, await self.desk.draft(person))
            self.ids.append(application.id)
        past = Clock().today() - timedelta(days=10)
        async with self.sessionmaker() as db, db.begin():
            result = await db.execute(
                update(SubCase)
                .where(SubCase.application_id.in_(self.ids), SubCase.due_on.is_not(None))
                .values(due_on=past, card=Card.NONE)
            )
        self.sub_cases = int(result.rowcount)  # type: ignore[attr-defined]
        assert self.sub_cases >= count

    def worker(self, sms: FakeSmsGateway, label: str) -> WorkerProcess:
        url = self.engine.url.render_as_string(hide_password=False)
        return WorkerProcess.for_test(self.var_dir, database_url=url, redis_url=self.redis_url,
                                      sms_url=sms.base_url, label=label)  # fmt: skip

    async def enqueue(self) -> None:
        """Queue one sweep now (a new job each time, as the next cron run would be)."""
        pool = await create_job_pool(self.redis_url)
        try:
            assert await pool.enqueue_job(SWEEP_JOB) is not None
        finally:
            await pool.aclose()

    async def run_once_more(self) -> int:
        """Queue a sweep, wait for its result: how many cards it raised."""
        pool = await create_job_pool(self.redis_url)
        try:
            job = await pool.enqueue_job(SWEEP_JOB)
            assert job is not None
            result = await job.result(timeout=120, poll_delay=0.2)
            return int(result["red"]) + int(result["yellow"])
        finally:
            await pool.aclose()

    async def waiting_on_lock(self) -> bool:
        """Whether another session of the database waits on a row lock (the sweep, held)."""
        async with self.engine.connect() as db:
            query = text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            return bool(await db.scalar(query))

    async def red_cards(self) -> int:
        async with self.sessionmaker() as db:
            query = select(func.count()).where(
                SubCase.application_id.in_(self.ids), SubCase.card == Card.RED
            )
            return int(await db.scalar(query) or 0)

    async def all_red(self) -> bool:
        return await self.red_cards() == self.sub_cases

    async def red_events(self) -> int:
        async with self.sessionmaker() as db:
            query = select(func.count()).where(
                ApplicationEvent.application_id.in_(self.ids),
                ApplicationEvent.action == Action.WARNING_RED,
            )
            return int(await db.scalar(query) or 0)
