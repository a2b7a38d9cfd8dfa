"""Reading shared records: consent first, one access-log row per source, nothing else.

The service runs on the test database with real record stores: the demo store reading
files written for each test's own people, or the HTTP exchange against a local server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.composition.build import create_engine, protector_for
from app.config import Settings
from app.enterprises.models import Enterprise
from app.enterprises.service import EnterpriseService
from app.errors import Forbidden, RuleViolation
from app.i18n import translations
from app.identity.models import PERSON_PHONE, Person
from app.protection import DataProtector
from app.records.exchange import DemoRecordExchange, HttpRecordExchange, RecordExchange
from app.records.models import AccessOutcome, DataAccess, RecordConsent, RecordCorrection
from app.records.service import (
    REAL_NAME_REQUIRED,
    FieldRequest,
    Purpose,
    RecordsService,
)
from app.staff.service import StaffCreate, StaffService
from tests.conftest import make_settings
from tests.fakes.records_exchange import APP_ID, SECRET, FakeRecordExchange
from tests.integration.records_support import (
    new_credit_code,
    new_id_number,
    new_phone,
    resident,
    write_records,
)

BIRTH = Purpose("draft", "0190-birth", "新生儿出生一件事")
OTHER = Purpose("draft", "0190-other", "退休一件事")
NAME = FieldRequest("population", "name")
GENDER = FieldRequest("population", "gender")
SPOUSE = FieldRequest("marriage", "spouse_name")
CHILD = FieldRequest("birth-medical", "child_name")
TAX = FieldRequest("tax", "outstanding_tax")


@dataclass
class World:
    """A database session, the protector and a verified resident with records of their own."""

    db: AsyncSession
    protector: DataProtector
    records_dir: Path
    person: Person
    id_number: str

    def service(self, exchange: RecordExchange | None = None) -> RecordsService:
        return RecordsService(
            self.db, exchange or DemoRecordExchange(self.records_dir), self.protector
        )


@pytest.fixture
def settings(tmp_path: Path, migrated_database_url: str) -> Settings:
    return make_settings(tmp_path / "var", migrated_database_url)


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    """Everything a test writes is rolled back at its end."""
    engine = create_engine(settings)
    protector = protector_for(settings)
    id_number = new_id_number()
    records_dir = write_records(
        tmp_path / "records",
        ("population", id_number, {"name": "测试居民", "gender": "女"}),
        ("marriage", id_number, {"spouse_name": "测试配偶"}),
    )
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            person = await resident(db, protector, id_number=id_number)
            yield World(db, protector, records_dir, person, id_number)
            await db.rollback()
    finally:
        await engine.dispose()


async def _log(world: World, person: Person | None = None) -> list[DataAccess]:
    return await world.service().access_log(person or world.person)


async def test_a_consented_read_returns_the_values_and_logs_one_row_per_source(
    world: World,
) -> None:
    service = world.service()
    await service.grant_consent(world.person, BIRTH, [NAME, GENDER, SPOUSE, CHILD])
    values = await service.read(world.person, BIRTH, [NAME, GENDER, SPOUSE, CHILD])
    assert {key: value.value for key, value in values.items()} == {
        ("population", "name"): "测试居民",
        ("population", "gender"): "女",
        ("marriage", "spouse_name"): "测试配偶",
    }
    log = await _log(world)
    assert [(row.source, row.fields, row.outcome) for row in reversed(log)] == [
        ("population", ["name", "gender"], AccessOutcome.FOUND),
        ("marriage", ["spouse_name"], AccessOutcome.FOUND),
        ("birth-medical", ["child_name"], AccessOutcome.NOT_FOUND),
    ]
    first = log[0]
    assert (first.purpose_kind, first.purpose_ref, first.purpose_label) == (
        "draft",
        "0190-birth",
        "新生儿出生一件事",
    )
    assert first.staff_id is None
    assert first.enterprise_id is None
    assert all(row.person_id == world.person.id for row in log)


async def test_without_consent_nothing_is_read_or_logged(world: World) -> None:
    with pytest.raises(Forbidden):
        await world.service().read(world.person, BIRTH, [NAME])
    assert await _log(world) == []


async def test_a_consent_for_another_purpose_does_not_cover_this_one(world: World) -> None:
    service = world.service()
    await service.grant_consent(world.person, OTHER, [NAME])
    with pytest.raises(Forbidden):
        await service.read(world.person, BIRTH, [NAME])
    assert await _log(world) == []


async def test_a_withdrawn_consent_covers_nothing_any_more(world: World) -> None:
    service = world.service()
    await service.grant_consent(world.person, BIRTH, [NAME])
    await service.read(world.person, BIRTH, [NAME])
    await service.withdraw_consent(world.person, BIRTH)
    assert await service.consent_for(world.person, BIRTH) is None
    with pytest.raises(Forbidden):
        await service.read(world.person, BIRTH, [NAME])
    assert len(await _log(world)) == 1  # the read before the withdrawal only


async def test_a_field_the_consent_does_not_name_is_refused_with_the_rest(world: World) -> None:
    service = world.service()
    await service.grant_consent(world.person, BIRTH, [NAME])
    with pytest.raises(Forbidden):
        await service.read(world.person, BIRTH, [NAME, GENDER])
    assert await _log(world) == []


async def test_granting_again_replaces_the_consent_and_keeps_the_old_one(world: World) -> None:
    service = world.service()
    first = await service.grant_consent(world.person, BIRTH, [NAME, GENDER])
    second = await service.grant_consent(world.person, BIRTH, [SPOUSE, NAME, NAME])
    assert second.fields == ["marriage.spouse_name", "population.name"]
    assert first.withdrawn_at is not None
    assert second.is_active
    assert await service.consent_for(world.person, BIRTH) == second
    with pytest.raises(Forbidden):
        await service.read(world.person, BIRTH, [GENDER])


async def test_unknown_fields_and_empty_consents_are_refused(world: World) -> None:
    service = world.service()
    with pytest.raises(RuleViolation):
        await service.grant_consent(world.person, BIRTH, [FieldRequest("population", "pet")])
    with pytest.raises(RuleViolation):
        await service.grant_consent(world.person, BIRTH, [])


async def test_a_person_without_a_verified_id_number_is_told_to_verify_first(
    world: World,
) -> None:
    unverified = await resident(world.db, world.protector)
    service = world.service()
    with pytest.raises(RuleViolation) as refused:
        await service.grant_consent(unverified, BIRTH, [NAME])
    assert refused.value.message == REAL_NAME_REQUIRED
    with pytest.raises(RuleViolation) as refused:
        await service.read(unverified, BIRTH, [NAME])
    assert refused.value.message == REAL_NAME_REQUIRED
    chinese = translations("zh_Hans").ugettext(REAL_NAME_REQUIRED)
    assert "实名" in chinese
    assert await _log(world, unverified) == []


async def _enterprise(world: World, credit_code: str, representative: Person) -> Enterprise:
    """An enterprise from "the registry" with ``representative`` as legal representative."""
    phone = world.protector.reveal(representative.phone_ciphertext, PERSON_PHONE)
    service = EnterpriseService(world.db, protector=world.protector)
    return await service.register_from_registry(credit_code, "测试示例有限公司", phone)


async def test_enterprise_records_need_an_enterprise_the_person_acts_for(world: World) -> None:
    code = new_credit_code()
    write_records(world.records_dir, ("tax", code, {"outstanding_tax": "无"}))
    service = world.service()
    with pytest.raises(RuleViolation):  # no enterprise named
        await service.grant_consent(world.person, BIRTH, [TAX])
    outsider = await resident(world.db, world.protector, id_number=new_id_number())
    enterprise = await _enterprise(world, code, outsider)
    with pytest.raises(Forbidden):  # not a member of it
        await service.grant_consent(world.person, BIRTH, [TAX], enterprise=enterprise)

    consent = await service.grant_consent(outsider, BIRTH, [TAX, NAME], enterprise=enterprise)
    assert consent.enterprise_id == enterprise.id
    with pytest.raises(RuleViolation):
        await service.read(outsider, BIRTH, [TAX])
    values = await service.read(outsider, BIRTH, [TAX], enterprise=enterprise)
    assert values[("tax", "outstanding_tax")].value == "无"
    [row] = await _log(world, outsider)
    assert (row.source, row.enterprise_id, row.person_id) == ("tax", enterprise.id, outsider.id)


async def test_a_consent_for_one_enterprise_does_not_read_another(world: World) -> None:
    service = world.service()
    first = await _enterprise(world, new_credit_code(), world.person)
    second = await _enterprise(world, new_credit_code(), world.person)
    await service.grant_consent(world.person, BIRTH, [TAX], enterprise=first)
    with pytest.raises(Forbidden):
        await service.read(world.person, BIRTH, [TAX], enterprise=second)


async def test_a_staff_member_reading_on_the_persons_behalf_is_logged_as_staff(
    world: World,
) -> None:
    created = await StaffService(world.db, keyring=world.protector.keyring).create(
        StaffCreate(
            username=f"clerk-{new_phone()}",
            display_name="王窗口",
            role="reviewer",
            department_code="civil-affairs",
        ),
        actor="test",
    )
    service = world.service()
    await service.grant_consent(world.person, BIRTH, [SPOUSE])
    await service.read(world.person, BIRTH, [SPOUSE], accessor_staff_id=created.staff.id)
    [entry] = await service.data_use(world.person)
    assert entry.by_staff
    assert entry.department_name("zh_Hans") == "市民政局"
    assert entry.field_labels("en") == ["Spouse's name"]


async def test_an_unavailable_source_is_logged_and_left_out(world: World, tmp_path: Path) -> None:
    with FakeRecordExchange(world.records_dir) as fake:
        async with httpx.AsyncClient() as http:
            exchange = HttpRecordExchange(
                fake.base_url,
                app_id=APP_ID,
                secret=SECRET,
                http=http,
                timeout_seconds=2.0,
                backoff_seconds=0.0,
            )
            service = world.service(exchange)
            await service.grant_consent(world.person, BIRTH, [NAME, SPOUSE])
            fake.failures = [503, 503, 503]  # the first source read fails three times
            result = await service.read_outcomes(world.person, BIRTH, [NAME, SPOUSE])
    assert result.unavailable == ["population"]
    assert list(result.values) == [("marriage", "spouse_name")]
    assert {row.source: row.outcome for row in await _log(world)} == {
        "population": AccessOutcome.UNAVAILABLE,
        "marriage": AccessOutcome.FOUND,
    }


async def test_the_access_log_is_newest_first_pages_back_and_shows_only_the_persons_own(
    world: World,
) -> None:
    other = await resident(world.db, world.protector, id_number=new_id_number())
    service = world.service()
    await service.grant_consent(world.person, BIRTH, [NAME])
    await service.grant_consent(other, BIRTH, [NAME])
    for _ in range(3):
        await service.read(world.person, BIRTH, [NAME])
    await service.read(other, BIRTH, [NAME])
    log = await service.access_log(world.person)
    assert len(log) == 3
    assert [row.accessed_at for row in log] == sorted(
        (row.accessed_at for row in log), reverse=True
    )
    older = await service.access_log(world.person, limit=5, before=log[0].accessed_at)
    assert [row.id for row in older] == [row.id for row in log[1:]]
    assert [row.person_id for row in await service.access_log(other)] == [other.id]


async def test_reporting_an_error_records_an_open_correction_and_forwards_it(
    world: World,
) -> None:
    with FakeRecordExchange(world.records_dir) as fake:
        async with httpx.AsyncClient() as http:
            exchange = HttpRecordExchange(
                fake.base_url, app_id=APP_ID, secret=SECRET, http=http, timeout_seconds=2.0
            )
            service = world.service(exchange)
            correction = await service.report_error(
                world.person, "marriage", "spouse_name", "  配偶姓名写错了  ", BIRTH
            )
            fake.failures = [503, 503, 503]
            kept = await service.report_error(
                world.person, "population", "gender", "性别有误", BIRTH
            )
    assert correction.status == "open"
    assert correction.note == "配偶姓名写错了"
    sent = fake.corrections[str(correction.id)]
    assert correction.ticket == sent["ticket"]
    assert correction.forwarded_at is not None
    assert sent["subject"] == {"kind": "person", "number": world.id_number}
    assert (kept.forwarded_at, kept.ticket) == (None, None)  # kept, to be forwarded later


async def test_an_error_report_needs_a_note_of_at_most_500_characters(world: World) -> None:
    service = world.service()
    for note in ("   ", "错" * 501):
        with pytest.raises(RuleViolation) as refused:
            await service.report_error(world.person, "population", "name", note, BIRTH)
        assert set(refused.value.fields) == {"note"}
    stored = await world.db.scalars(
        select(RecordCorrection).where(RecordCorrection.person_id == world.person.id)
    )
    assert list(stored) == []


async def test_no_table_of_the_records_holds_the_id_number(world: World) -> None:
    service = world.service()
    await service.grant_consent(world.person, BIRTH, [NAME, SPOUSE])
    await service.read(world.person, BIRTH, [NAME, SPOUSE])
    await service.report_error(world.person, "population", "name", "名字有误", BIRTH)
    for model in (RecordConsent, DataAccess, RecordCorrection):
        rows = (await world.db.execute(select(model.__table__))).all()
        assert rows
        assert world.id_number not in repr(rows), model.__tablename__
