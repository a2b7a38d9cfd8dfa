"""What the app writes into the audit chain: sign-ins, staff sign-ins, exports, agents' acts.

These run on the suite's shared database: they read its chain, they never alter it.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.assist.models import Scope
from app.audit import service as audit
from app.audit.models import AuditEvent
from app.commands.wallet import rotate_key
from app.composition.build import create_engine, protector_for
from app.composition.runtime import Runtime
from app.config import Settings
from app.identity.models import Person, SecurityEvent
from app.protection import SensitiveKind
from tests.conftest import csrf_token, in_app, sign_in_as
from tests.integration.application_support import engine_sessionmaker
from tests.integration.assist_support import BUNDLE, AssistWorld
from tests.integration.records_support import new_phone
from tests.integration.staff_support import create_staff, sign_in_staff, submit_password

Client = AsyncTestClient[Litestar]


async def _events(client: Client, subject: str) -> list[AuditEvent]:
    runtime: Runtime = client.app.state.runtime

    async def load() -> list[AuditEvent]:
        async with runtime.sessionmaker() as db:
            query = select(AuditEvent).where(AuditEvent.subject == subject)
            return list((await db.scalars(query.order_by(AuditEvent.id))).all())

    return await in_app(client, load)


async def _person_id(client: Client, phone: str) -> str:
    runtime: Runtime = client.app.state.runtime
    index = runtime.protector.blind_index(phone, SensitiveKind.PHONE)

    async def load() -> str:
        async with runtime.sessionmaker() as db:
            person = await db.scalar(select(Person).where(Person.phone_index == index))
            assert person is not None
            return str(person.id)

    return await in_app(client, load)


async def _verdict(client: Client) -> audit.Verdict:
    runtime: Runtime = client.app.state.runtime

    async def check() -> audit.Verdict:
        async with runtime.sessionmaker() as db:
            return await audit.verify(db)

    return await in_app(client, check)


async def test_a_sign_in_and_an_export_are_audit_events_in_my_export(client: Client) -> None:
    phone = new_phone()
    await sign_in_as(client, phone)
    me = f"person:{await _person_id(client, phone)}"
    [signed_in] = [event for event in await _events(client, me) if event.kind == "sign_in"]
    assert signed_in.actor == me
    assert set(signed_in.detail) == {"security_event"}

    exported = await client.get("/me/export")
    assert exported.status_code == 200
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        [data] = [name for name in archive.namelist() if name.endswith("/data/onething.json")]
        kinds = [row["kind"] for row in json.loads(archive.read(data))["tables"]["audit_event"]]
    assert "sign_in" in kinds
    # The download itself is recorded, in the request's transaction, after the document.
    assert [event.kind for event in await _events(client, me)][-1] == "data_exported"
    for event in await _events(client, me):
        assert phone not in json.dumps(_as_dict(event))
    verdict = await _verdict(client)
    assert verdict.ok, f"event {verdict.broken_at} {verdict.reason}"


async def test_a_refused_staff_sign_in_is_an_audit_event(client: Client) -> None:
    staff = await create_staff(client)
    refused = await submit_password(client, staff.username, "not the password at all")
    assert refused.status_code == 422
    events = await _events(client, f"staff:{staff.id}")
    assert [event.kind for event in events] == ["staff_created", "staff_sign_in_failed"]
    failed = events[-1]
    assert failed.actor == f"staff:{staff.id}"
    assert failed.detail["note"] == "wrong password"
    assert failed.prev_hash != failed.hash
    assert (await _verdict(client)).ok


def _as_dict(event: AuditEvent) -> dict[str, Any]:
    return {column: getattr(event, column) for column in ("kind", "actor", "subject", "detail")}


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[AssistWorld]:
    engine = create_engine(settings)
    yield AssistWorld(engine_sessionmaker(engine), protector_for(settings), tmp_path)
    await engine.dispose()


async def test_an_agents_authorization_and_actions_for_a_resident_are_audit_events(
    world: AssistWorld,
) -> None:
    person, _ = await world.resident()
    worker = await world.staff()
    visit_id = await world.visit(worker, person)
    authorization = await world.authorize(worker, person)
    async with world.desk(worker) as desk:
        draft_id = (await desk.start(visit_id, BUNDLE)).id
    async with world.desk(worker) as desk:
        _, draft = await desk.draft(visit_id, draft_id, Scope.PREPARE)
        await desk.drafts.answer(draft, {}, [])
        await desk.drafts.acknowledge_notice(draft)
    async with world.desk(worker) as desk:  # consenting reads the resident's records
        resident, draft = await desk.draft(visit_id, draft_id, Scope.CONSENT)
        assert await desk.drafts.grant_consent(draft, resident) == []
    async with world.context() as ctx:
        events = (
            await ctx.db.scalars(
                select(AuditEvent)
                .where(AuditEvent.subject == f"person:{person.id}")
                .order_by(AuditEvent.id)
            )
        ).all()
        verdict = await audit.verify(ctx.db)
    kinds = [event.kind for event in events]
    # The supervisor who scheduled the visit found the resident by phone: that comes first.
    assert kinds[:3] == ["person_looked_up", "authorization_proposed", "authorization_confirmed"]
    assert events[0].actor != f"staff:{worker.id}"
    assert events[0].detail["purpose"] == "home_visit"
    acted = [event for event in events if event.kind == "on_behalf"]
    assert acted, kinds
    assert {event.actor for event in acted} == {f"staff:{worker.id}"}
    assert acted[0].detail["authorization"] == str(authorization.id)
    assert acted[0].detail["scope"] == "prepare"
    reads = [event for event in acted if "data_access" in event.detail]
    assert reads, "each record read for the resident is an on-behalf event"
    assert {event.detail["outcome"] for event in reads} <= {"found", "not_found", "unavailable"}
    assert verdict.ok, f"event {verdict.broken_at} {verdict.reason}"


async def test_an_administrator_disabling_an_account_is_an_audit_event_naming_both(
    client: Client,
) -> None:
    admin = await create_staff(client, role="administrator")
    clerk = await create_staff(client)
    await sign_in_staff(client, admin.username)
    done = await client.post(
        f"/staff/admin/staff/{clerk.username}/disable",
        data={"_csrf_token": await csrf_token(client)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    [disabled] = [
        e for e in await _events(client, f"staff:{clerk.id}") if e.kind == "staff_disabled"
    ]
    assert disabled.actor == f"staff:{admin.id}"


async def test_a_security_log_kind_the_audit_log_does_not_list_yet_is_still_recorded(
    client: Client,
) -> None:
    runtime: Runtime = client.app.state.runtime

    async def write() -> int:
        async with runtime.sessionmaker() as db, db.begin():
            event = SecurityEvent(kind="added_by_another_branch", detail="")  # type: ignore[arg-type]
            db.add(event)
            await db.flush()
            return event.id

    security_event_id = await in_app(client, write)
    [recorded] = [
        event
        for event in await _events(client, "unknown")
        if event.detail.get("security_event") == security_event_id
    ]
    assert recorded.kind == "added_by_another_branch"  # under its own name


async def test_rotating_a_license_signing_key_is_an_audit_event(
    client: Client, settings: Settings
) -> None:
    retired, current = await asyncio.to_thread(asyncio.run, rotate_key(settings, "health"))
    [rotated] = [
        event
        for event in await _events(client, "department:health")
        if event.detail.get("new") == current
    ]
    assert rotated.kind == "key_rotated"
    assert rotated.actor == "operator:command-line"
    assert rotated.detail["retired"] == retired
