"""下载我的数据 is an archive a person can open: pages in words, data for programs, no one else.

The pages (``index.html`` and one per area) say everything in the person's language, with
labels (an option's label, a state in words), never codes; ``data/`` holds the same document
as JSON (the one ``/mp/v1/me/export`` answers) and one CSV per table. Another person who
acted (a relative who read the records) shows as what they are, never by name, number or id.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from pathlib import Path

import pytest

from app.composition.runtime import Runtime
from app.identity.models import Person
from app.privacy import mask_phone
from app.records.exchange import DemoRecordExchange
from app.records.service import FieldRequest, Purpose, RecordsService
from tests.conftest import csrf_token, forget_code_cooldown, in_app, sign_in_as
from tests.integration.choices_support import (
    Client,
    assert_labels,
    choice_records,
    choices_catalog,
    draft_at_review,
    facts,
)
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.records_support import (
    new_id_number,
    new_phone,
    resident,
    write_records,
)

AREAS = ("account", "applications", "licenses", "records", "messages", "assistance", "enterprises")
TITLES = {
    "zh_Hans": {"account": "我的账号", "applications": "办件和草稿",
                "records": "与我有关的政务数据"},
    "en": {"account": "My account", "applications": "Applications and drafts",
           "records": "Government records about me"},
}  # fmt: skip
ADDRESS = "长沙市岳麓区示例路1号"


async def _archive(client: Client) -> dict[str, bytes]:
    response = await client.get("/me/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/zip")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


async def _verified(client: Client) -> tuple[str, str, uuid.UUID]:
    runtime: Runtime = client.app.state.runtime
    phone, number = new_phone(), new_id_number()

    async def make() -> uuid.UUID:
        async with runtime.sessionmaker() as db, db.begin():
            return (await resident(db, runtime.protector, phone=phone, id_number=number)).id

    return phone, number, await in_app(client, make)


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
async def test_the_download_is_an_archive_of_pages_in_words_and_data_for_programs(
    client: Client, tmp_path: Path, locale: str
) -> None:
    runtime: Runtime = client.app.state.runtime
    runtime.catalog = choices_catalog()
    phone, number, _ = await _verified(client)
    runtime.records = choice_records(tmp_path, number, 0)
    await sign_in_as(client, phone)
    client.headers["Accept-Language"] = "en" if locale == "en" else "zh-CN"
    draft, review = await draft_at_review(client, 0, locale)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', review)
    assert key
    token = await csrf_token(client)
    submitted = await client.post("/me/applications", follow_redirects=False, data={
        "draft_id": draft, "idempotency_key": key.group(1), "delivery": "mail",
        "address": ADDRESS, "commitment": "yes", "_csrf_token": token})  # fmt: skip
    assert submitted.status_code == 303, submitted.text

    files = await _archive(client)
    pages = {f"{area}.html" for area in AREAS}
    assert {"README.txt", "index.html", "data/onething.json"} | pages <= set(files)
    document = json.loads(files["data/onething.json"])
    assert {f"data/{table}.csv" for table in document["tables"]} <= set(files)
    csv = files["data/application.csv"]
    assert csv.startswith(b"\xef\xbb\xbf"), "a byte-order mark, so that a spreadsheet reads UTF-8"
    assert document["tables"]["application"][0]["number"].encode() in csv

    index = files["index.html"].decode()
    for area in AREAS:
        assert f'href="{area}.html"' in index
    for area, title in TITLES[locale].items():
        assert f"<h1>{title}</h1>" in files[f"{area}.html"].decode()
    readme = files["README.txt"].decode()
    assert "index.html" in readme
    assert ("Open index.html" in readme) is (locale == "en")
    for name in (*pages, "index.html"):
        assert "<script" not in files[name].decode()  # pages to read, nothing that runs

    # What the records were read for is the bundle, in the reader's language.
    bundle = "Every choice (test)" if locale == "en" else "每个选项(测试)"
    assert f"<h3>{bundle}</h3>" in files["records.html"].decode()
    # The application's answers in words: every choice is its option's label, not its code.
    applications = files["applications.html"].decode()
    assert_labels(applications, 0, locale, "export")
    shown = dict(facts(applications))
    results = shown["Results" if locale == "en" else "结果送达"]
    assert results == ("express mail" if locale == "en" else "邮寄送达") + f": {ADDRESS}"
    assert "mail" not in [value for _, value in facts(applications)]


async def test_someone_who_acted_for_me_is_in_my_export_by_what_they_are_not_who(
    client: Client, tmp_path: Path
) -> None:
    runtime: Runtime = client.app.state.runtime
    phone, number, me = await _verified(client)
    relative_phone, _, relative = await _verified(client)
    records = write_records(tmp_path, ("marriage", number, {"spouse_name": "王芳"}))
    wanted = [FieldRequest("marriage", "spouse_name")]
    purpose = Purpose(kind="draft", ref=str(uuid.uuid4()), label="结婚一件事")

    async def read_by_the_relative() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            person = await db.get(Person, me)
            assert person is not None
            service = RecordsService(db, DemoRecordExchange(records), runtime.protector)
            await service.grant_consent(person, purpose, wanted)
            await service.read(person, purpose, wanted, accessor_person_id=relative)

    await in_app(client, read_by_the_relative)
    await sign_in_as(client, phone)
    files = await _archive(client)
    page = files["records.html"].decode()
    assert "亲属或监护人" in page
    everything = b"".join(files.values()).decode("utf-8", "replace")
    assert str(relative) not in everything
    assert relative_phone not in everything
    assert mask_phone(relative_phone) not in everything
    (read,) = json.loads(files["data/onething.json"])["tables"]["data_access"]
    assert read["agent_person_id"] == "other"
    assert read["person_id"] == str(me)

    # The mini-program's export is the same document, from the same service.
    await forget_code_cooldown(client, phone)
    mine = (await client.get("/mp/v1/me/export", headers=await bearer(client, phone))).json()
    assert mine["tables"]["data_access"] == [read]
