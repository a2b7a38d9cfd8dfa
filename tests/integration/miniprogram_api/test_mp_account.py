"""The person's own data and accounts through ``/mp/v1`` (issue #16, parity with the pages):
the export, the data-use record, 免申即享, importing licenses, bound accounts."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from pathlib import Path
from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.composition.runtime import Runtime
from app.identity.models import ExternalAccount, Provider
from app.privacy import mask_id_number, mask_phone
from app.records.models import DataAccess
from app.wallet.models import License
from tests.conftest import forget_code_cooldown, in_app, sign_in_as
from tests.integration.benefits.test_benefits import _offers_of, _run_checks
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.records_support import new_id_number, new_phone, write_records
from tests.integration.wallet.test_license_import import _count, _use_records, _verified
from tests.integration.wallet_support import enterprise_of

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}
HOUSEHOLD = {
    "name": "周敏", "gender": "女", "birth_date": "1990-05-01",
    "household_address": "示例市鹭江区滨江路8号", "household_head": "周敏",
    "relation_to_head": "户主",
}  # fmt: skip


def _problem(answer: Any) -> dict[str, Any]:
    """A problem's body without what differs by request (its id and path)."""
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
    body = dict(answer.json())
    body.pop("requestId")
    body["instance"] = re.sub(r"[0-9a-f-]{36}", "<id>", body["instance"])
    return body


async def _resident(client: Client) -> tuple[str, str, UUID, dict[str, str]]:
    """A person verified to L2, signed in to the mini-program: phone, ID number, id, auth."""
    phone, number = new_phone(), new_id_number()
    person_id = await _verified(client, phone, number)
    return phone, number, person_id, {**await bearer(client, phone), **EN}


# --- the export --------------------------------------------------------------------------


async def test_the_export_is_the_web_exports_document_with_numbers_masked_and_audited(
    client: Client,
) -> None:
    phone, number, _, auth = await _resident(client)
    answer = await client.get("/mp/v1/me/export", headers=auth)
    assert answer.status_code == 200, answer.text
    assert "no-store" in answer.headers["cache-control"]
    assert number not in answer.text
    assert phone not in answer.text
    mine = answer.json()
    assert mine["format"] == "onething-export/1"
    assert mine["numbersInFull"] is False
    (person,) = mine["tables"]["person"]
    assert person["id_number"] == mask_id_number(number)
    assert person["phone"] == mask_phone(phone)

    await forget_code_cooldown(client, phone)
    await sign_in_as(client, phone)
    with zipfile.ZipFile(io.BytesIO((await client.get("/me/export")).content)) as archive:
        [data] = [name for name in archive.namelist() if name.endswith("/data/onething.json")]
        web = json.loads(archive.read(data))
    assert set(mine["tables"]) == set(web["tables"])  # the same tables as the web's file
    assert web["tables"]["person"][0]["id_number"] == person["id_number"]
    # The mini-program's export is in the audit chain (the web's own record of its download
    # is written after its document is made, so this is the mini-program's).
    exported = [e for e in web["tables"]["audit_event"] if e["kind"] == "data_exported"]
    assert len(exported) == 1


async def test_another_persons_data_is_never_in_my_export(client: Client) -> None:
    other_phone, other_number, _, _ = await _resident(client)
    _, _, me, auth = await _resident(client)
    mine = (await client.get("/mp/v1/me/export", headers=auth)).json()
    assert mine["tables"]["person"][0]["id"] == str(me)
    text = json.dumps(mine, ensure_ascii=False)
    assert mask_id_number(other_number) not in text
    assert mask_phone(other_phone) not in text


# --- importing licenses, and the data-use record it leaves ---------------------------------


