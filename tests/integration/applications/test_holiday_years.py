"""Working days past 2026 (issue 20, item 9): a deadline counted across a year whose holidays
are not loaded is provisional — on the applicant's page, on /mp/v1 and on the supervisors'
page, which says to load the year — until an administrator loads the State Council's notice
(``python -m app holidays load``): checked, audited, and the deadline counted again.

The 2027 notice here is made up for the test (the real one is not published as this is
written); its weekdays are computed, so that it reads as a real notice does.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, select

from app.applications.case_models import Application, ApplicationEvent, SubCase
from app.applications.context import CaseContext, Clock
from app.applications.holiday_models import HolidayYear
from app.audit.models import AuditEvent
from app.catalog.loader import default_catalog
from app.commands.holidays import load_notice, run_holidays
from app.composition.runtime import Runtime
from app.config import Settings
from tests.conftest import forget_code_cooldown, in_app, sign_in_as
from tests.integration.application_support import CATALOG, Desk, at, new_phone
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.staff_support import create_staff, sign_in_staff

Client = AsyncTestClient[Litestar]
MONDAY = date(2026, 12, 28)  # the insurance item (5 working days) runs into 2027
WEEK = "一二三四五六日"


def _day(day: date) -> str:
    return f"{day.month}月{day.day}日（周{WEEK[day.weekday()]}）"


def _range(first: date, last: date) -> str:
    return f"{_day(first)}至{_day(last)}放假调休，共{(last - first).days + 1}天。"


def notice_2027() -> str:
    """A made-up 2027 notice in the State Council's words (NOT the official schedule)."""
    d = date
    return "\n".join([
        "国务院办公厅关于2027年部分节假日安排的通知（测试用，非官方）",
        f"一、元旦：{_range(d(2027, 1, 1), d(2027, 1, 4))}{_day(d(2027, 1, 9))}上班。",
        f"二、春节：{_range(d(2027, 2, 5), d(2027, 2, 12))}{_day(d(2027, 2, 20))}上班。",
        f"三、清明节：{_range(d(2027, 4, 3), d(2027, 4, 5))}",
        f"四、劳动节：{_range(d(2027, 5, 1), d(2027, 5, 5))}",
        f"五、端午节：{_range(d(2027, 6, 9), d(2027, 6, 11))}",
        f"六、中秋节：{_range(d(2027, 9, 15), d(2027, 9, 17))}",
        f"七、国庆节：{_range(d(2027, 10, 1), d(2027, 10, 7))}{_day(d(2027, 10, 9))}上班。",
    ])  # fmt: skip


class RuntimeDesk(Desk):
    """The test catalog's desk on the app's own calendar (the one its refresh updates)."""

    def __init__(self, runtime: Runtime, clock: Clock) -> None:
        super().__init__(runtime.sessionmaker, runtime.protector,
                         runtime.settings.var_dir / "files", clock)  # fmt: skip
        self.calendar = runtime.calendar

    @asynccontextmanager
    async def context(self) -> AsyncIterator[CaseContext]:
        async with self.sessionmaker() as db, db.begin():
            yield CaseContext(
                db=db, catalog=CATALOG, protector=self.protector, calendar=self.calendar,
                storage=self.storage, rules=self.rules, clock=self.clock,
                license_types=default_catalog().licenses,
            )  # fmt: skip


async def _sub_cases(client: Client, application_id: UUID) -> dict[str, SubCase]:
    runtime: Runtime = client.app.state.runtime

    async def load() -> dict[str, SubCase]:
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(select(SubCase).where(SubCase.application_id == application_id))
            return {c.matter_code: c for c in rows}

    return await in_app(client, load)


async def _forget_2027(client: Client) -> None:
    runtime: Runtime = client.app.state.runtime

    async def forget() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await db.execute(delete(HolidayYear).where(HolidayYear.year == 2027))
        await runtime.refresh_calendar()

    await in_app(client, forget)


