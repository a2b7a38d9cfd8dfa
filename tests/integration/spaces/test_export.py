"""下载我的数据 (/me/export): everything held about the signed-in person, and only theirs."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any
from uuid import UUID

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import Table

import app.composition.models  # noqa: F401  (every model module, so the metadata is complete)
from app.applications.models import Draft, DraftUpload
from app.composition.runtime import Runtime
from app.db.base import UUIDv7AuditBase
from app.identity.models import Person
from app.privacy import mask_id_number
from app.records.exchange import DemoRecordExchange
from app.records.service import FieldRequest, Purpose, RecordsService
from app.wallet.service import Holder
from tests.conftest import csrf_token, forget_code_cooldown, in_app, latest_code, sign_in_as
from tests.integration.records_support import new_id_number, new_phone, resident, write_records
from tests.integration.wallet_support import HOUSEHOLD_FIELDS, issue

Client = AsyncTestClient[Litestar]

# Tables that reference a person but are not the person's data, each with the reason.
NOT_EXPORTED: dict[str, str] = {}


def _personal_tables() -> set[str]:
    """The person table and every table that references it, directly or through another."""
    tables = UUIDv7AuditBase.metadata.tables.values()
    personal = {"person"}
    grown = True
    while grown:
        before = len(personal)
        personal |= {table.name for table in tables if _references(table, personal)}
        grown = len(personal) > before
    return personal


def _references(table: Table, names: set[str]) -> bool:
    return any(
        key.column.table.name in names or key.parent.name.endswith("person_id")
        for key in table.foreign_keys
    )


async def _archive(client: Client) -> dict[str, bytes]:
    """The downloaded ZIP's files by their path inside its one folder."""
    response = await client.get("/me/export")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("application/zip")
    assert "attachment" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        folders = {name.split("/", 1)[0] for name in names}
        assert len(folders) == 1, folders  # one folder: unzipping scatters nothing
        return {name.split("/", 1)[1]: archive.read(name) for name in names}


async def _export(client: Client) -> dict[str, Any]:
    return dict(json.loads((await _archive(client))["data/onething.json"]))


async def _verified_person(client: Client, phone: str, id_number: str) -> UUID:
    runtime: Runtime = client.app.state.runtime

    async def verify() -> UUID:
        async with runtime.sessionmaker() as db, db.begin():
            person = await resident(db, runtime.protector, phone=phone, id_number=id_number)
            return person.id

    return await in_app(client, verify)


async def _draft_with_upload(client: Client, person_id: UUID, id_number: str) -> None:
    """A draft whose sealed values hold the ID number, and one uploaded file."""
    runtime: Runtime = client.app.state.runtime

    async def make() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            draft = Draft(person_id=person_id, bundle_code="newborn")
            db.add(draft)
            await db.flush()
            values = {"typed": {"applicant_id_number": id_number}, "prefilled": {}}
            draft.sealed_values = runtime.protector.seal(
                msgspec.json.encode(values).decode(), context=f"draft:{draft.id}"
            )
            key = f"uploads/{uuid.uuid4()}"
            await runtime.storage.put(key, b"%PDF-1.4 proof")
            db.add(
                DraftUpload(
                    draft_id=draft.id,
                    material_code="proof",
                    filename="proof.pdf",
                    content_type="application/pdf",
                    size=14,
                    sha256="0" * 64,
                    storage_key=key,
                )
            )

    await in_app(client, make)


async def _read_marriage(client: Client, person_id: UUID, id_number: str, tmp: Any) -> None:
    runtime: Runtime = client.app.state.runtime
    records = write_records(tmp, ("marriage", id_number, {"spouse_name": "王芳"}))
    wanted = [FieldRequest("marriage", "spouse_name")]
    purpose = Purpose(kind="draft", ref=str(uuid.uuid4()), label="结婚一件事")

    async def read() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            person = await db.get(Person, person_id)
            assert person is not None
            service = RecordsService(db, DemoRecordExchange(records), runtime.protector)
            await service.grant_consent(person, purpose, wanted)
            await service.read(person, purpose, wanted)

    await in_app(client, read)


