"""Staff finding a person by phone number (``StaffLookups``): the person sees it on their
data-use record, and every look-up — found or not — is an audit event without the number."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from app.audit.models import AuditEvent
from app.composition.runtime import Runtime
from app.identity.models import Person
from app.records.lookups import StaffLookups
from app.records.models import DataAccess
from app.records.schemas import Purpose
from app.staff.models import Staff
from app.staff.service import StaffCreate, StaffService
from tests.conftest import in_app, sign_in_as
from tests.integration.records_support import new_phone, resident

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}
PURPOSE = Purpose(
    "home_visit", "v-1", "督办人员按手机号预约上门服务 (a supervisor scheduling a home visit)"
)


async def _run(client: Client, fn: Any) -> Any:
    runtime: Runtime = client.app.state.runtime

    async def call() -> Any:
        async with runtime.sessionmaker() as db, db.begin():
            return await fn(db, runtime)

    return await in_app(client, call)


async def _supervisor(db: Any, runtime: Runtime) -> Staff:
    created = await StaffService(db, keyring=runtime.protector.keyring).create(
        StaffCreate(username=f"sup-{uuid.uuid4().hex[:8]}", display_name="周督办",
                    role="supervisor", department_code="civil-affairs"), actor="test",
    )  # fmt: skip
    return created.staff


async def _events_by(client: Client, staff: Staff) -> list[AuditEvent]:
    async def load(db: Any, _: Runtime) -> list[AuditEvent]:
        query = select(AuditEvent).where(AuditEvent.actor == f"staff:{staff.id}",
                                         AuditEvent.kind == "person_looked_up")  # fmt: skip
        return list((await db.scalars(query.order_by(AuditEvent.id))).all())

    return await _run(client, load)  # type: ignore[no-any-return]


async def test_a_look_up_that_finds_someone_is_on_their_data_use_record_and_audited(
    client: Client,
) -> None:
    phone = new_phone()

    async def look_up(db: Any, runtime: Runtime) -> tuple[Staff, UUID, UUID | None]:
        person = await resident(db, runtime.protector, phone=phone)
        staff = await _supervisor(db, runtime)
        found = await StaffLookups(db, runtime.protector).find(staff, f"+86 {phone}", PURPOSE)
        return staff, person.id, found.id if found else None

    staff, person_id, found = await _run(client, look_up)
    assert found == person_id  # typed with a prefix and a space: the same number

    async def logged(db: Any, _: Runtime) -> DataAccess:
        return await db.scalar(select(DataAccess).where(DataAccess.person_id == person_id))  # type: ignore[no-any-return]

    access = await _run(client, logged)
    assert (access.source, access.fields, access.staff_id, access.consent_id) == (
        "account", ["phone", "name"], staff.id, None)  # fmt: skip
    [event] = await _events_by(client, staff)
    assert (event.subject, event.detail["data_access"]) == (f"person:{person_id}", access.id)
    assert event.detail["purpose"] == "home_visit"
    assert phone not in str(event.detail)

    await sign_in_as(client, phone)
    chinese = (await client.get("/me/data-use")).text
    assert "本平台账户信息" in chinese
    assert "督办人员按手机号预约上门服务" in chinese
    assert "工作人员（市民政局）" in chinese
    assert "周督办" not in chinese  # staff by department, never by name
    english = (await client.get("/me/data-use", headers=EN)).text
    assert "Your account on this platform" in english
    assert "Fields: Mobile number, Name" in english


async def test_a_look_up_that_finds_nobody_or_a_closed_account_is_audited_and_nothing_more(
    client: Client,
) -> None:
    closed_phone = new_phone()

    async def look_up(db: Any, runtime: Runtime) -> tuple[Staff, UUID]:
        closed = await resident(db, runtime.protector, phone=closed_phone)
        await db.execute(
            update(Person).where(Person.id == closed.id).values(disabled_at=datetime.now(UTC))
        )
        staff = await _supervisor(db, runtime)
        lookups = StaffLookups(db, runtime.protector)
        assert await lookups.find(staff, new_phone(), PURPOSE) is None
        assert await lookups.find(staff, closed_phone, PURPOSE) is None
        return staff, closed.id

    staff, closed_id = await _run(client, look_up)
    nobody, closed = await _events_by(client, staff)
    assert (nobody.subject, nobody.detail["outcome"]) == ("nobody", "not_found")
    assert (closed.subject, closed.detail["outcome"]) == (f"person:{closed_id}", "not_found")

    async def rows(db: Any, _: Runtime) -> int:
        return len(
            (await db.scalars(select(DataAccess).where(DataAccess.staff_id == staff.id))).all()
        )

    assert await _run(client, rows) == 0
