"""The audit chain on a real database: appends, verification, tampering, purge, rollback.

Each test gets an empty database of its own (PostgreSQL when DATABASE_URL says so), holding
only the audit tables: tampering with the suite's shared database would break its chain.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import service as audit
from app.audit.chain import Link, link_hash
from app.audit.models import AuditEvent, AuditHead, AuditKind
from app.commands.audit import run_audit
from app.composition.build import create_engine
from app.config import Settings
from app.identity.models import SecurityEventKind
from tests.conftest import make_settings

Sessions = async_sessionmaker[AsyncSession]
PERSON = "person:0191e7a0-0000-7000-8000-0000000000aa"


@pytest.fixture
async def audit_settings(tmp_path: Path, fresh_database_url: Callable[[str], str]) -> Settings:
    settings = make_settings(tmp_path / "var", fresh_database_url("audit"))
    engine = create_engine(settings)
    async with engine.begin() as connection:
        await connection.run_sync(
            AuditEvent.metadata.create_all, tables=[AuditEvent.__table__, AuditHead.__table__]
        )
    await engine.dispose()
    return settings


@pytest.fixture
async def sessions(audit_settings: Settings) -> AsyncIterator[Sessions]:
    engine = create_engine(audit_settings)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def _append(sessions: Sessions, count: int, *, at: datetime | None = None) -> None:
    for n in range(count):
        async with sessions() as db, db.begin():

            def _at(moment: datetime | None = at) -> datetime:
                return moment or datetime.now(UTC)

            await db.run_sync(
                lambda s, n=n, clock=_at: audit.append_on(
                    s.connection(), SecurityEventKind.SIGN_IN, actor=PERSON, subject=PERSON,
                    detail={"n": n}, clock=clock,
                )
            )  # fmt: skip


async def _verify(sessions: Sessions) -> audit.Verdict:
    async with sessions() as db:
        return await audit.verify(db)


async def _change(sessions: Sessions, statement: object) -> None:
    async with sessions() as db, db.begin():
        await db.execute(statement)  # type: ignore[call-overload]


async def test_appended_events_form_a_chain_that_verifies(sessions: Sessions) -> None:
    await _append(sessions, 3)
    verdict = await _verify(sessions)
    assert verdict.ok, verdict.reason
    assert (verdict.checked, verdict.head_id) == (3, 3)
    async with sessions() as db:
        events = (await db.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
    assert [event.id for event in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert verdict.head_hash == events[2].hash


async def test_an_edited_detail_is_found_and_named(sessions: Sessions) -> None:
    await _append(sessions, 3)
    await _change(sessions, update(AuditEvent).where(AuditEvent.id == 2).values(detail={"n": 9}))
    verdict = await _verify(sessions)
    assert verdict.broken_at == 2
    assert "altered" in verdict.reason


async def test_a_detail_rewritten_into_another_json_shape_is_found(sessions: Sessions) -> None:
    await _append(sessions, 2)
    await _change(sessions, update(AuditEvent).where(AuditEvent.id == 1).values(detail=[1, 2]))
    verdict = await _verify(sessions)
    assert verdict.broken_at == 1
    assert "altered" in verdict.reason


async def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(sessions: Sessions) -> None:
    await _append(sessions, 3)
    async with sessions() as db, db.begin():
        event = await db.get_one(AuditEvent, 2)
        event.detail = {"n": 9}
        event.hash = link_hash(event.prev_hash, _link(event))
    verdict = await _verify(sessions)
    assert verdict.broken_at == 3
    assert "does not link" in verdict.reason


async def test_a_deleted_middle_event_is_found_and_named(sessions: Sessions) -> None:
    await _append(sessions, 3)
    await _change(sessions, delete(AuditEvent).where(AuditEvent.id == 2))
    verdict = await _verify(sessions)
    assert verdict.broken_at == 2
    assert "missing" in verdict.reason


async def test_a_deleted_newest_event_is_found_and_named(sessions: Sessions) -> None:
    await _append(sessions, 3)
    await _change(sessions, delete(AuditEvent).where(AuditEvent.id == 3))
    verdict = await _verify(sessions)
    assert verdict.broken_at == 3
    assert "missing" in verdict.reason


async def test_an_inserted_event_is_found_even_with_a_right_hash(sessions: Sessions) -> None:
    await _append(sessions, 3)
    async with sessions() as db:
        newest = await db.get_one(AuditEvent, 3)
    forged = Link(id=4, at=datetime.now(UTC), kind="sign_in", actor=PERSON, subject=PERSON,
                  detail={"n": 99})  # fmt: skip
    values = {
        "id": 4, "at": forged.at, "kind": forged.kind, "actor": PERSON, "subject": PERSON,
        "detail": forged.detail, "prev_hash": newest.hash,
        "hash": link_hash(newest.hash, forged),
    }  # fmt: skip
    await _change(sessions, insert(AuditEvent).values(**values))
    verdict = await _verify(sessions)
    assert verdict.broken_at == 4
    assert "inserted" in verdict.reason


async def test_a_rolled_back_transaction_leaves_no_event(sessions: Sessions) -> None:
    await _append(sessions, 1)

    async def failing_action() -> None:
        async with sessions() as db, db.begin():
            await audit.record(db, AuditKind.DATA_EXPORTED, actor=PERSON, subject=PERSON)
            raise RuntimeError("the action failed")  # after its event was appended

    with pytest.raises(RuntimeError, match="the action failed"):
        await failing_action()
    async with sessions() as db:
        ids = (await db.scalars(select(AuditEvent.id))).all()
        head = await db.get_one(AuditHead, 1)
    assert list(ids) == [1]
    assert head.last_id == 1
    assert (await _verify(sessions)).ok


async def test_purge_keeps_what_is_inside_retention_and_the_rest_verifies(
    sessions: Sessions,
) -> None:
    await _append(sessions, 2, at=datetime.now(UTC) - timedelta(days=400))
    await _append(sessions, 2, at=datetime.now(UTC) - timedelta(days=300))
    async with sessions() as db, db.begin():
        purged = await audit.purge(db, retention_days=365)
    assert (purged.deleted, purged.anchor_id) == (2, 2)
    verdict = await _verify(sessions)
    assert verdict.ok, verdict.reason
    assert verdict.checked == 3  # the two kept, and the purge's own event
    async with sessions() as db:
        kinds = (await db.scalars(select(AuditEvent.kind).order_by(AuditEvent.id))).all()
    assert kinds == ["sign_in", "sign_in", "audit_purged"]
    async with sessions() as db, db.begin():
        again = await audit.purge(db, retention_days=365)
    assert again.deleted == 0
    assert (await _verify(sessions)).checked == 3
    # The oldest remaining one deleted by hand is not a purge: verification says so.
    await _change(sessions, delete(AuditEvent).where(AuditEvent.id == 3))
    assert (await _verify(sessions)).broken_at == 3


async def test_concurrent_appends_make_one_unbroken_chain(sessions: Sessions) -> None:
    async def one(n: int) -> None:
        async with sessions() as db, db.begin():
            await audit.record(db, AuditKind.ON_BEHALF, actor="staff:x", subject=PERSON,
                               detail={"n": n})  # fmt: skip

    await asyncio.gather(*(one(n) for n in range(20)))
    verdict = await _verify(sessions)
    assert verdict.ok, verdict.reason
    assert (verdict.checked, verdict.head_id) == (20, 20)
    async with sessions() as db:
        numbers = (await db.scalars(select(AuditEvent.detail))).all()
    assert sorted(detail["n"] for detail in numbers) == list(range(20))


def test_the_verify_command_exits_1_naming_the_tampered_event(
    audit_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    async def prepare() -> None:
        engine = create_engine(audit_settings)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        await _append(sessions, 3)
        await engine.dispose()

    asyncio.run(prepare())
    verify = _Args(action="verify")
    assert run_audit(audit_settings, verify) == 0  # type: ignore[arg-type]
    assert "audit log OK: 3 event(s) checked" in capsys.readouterr().out

    async def tamper() -> None:
        engine = create_engine(audit_settings)
        await _change(
            async_sessionmaker(engine),
            update(AuditEvent).where(AuditEvent.id == 2).values(actor="staff:nobody"),
        )
        await engine.dispose()

    asyncio.run(tamper())
    assert run_audit(audit_settings, verify) == 1  # type: ignore[arg-type]
    assert "event 2 was altered" in capsys.readouterr().err
    assert run_audit(audit_settings, _Args(action="purge")) == 0  # type: ignore[arg-type]
    assert "purged 0 event(s) older than 365 days" in capsys.readouterr().out


class _Args:
    def __init__(self, action: str) -> None:
        self.action = action


def _link(event: AuditEvent) -> Link:
    return Link(id=event.id, at=event.at, kind=event.kind, actor=event.actor,
                subject=event.subject, detail=dict(event.detail))  # fmt: skip


async def test_the_nightly_job_purges_by_the_setting_and_twice_is_once(
    audit_settings: Settings, sessions: Sessions
) -> None:
    from app.worker import purge_audit_log

    await _append(sessions, 3, at=datetime.now(UTC) - timedelta(days=200))
    await _append(sessions, 1)
    ctx = {
        "settings": msgspec.structs.replace(audit_settings, audit_retention_days=180),
        "sessionmaker": sessions,
    }
    assert await purge_audit_log(ctx) == 3
    assert await purge_audit_log(ctx) == 0
    verdict = await _verify(sessions)
    assert verdict.ok, verdict.reason
    assert (verdict.checked, verdict.head_id) == (2, 5)


async def test_re_encrypting_numbers_is_an_audit_event_per_batch_that_changed(
    tmp_path: Path, fresh_database_url: Callable[[str], str]
) -> None:
    from app.commands.key_rotation import reencrypt_person_numbers
    from app.composition.build import protector_for
    from app.identity.persons import find_or_create_by_phone
    from tests.conftest import migrate

    k1, k2, index = (base64.b64encode(secrets.token_bytes(32)).decode() for _ in range(3))
    before = make_settings(
        tmp_path / "var", fresh_database_url("keys"), data_keys=f"k1:{k1},index:{index}"
    )
    await asyncio.to_thread(migrate, before)  # Alembic runs its own event loop
    engine = create_engine(before)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as db, db.begin():
        await find_or_create_by_phone(db, protector_for(before), "13912345678")
    after = msgspec.structs.replace(before, data_keys=f"k2:{k2},k1:{k1},index:{index}")
    await reencrypt_person_numbers(after)
    await reencrypt_person_numbers(after)  # nothing left to change: no second event
    async with sessions() as db:
        events = (
            await db.scalars(select(AuditEvent).where(AuditEvent.kind == "keys_reencrypted"))
        ).all()
        verdict = await audit.verify(db)
    await engine.dispose()
    assert [(event.detail["active_key"], event.detail["changed"]) for event in events] == [
        ("k2", 1)
    ]
    assert verdict.ok, verdict.reason