async def test_a_license_is_imported_once_and_its_read_is_in_the_data_use_record(
    client: Client, tmp_path: Path
) -> None:
    _, number, person_id, auth = await _resident(client)
    _use_records(client, write_records(
        tmp_path, ("population", number, {**HOUSEHOLD, "id_number": number,
                                          "household_number": f"H{number[-8:]}"})
    ))  # fmt: skip
    listed = await client.get("/mp/v1/licenses/import", headers=auth)
    assert listed.status_code == 200, listed.text
    sources = {s["source"]: s for s in listed.json()["sources"]}
    assert set(sources) == {"population", "disability", "real-estate"}  # not the enterprise's
    assert sources["population"]["title"] == "Household register (electronic)"
    assert sources["population"]["sourceLabel"] == "Population and household register"
    assert "Registered household address" in sources["population"]["fields"]

    first = await client.post("/mp/v1/licenses/import/population", headers=auth)
    assert first.status_code == 200, first.text
    fields = {f["key"]: f["value"] for f in first.json()["fields"]}
    assert fields["address"] == "示例市鹭江区滨江路8号"
    assert fields["id_number"] == mask_id_number(number)
    assert number not in first.text
    again = await client.post("/mp/v1/licenses/import/population", headers=auth)
    assert again.json()["id"] == first.json()["id"]  # the same license, not read again
    assert await _count(client, DataAccess, person_id) == 1
    wallet = (await client.get("/mp/v1/licenses", headers=auth)).json()["licenses"]
    assert [w["id"] for w in wallet] == [first.json()["id"]]

    used = await client.get("/mp/v1/me/data-use", headers=auth)
    assert used.status_code == 200, used.text
    (entry,) = used.json()["entries"]
    assert entry["sourceLabel"] == "Population and household register"
    assert entry["purpose"] == "Household register (electronic)"
    assert "Registered household address" in entry["fieldLabels"]
    assert (entry["outcome"], entry["outcomeLabel"]) == ("found", "Record found")
    assert (entry["readBy"], entry["readByLabel"]) == ("you", "Read by: you")
    assert used.json()["older"] is None
    older = await client.get("/mp/v1/me/data-use", headers=auth,
                             params={"before": entry["accessedAt"]})  # fmt: skip
    assert older.json() == {"entries": [], "older": None}


async def test_acting_for_an_enterprise_imports_into_the_enterprises_wallet_only(
    client: Client,
) -> None:
    phone, _, _, auth = await _resident(client)
    enterprise_id, _, _ = await enterprise_of(client, phone)
    acting = {**auth, "X-Acting-For": str(enterprise_id)}
    listed = await client.get("/mp/v1/licenses/import", headers=acting)
    assert listed.status_code == 200, listed.text
    assert {s["source"] for s in listed.json()["sources"]} == {"enterprise-registry"}
    # A person's record is not the enterprise's to import; an enterprise not mine is 404.
    assert (
        await client.post("/mp/v1/licenses/import/population", headers=acting)
    ).status_code == 404
    stranger = {**auth, "X-Acting-For": str(uuid.uuid4())}
    assert (await client.get("/mp/v1/licenses/import", headers=stranger)).status_code == 404


async def test_an_import_the_records_cannot_make_changes_nothing(
    client: Client, tmp_path: Path
) -> None:
    _, _, person_id, auth = await _resident(client)
    _use_records(client, write_records(
        tmp_path, ("real-estate", new_id_number(), {"property_address": "别人的房子"})
    ))  # fmt: skip
    refused = await client.post("/mp/v1/licenses/import/real-estate", headers=auth)
    assert refused.status_code == 422
    assert _problem(refused)["detail"] == "The records hold no such license for you."
    assert "别人的房子" not in refused.text
    for source in ("enterprise-registry", "marriage", "nothing"):
        missing = await client.post(f"/mp/v1/licenses/import/{source}", headers=auth)
        assert missing.status_code == 404, source
        assert _problem(missing)["code"] == "not_found"
    assert await _count(client, License, person_id) == 0


async def test_the_data_use_record_refuses_a_cursor_that_is_not_a_moment(client: Client) -> None:
    _, _, _, auth = await _resident(client)
    bad = await client.get("/mp/v1/me/data-use", headers=auth, params={"before": "yesterday"})
    assert bad.status_code == 400
    assert _problem(bad)["code"] == "validation_failed"
    # A bare number would be read as seconds since 1970: the document says date-time.
    for number in ("425700", "0.0"):
        seconds = await client.get("/mp/v1/me/data-use", headers=auth, params={"before": number})
        assert seconds.status_code == 400, number
        assert _problem(seconds)["code"] == "validation_failed"
    misspelt = await client.get("/mp/v1/me/data-use", headers=auth,
                                params={"befor": "2026-11-01T08:00:00Z"})  # fmt: skip
    assert misspelt.status_code == 400
    assert _problem(misspelt)["errors"] == [
        {"field": "befor", "message": "This parameter is not taken here."}
    ]
    # A moment typed without its offset is read as UTC (the pages take it the same way).
    naive = await client.get("/mp/v1/me/data-use", headers=auth,
                             params={"before": "2026-11-01T08:00:00"})  # fmt: skip
    assert naive.status_code == 200, naive.text
    assert naive.json() == {"entries": [], "older": None}
    await sign_in_as(client, new_phone())
    page = await client.get("/me/data-use", params={"before": "2026-11-01T08:00:00"})
    assert page.status_code == 200