async def test_every_table_that_holds_a_persons_data_has_a_place_in_the_export(
    client: Client,
) -> None:
    await sign_in_as(client, new_phone())
    exported = set((await _export(client))["tables"])
    missing = _personal_tables() - exported - set(NOT_EXPORTED)
    assert not missing, f"tables holding a person's data but not exported: {sorted(missing)}"


async def test_the_export_holds_my_licenses_reads_drafts_and_files_and_nobody_elses(
    client: Client, tmp_path: Any
) -> None:
    mine, theirs = new_phone(), new_phone()
    my_number = new_id_number()
    their_id = await _verified_person(client, theirs, new_id_number())
    my_id = await _verified_person(client, mine, my_number)
    await issue(client, Holder.person(my_id), source_ref=f"test:{uuid.uuid4()}")
    await issue(client, Holder.person(their_id), source_ref=f"test:{uuid.uuid4()}")
    await _read_marriage(client, my_id, my_number, tmp_path)
    await _draft_with_upload(client, my_id, my_number)
    await sign_in_as(client, mine)

    files = await _archive(client)
    assert any(name.startswith("files/") and name.endswith("-proof.pdf") for name in files)
    tables = (await _export(client))["tables"]

    assert [row["id"] for row in tables["person"]] == [str(my_id)]
    assert {row["person_id"] for row in tables["wallet_license"]} == {str(my_id)}
    assert [row["source"] for row in tables["data_access"]] == ["marriage"]
    assert tables["record_consent"][0]["fields"] == ["marriage.spouse_name"]
    assert tables["security_event"], "signing in is a security event"
    assert tables["draft"][0]["values"]["typed"]["applicant_id_number"] != my_number
    text = json.dumps(tables, ensure_ascii=False)
    assert str(their_id) not in text
    assert my_number not in text
    assert "ciphertext" not in text
    assert HOUSEHOLD_FIELDS["id_number"] not in text  # the license's number is masked


async def test_numbers_are_in_full_only_after_re_authenticating_with_a_fresh_code(
    client: Client,
) -> None:
    phone, number = new_phone(), new_id_number()
    person_id = await _verified_person(client, phone, number)
    mine = {**HOUSEHOLD_FIELDS, "id_number": number}
    await issue(client, Holder.person(person_id), fields=mine, source_ref=f"test:{uuid.uuid4()}")
    await sign_in_as(client, phone)
    masked = await _export(client)
    assert masked["numbers_in_full"] is False
    assert masked["tables"]["person"][0]["phone"] == f"{phone[:3]}****{phone[-4:]}"

    await forget_code_cooldown(client, phone)
    token = await csrf_token(client)
    await client.post("/me/reveal/code", data={"_csrf_token": token})
    await client.post("/me/reveal", data={"code": await latest_code(client), "_csrf_token": token})
    full = await _export(client)
    assert full["numbers_in_full"] is True
    person = full["tables"]["person"][0]
    assert (person["phone"], person["id_number"]) == (phone, number)
    license_fields = full["tables"]["wallet_license"][0]["fields"]
    assert license_fields["id_number"] == number


async def test_full_numbers_are_the_persons_own_only_never_someone_elses(client: Client) -> None:
    phone, number = new_phone(), new_id_number()
    person_id = await _verified_person(client, phone, number)
    # A license that names someone else's number (a household member's), and a form that
    # holds a spouse's: neither is the person's own number.
    await issue(client, Holder.person(person_id), source_ref=f"test:{uuid.uuid4()}")
    spouse = new_id_number()
    await _draft_with_upload(client, person_id, spouse)
    await sign_in_as(client, phone)
    await forget_code_cooldown(client, phone)
    token = await csrf_token(client)
    await client.post("/me/reveal/code", data={"_csrf_token": token})
    await client.post("/me/reveal", data={"code": await latest_code(client), "_csrf_token": token})
    files = await _archive(client)
    full = json.loads(files["data/onething.json"])
    assert full["numbers_in_full"] is True
    assert full["tables"]["person"][0]["id_number"] == number
    everything = b"".join(files.values()).decode("utf-8", "replace")
    assert HOUSEHOLD_FIELDS["id_number"] not in everything
    assert spouse not in everything
    assert mask_id_number(spouse) in everything


async def test_the_export_needs_a_signed_in_person(client: Client) -> None:
    response = await client.get("/me/export", follow_redirects=False)
    assert response.status_code in {303, 404}
