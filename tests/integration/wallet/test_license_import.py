"""证照导入: licenses the records already hold come into the wallet with consent, once."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.composition.runtime import Runtime
from app.records.exchange import DemoRecordExchange
from app.records.models import DataAccess, RecordConsent
from app.wallet.models import License
from tests.conftest import csrf_token, in_app, sign_in_as
from tests.integration.records_support import new_id_number, new_phone, resident, write_records
from tests.integration.wallet_support import enterprise_of

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}


async def _verified(client: Client, phone: str, id_number: str) -> UUID:
    runtime: Runtime = client.app.state.runtime

    async def verify() -> UUID:
        async with runtime.sessionmaker() as db, db.begin():
            person = await resident(
                db, runtime.protector, phone=phone, id_number=id_number, name="周敏"
            )
            return person.id

    return await in_app(client, verify)


def _use_records(client: Client, directory: Path) -> None:
    """The app reads these demo records (the same adapter it uses without an exchange)."""
    runtime: Runtime = client.app.state.runtime
    runtime.records = DemoRecordExchange(directory)


async def _count(client: Client, model: type, person_id: UUID) -> int:
    runtime: Runtime = client.app.state.runtime

    async def count() -> int:
        async with runtime.sessionmaker() as db:
            found = await db.scalar(
                select(func.count()).select_from(model).where(model.person_id == person_id)  # type: ignore[attr-defined]
            )
            return int(found or 0)

    return await in_app(client, count)


async def _import(client: Client, source: str) -> str:
    token = await csrf_token(client)
    done = await client.post(
        f"/me/licenses/import/{source}", data={"_csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    return str(done.headers["location"])


async def test_the_household_register_is_imported_once_with_its_read_logged(
    client: Client, tmp_path: Path
) -> None:
    phone, number = new_phone(), new_id_number()
    person_id = await _verified(client, phone, number)
    household = {
        "name": "周敏",
        "id_number": number,
        "gender": "女",
        "birth_date": "1990-05-01",
        "household_address": "示例市鹭江区滨江路8号",
        "household_number": "H00123456",
        "household_head": "周敏",
        "relation_to_head": "户主",
    }
    _use_records(client, write_records(tmp_path, ("population", number, household)))
    await sign_in_as(client, phone)
    page = await client.get("/me/licenses/import", headers=EN)
    assert "Household register (electronic)" in page.text
    assert "Business licence" not in page.text  # an enterprise's, not shown to a person

    location = await _import(client, "population")
    shown = await client.get(location, headers=EN)
    assert shown.status_code == 200
    assert "示例市鹭江区滨江路8号" in shown.text
    assert number not in shown.text  # the ID number is masked on the license page
    assert await _import(client, "population") == location  # idempotent: the same license
    assert await _count(client, DataAccess, person_id) == 1  # and no second read
    assert await _count(client, License, person_id) == 1
    data_use = await client.get("/me/data-use", headers=EN)
    assert "Population and household register" in data_use.text

    async def consents() -> list[RecordConsent]:
        async with client.app.state.runtime.sessionmaker() as db:
            rows = await db.scalars(
                select(RecordConsent).where(RecordConsent.person_id == person_id)
            )
            return list(rows)

    (consent,) = await in_app(client, consents)
    assert consent.withdrawn_at is not None  # the one-off consent ends after the read


async def test_a_license_the_records_do_not_hold_is_refused_with_a_clear_message(
    client: Client, tmp_path: Path
) -> None:
    phone, number = new_phone(), new_id_number()
    person_id = await _verified(client, phone, number)
    other = new_id_number()
    _use_records(
        client, write_records(tmp_path, ("real-estate", other, {"property_address": "别人的房子"}))
    )
    await sign_in_as(client, phone)
    token = await csrf_token(client)
    refused = await client.post(
        "/me/licenses/import/real-estate", data={"_csrf_token": token}, headers=EN
    )
    assert refused.status_code == 422
    assert "The records hold no such license for you." in refused.text
    assert "别人的房子" not in refused.text
    assert await _count(client, License, person_id) == 0


async def test_an_unknown_source_or_another_subjects_source_answers_404(client: Client) -> None:
    await sign_in_as(client, new_phone())
    token = await csrf_token(client)
    for source in ("marriage", "enterprise-registry", "nothing"):
        answer = await client.post(f"/me/licenses/import/{source}", data={"_csrf_token": token})
        assert answer.status_code == 404, source


async def test_an_enterprise_imports_its_business_licence_while_a_member_acts_for_it(
    client: Client, tmp_path: Path
) -> None:
    representative = new_phone()
    await sign_in_as(client, representative)
    enterprise_id, code, name = await enterprise_of(client, representative)
    registry = {
        "name": name,
        "credit_code": code,
        "legal_representative": "周敏",
        "entity_type": "有限责任公司",
        "registered_capital": "100",
        "established_on": "2020-01-02",
        "registered_address": "示例市明湖区湖滨路12号",
        "business_scope": "软件开发",
        "status": "存续",
    }
    _use_records(client, write_records(tmp_path, ("enterprise-registry", code, registry)))
    token = await csrf_token(client)
    form = {"enterprise_id": str(enterprise_id), "next": "/wallet", "_csrf_token": token}
    await client.post("/me/acting-as", data=form)

    location = await _import(client, "enterprise-registry")
    licence = await client.get(location, headers=EN)
    assert code in licence.text
    assert "软件开发" in licence.text

    await client.post("/me/acting-as", data={**form, "enterprise_id": "", "next": "/me"})
    assert (await client.get(location)).status_code == 404  # the enterprise's, not mine
