"""What the app writes into the audit chain: sign-ins, refused staff sign-ins, exports.

These run on the suite's shared database: they read its chain, they never alter it.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.audit import service as audit
from app.audit.models import AuditEvent
from app.identity.models import Person
from app.protection import SensitiveKind
from app.runtime import Runtime
from tests.conftest import in_app, sign_in_as
from tests.integration.records_support import new_phone
from tests.integration.staff_support import create_staff, submit_password

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
    kinds = [row["kind"] for row in exported.json()["tables"]["audit_event"]]
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
