"""数据使用记录 (/me/data-use): the signed-in person sees every read of their records."""

from __future__ import annotations

import uuid
from pathlib import Path
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.composition.runtime import Runtime
from app.identity.models import Person
from app.records.exchange import DemoRecordExchange
from app.records.service import FieldRequest, Purpose, RecordsService
from app.staff.service import StaffCreate, StaffService
from tests.conftest import in_app, sign_in_as
from tests.integration.records_support import (
    new_id_number,
    new_phone,
    resident,
    write_records,
)

EN = {"Accept-Language": "en"}
SPOUSE = FieldRequest("marriage", "spouse_name")
REGISTERED = FieldRequest("marriage", "registered_on")
CHILD = FieldRequest("birth-medical", "child_name")


async def _verified(client: AsyncTestClient[Litestar], phone: str, id_number: str) -> UUID:
    """The person with ``phone``, verified with ``id_number`` (as real-name verification does)."""
    runtime: Runtime = client.app.state.runtime

    async def verify() -> UUID:
        async with runtime.sessionmaker() as db, db.begin():
            person = await resident(db, runtime.protector, phone=phone, id_number=id_number)
            return person.id

    return await in_app(client, verify)


async def _read(
    client: AsyncTestClient[Litestar],
    records_dir: Path,
    person_id: UUID,
    purpose: Purpose,
    requests: list[FieldRequest],
    *,
    staff_department: str | None = None,
) -> None:
    """Consent and read, as the merged form will — by the person or a member of staff."""
    runtime: Runtime = client.app.state.runtime

    async def read() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            person = await db.get(Person, person_id)
            assert person is not None
            staff_id = None
            if staff_department:
                created = await StaffService(db, keyring=runtime.protector.keyring).create(
                    StaffCreate(
                        username=f"reviewer-{uuid.uuid4().hex[:8]}",
                        display_name="钱审核",
                        role="reviewer",
                        department_code=staff_department,
                    ),
                    actor="test",
                )
                staff_id = created.staff.id
            service = RecordsService(db, DemoRecordExchange(records_dir), runtime.protector)
            await service.grant_consent(person, purpose, requests)
            await service.read(person, purpose, requests, accessor_staff_id=staff_id)

    await in_app(client, read)


async def test_a_person_with_no_reads_sees_the_empty_state(
    client: AsyncTestClient[Litestar],
) -> None:
    await sign_in_as(client, new_phone())
    page = await client.get("/me/data-use", headers=EN)
    assert page.status_code == 200
    assert "No government records about you have been read yet." in page.text


async def test_a_read_shows_up_newest_first_and_another_persons_do_not(
    client: AsyncTestClient[Litestar], tmp_path: Path
) -> None:
    mine, theirs = new_id_number(), new_id_number()
    records = write_records(
        tmp_path,
        ("marriage", mine, {"spouse_name": "测试配偶", "registered_on": "2023-05-20"}),
        ("marriage", theirs, {"spouse_name": "别人的配偶"}),
    )
    me_phone, other_phone = new_phone(), new_phone()
    me = await _verified(client, me_phone, mine)
    other = await _verified(client, other_phone, theirs)
    await _read(client, records, me, Purpose("draft", "d-1", "新生儿出生一件事"), [CHILD])
    await _read(client, records, me, Purpose("draft", "d-2", "退休一件事"), [SPOUSE, REGISTERED])
    await _read(client, records, other, Purpose("draft", "d-3", "别人的一件事"), [SPOUSE])

    await sign_in_as(client, me_phone)
    page = (await client.get("/me/data-use", headers=EN)).text
    assert "Marriage registrations" in page
    assert "Fields: Spouse&#39;s name, Date of registration" in page
    assert "For: 退休一件事" in page
    assert "Read by: you" in page
    assert "Record found" in page
    assert "Birth medical certificates" in page
    assert "No record held" in page  # the birth certificate: no record of this person
    assert page.index("退休一件事") < page.index("新生儿出生一件事")  # newest first
    assert "别人的一件事" not in page

    chinese = (await client.get("/me/data-use")).text
    assert "婚姻登记信息" in chinese
    assert "配偶姓名" in chinese


async def test_a_staff_reader_is_shown_by_department_without_their_name(
    client: AsyncTestClient[Litestar], tmp_path: Path
) -> None:
    number, phone = new_id_number(), new_phone()
    records = write_records(tmp_path, ("marriage", number, {"spouse_name": "测试配偶"}))
    person_id = await _verified(client, phone, number)
    purpose = Purpose("application", "a-1", "婚育一件事")
    await _read(client, records, person_id, purpose, [SPOUSE], staff_department="civil-affairs")
    await sign_in_as(client, phone)
    chinese = (await client.get("/me/data-use")).text
    assert "工作人员（市民政局）" in chinese
    assert "钱审核" not in chinese
    english = (await client.get("/me/data-use", headers=EN)).text
    assert "Read by: staff (Civil Affairs Bureau)" in english


async def test_the_page_needs_a_signed_in_person_and_is_linked_from_me(
    client: AsyncTestClient[Litestar],
) -> None:
    anonymous = await client.get("/me/data-use", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/sign-in?next=/me/data-use"
    await sign_in_as(client, new_phone())
    assert 'href="/me/data-use"' in (await client.get("/me")).text


async def test_no_id_number_reaches_the_page(
    client: AsyncTestClient[Litestar], tmp_path: Path
) -> None:
    number, phone = new_id_number(), new_phone()
    records = write_records(tmp_path, ("marriage", number, {"spouse_id_number": number}))
    person_id = await _verified(client, phone, number)
    request = [FieldRequest("marriage", "spouse_id_number")]
    await _read(client, records, person_id, Purpose("draft", "d-9", "测试"), request)
    await sign_in_as(client, phone)
    page = (await client.get("/me/data-use")).text
    assert "配偶身份号码" in page
    assert number not in page