async def test_a_deadline_in_an_unloaded_year_is_provisional_until_its_notice_is_loaded(
    apps: Client, settings: Settings, tmp_path: Path
) -> None:
    runtime: Runtime = apps.app.state.runtime
    await _forget_2027(apps)  # as the calendar stands today: 2027 not loaded
    desk = RuntimeDesk(runtime, Clock(at(MONDAY)))
    phone = new_phone()

    async def submit() -> Application:
        person = await desk.person(phone)
        return await desk.submit(person, await desk.draft(person))  # accepted at once

    application = await in_app(apps, submit)
    cases = await _sub_cases(apps, application.id)
    # 2027-01-01 is no working day (the law fixes it): 28 December + 5 → 5 January 2027.
    assert (cases["insurance"].due_on, cases["insurance"].due_provisional_from) == (
        date(2027, 1, 5), 2027,
    )  # fmt: skip
    assert cases["certificate"].due_provisional_from is None  # due on 30 December 2026

    # The applicant's page and the mini-program say which deadline may move.
    await sign_in_as(apps, phone)
    page = await apps.get(f"/me/applications/{application.id}")
    assert "暂定：2027年节假日安排尚未公布" in page.text
    await forget_code_cooldown(apps, phone)
    auth = await bearer(apps, phone)
    body = (await apps.get(f"/mp/v1/applications/{application.id}", headers=auth)).json()
    flags = {c["matterCode"]: c["deadlineProvisional"] for c in body["subCases"]}
    assert flags["insurance"] is True
    assert flags["certificate"] is False

    # Supervisors are told to have the year loaded.
    supervisor = await create_staff(apps, role="supervisor")
    await sign_in_staff(apps, supervisor.username)
    board = await apps.get("/staff/supervision")
    assert "2027年的节假日安排尚未导入" in board.text

    try:
        # The administrator loads the notice: checked, stored, audited, deadlines recounted.
        loaded = await load_notice(settings, 2027, notice_2027(), "https://www.gov.cn/test",
                                   "值班管理员")  # fmt: skip
        assert (loaded.year, loaded.replaced) == (2027, False)
        assert loaded.settled >= 1
        await in_app(apps, runtime.refresh_calendar)  # as the running app does by itself
        cases = await _sub_cases(apps, application.id)
        # Five working days left from 28 December, with 1–4 January off: 6 January.
        assert (cases["insurance"].due_on, cases["insurance"].due_provisional_from) == (
            date(2027, 1, 6), None,
        )  # fmt: skip
        body = (await apps.get(f"/mp/v1/applications/{application.id}", headers=auth)).json()
        assert not any(c["deadlineProvisional"] for c in body["subCases"])
        board = await apps.get("/staff/supervision")
        assert "2027年的节假日安排尚未导入" not in board.text

        async def evidence() -> tuple[list[str], list[str]]:
            async with runtime.sessionmaker() as db:
                audited = await db.scalars(select(AuditEvent.actor).where(
                    AuditEvent.kind == "holidays_loaded", AuditEvent.subject == "holiday-year:2027",
                ))  # fmt: skip
                events = await db.scalars(select(ApplicationEvent.note).where(
                    ApplicationEvent.application_id == application.id,
                    ApplicationEvent.action == "deadline_recounted",
                ))  # fmt: skip
                return list(audited), list(events)

        audited, events = await in_app(apps, evidence)
        assert audited == ["operator:值班管理员"]
        assert events == ["2027-01-05 → 2027-01-06"]

        # Loading it again needs --replace; a notice that does not hold is refused.
        path = tmp_path / "notice.txt"
        path.write_text(notice_2027(), "utf-8")
        args = argparse.Namespace(action="load", year=2027, notice=path, source="x", by="",
                                  replace=False)  # fmt: skip
        assert await asyncio.to_thread(run_holidays, settings, args) == 1  # as the CLI runs it
        path.write_text(notice_2027().replace("（周五）至", "（周四）至", 1), "utf-8")
        again = argparse.Namespace(**{**vars(args), "replace": True})
        assert await asyncio.to_thread(run_holidays, settings, again) == 1
    finally:
        await _forget_2027(apps)


def test_the_made_up_notice_reads_as_a_notice_does() -> None:
    from app.applications.holiday_notice import parse_notice

    parsed = parse_notice(notice_2027(), 2027)
    assert len(parsed.holidays) == 7
    assert date(2027, 1, 4) in parsed.schedule("t").holidays
    assert parsed.schedule("t").workdays == {date(2027, 1, 9), date(2027, 2, 20), date(2027, 10, 9)}
    assert date(2027, 1, 1) + timedelta(days=3) == date(2027, 1, 4)