# --- 免申即享 -------------------------------------------------------------------------------


async def test_checks_bring_an_offer_that_is_answered_once(client: Client, tmp_path: Path) -> None:
    _, number, person_id, auth = await _resident(client)
    records = write_records(tmp_path, ("disability", number, {"grade": "一级"}))
    before = await client.get("/mp/v1/benefits", headers=auth)
    assert before.status_code == 200, before.text
    assert before.json() == {"checksEnabled": False, "offers": []}
    agreed = await client.post("/mp/v1/benefits/checks", headers=auth)
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["checksEnabled"] is True
    assert await _run_checks(client, records) == 1

    (offer,) = (await client.get("/mp/v1/benefits", headers=auth)).json()["offers"]
    assert offer["status"] == "offered"
    assert offer["benefitCode"] == "disability-living-subsidy"
    (reason,) = offer["reasons"]
    assert reason["record"] == "Disability certificates"
    assert reason["asOf"] == "2026-11-01"

    url = f"/mp/v1/benefits/offers/{offer['id']}/answer"
    accepted = await client.post(url, headers=auth, json={"decision": "accepted"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["answeredAt"] is not None
    twice = await client.post(url, headers=auth, json={"decision": "declined"})
    assert twice.status_code == 409
    assert _problem(twice)["detail"] == "This offer has already been answered."

    withdrawn = await client.post("/mp/v1/benefits/checks/withdraw", headers=auth)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["checksEnabled"] is False
    assert [o["status"] for o in withdrawn.json()["offers"]] == ["accepted"]  # offers stay
    (stored,) = await _offers_of(client, person_id)
    assert stored.status == "accepted"


async def test_checks_need_a_real_name_first_and_nothing_is_agreed_without_one(
    client: Client,
) -> None:
    auth = {**await bearer(client, new_phone()), **EN}  # L1: only the phone is proven
    refused = await client.post("/mp/v1/benefits/checks", headers=auth)
    assert refused.status_code == 422
    assert _problem(refused)["code"] == "rule_violation"
    assert "real name" in _problem(refused)["detail"]
    assert (await client.get("/mp/v1/benefits", headers=auth)).json()["checksEnabled"] is False


async def test_a_bad_answer_is_refused_and_changes_nothing(client: Client, tmp_path: Path) -> None:
    _, number, person_id, auth = await _resident(client)
    records = write_records(tmp_path, ("disability", number, {"grade": "一级"}))
    await client.post("/mp/v1/benefits/checks", headers=auth)
    await _run_checks(client, records)
    (offer,) = await _offers_of(client, person_id)
    url = f"/mp/v1/benefits/offers/{offer.id}/answer"

    unknown = await client.post(url, headers=auth, json={"decision": "maybe"})
    assert unknown.status_code == 422
    assert [e["field"] for e in _problem(unknown)["errors"]] == ["decision"]
    bare = await client.post(url, headers=auth, json={"decision": "disputed", "note": "  "})
    assert bare.status_code == 422
    assert [e["field"] for e in _problem(bare)["errors"]] == ["note"]
    for body in ({}, {"decision": 1}, {"decision": "accepted", "note": ["x"]}):
        malformed = await client.post(url, headers=auth, json=body)
        assert malformed.status_code == 400, body
        assert _problem(malformed)["code"] == "validation_failed"
    (unchanged,) = await _offers_of(client, person_id)
    assert (unchanged.status, unchanged.dispute_note) == ("offered", None)

    disputed = await client.post(
        url, headers=auth, json={"decision": "disputed", "note": "等级已调整为三级"}
    )
    assert disputed.status_code == 200
    assert (disputed.json()["status"], disputed.json()["disputeNote"]) == (
        "disputed", "等级已调整为三级",
    )  # fmt: skip


async def test_another_persons_offer_answers_like_a_missing_one(
    client: Client, tmp_path: Path
) -> None:
    _, number, owner_id, owner = await _resident(client)
    _, _, _, other = await _resident(client)
    records = write_records(tmp_path, ("disability", number, {"grade": "一级"}))
    await client.post("/mp/v1/benefits/checks", headers=owner)
    await _run_checks(client, records)
    (offer,) = await _offers_of(client, owner_id)

    body = {"decision": "declined"}
    theirs = await client.post(f"/mp/v1/benefits/offers/{offer.id}/answer", headers=other,
                               json=body)  # fmt: skip
    missing = await client.post(f"/mp/v1/benefits/offers/{uuid.uuid4()}/answer", headers=other,
                                json=body)  # fmt: skip
    assert theirs.status_code == missing.status_code == 404
    assert _problem(theirs) == _problem(missing)
    assert (await client.get("/mp/v1/benefits", headers=other)).json()["offers"] == []
    (unchanged,) = await _offers_of(client, owner_id)
    assert unchanged.status == "offered"


# --- bound accounts --------------------------------------------------------------------------


async def _bind(client: Client, person_id: UUID, provider: Provider) -> UUID:
    runtime: Runtime = client.app.state.runtime

    async def bind() -> UUID:
        async with runtime.sessionmaker() as db, db.begin():
            account = ExternalAccount(
                provider=provider, subject=f"o-{uuid.uuid4().hex}", person_id=person_id
            )
            db.add(account)
            await db.flush()
            return account.id

    return await in_app(client, bind)


async def _accounts_of(client: Client, person_id: UUID) -> list[UUID]:
    runtime: Runtime = client.app.state.runtime

    async def load() -> list[UUID]:
        async with runtime.sessionmaker() as db:
            found = await db.scalars(
                select(ExternalAccount.id).where(ExternalAccount.person_id == person_id)
            )
            return list(found)

    return await in_app(client, load)


async def test_my_bound_accounts_are_listed_and_only_i_can_unbind_one(client: Client) -> None:
    _, _, owner_id, owner = await _resident(client)
    _, _, _, other = await _resident(client)
    wechat = await _bind(client, owner_id, Provider.WECHAT)
    alipay = await _bind(client, owner_id, Provider.ALIPAY)

    listed = await client.get("/mp/v1/me/accounts", headers=owner)
    assert listed.status_code == 200, listed.text
    accounts = listed.json()["accounts"]
    assert [(a["id"], a["provider"], a["providerLabel"]) for a in accounts] == [
        (str(wechat), "wechat", "WeChat"), (str(alipay), "alipay", "Alipay"),
    ]  # fmt: skip
    assert "o-" not in listed.text  # the platform's id of the account is never answered
    chinese = await client.get("/mp/v1/me/accounts", headers={**owner, "Accept-Language": "zh-CN"})
    assert chinese.json()["accounts"][0]["providerLabel"] == "微信"

    theirs = await client.post(f"/mp/v1/me/accounts/{wechat}/unbind", headers=other)
    missing = await client.post(f"/mp/v1/me/accounts/{uuid.uuid4()}/unbind", headers=other)
    assert theirs.status_code == missing.status_code == 404
    assert _problem(theirs) == _problem(missing)
    assert (await client.get("/mp/v1/me/accounts", headers=other)).json() == {"accounts": []}
    assert set(await _accounts_of(client, owner_id)) == {wechat, alipay}

    done = await client.post(f"/mp/v1/me/accounts/{wechat}/unbind", headers=owner)
    assert done.status_code == 200, done.text
    assert [a["id"] for a in done.json()["accounts"]] == [str(alipay)]
    assert await _accounts_of(client, owner_id) == [alipay]
    again = await client.post(f"/mp/v1/me/accounts/{wechat}/unbind", headers=owner)
    assert again.status_code == 404


async def test_every_new_operation_needs_a_bearer(client: Client) -> None:
    calls = [
        ("GET", "/mp/v1/me/export"), ("GET", "/mp/v1/me/data-use"), ("GET", "/mp/v1/benefits"),
        ("POST", "/mp/v1/benefits/checks"), ("POST", "/mp/v1/benefits/checks/withdraw"),
        ("POST", f"/mp/v1/benefits/offers/{uuid.uuid4()}/answer"),
        ("GET", "/mp/v1/licenses/import"), ("POST", "/mp/v1/licenses/import/population"),
        ("GET", "/mp/v1/me/accounts"), ("POST", f"/mp/v1/me/accounts/{uuid.uuid4()}/unbind"),
    ]  # fmt: skip
    for method, path in calls:
        answer = await client.request(method, path, json={"decision": "accepted"})
        assert answer.status_code == 401, (method, path)
        assert _problem(answer)["code"] == "unauthenticated"
