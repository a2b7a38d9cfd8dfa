"""The mini-program API walks the same flow: catalog, questions, notice, consent, form."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import latest_code

Client = AsyncTestClient[Litestar]


async def bearer(client: Client, phone: str) -> dict[str, str]:
    sent = await client.post("/mp/v1/auth/sms-codes", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    answer = await client.post(
        "/mp/v1/auth/sms", json={"phone": phone, "code": await latest_code(client)}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['tokens']['accessToken']}"}


async def test_the_catalog_lists_every_life_event_and_the_questionnaire_of_one(
    client: Client,
) -> None:
    listed = await client.get("/mp/v1/catalog/bundles", headers={"Accept-Language": "en"})
    assert listed.status_code == 200
    bundles = {b["code"]: b for b in listed.json()["bundles"]}
    assert bundles["newborn"]["online"] is True
    assert bundles["newborn"]["name"] == "A baby is born"
    assert any(not b["online"] for b in bundles.values())
    detail = (await client.get("/mp/v1/catalog/bundles/newborn")).json()
    assert {"key", "text", "kind", "options", "shownWhen"} <= set(detail["questions"][0])
    assert {"code", "appliesWhen", "dependsOn", "promisedDays"} <= set(detail["matters"][0])
    missing = await client.get("/mp/v1/catalog/bundles/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_a_resident_prepares_a_draft_through_the_api(client: Client) -> None:
    auth = await bearer(client, "13600000201")
    started = await client.post("/mp/v1/drafts", json={"bundleCode": "newborn"}, headers=auth)
    assert started.status_code == 201, started.text
    draft = started.json()
    base = f"/mp/v1/drafts/{draft['id']}"
    bad = await client.put(f"{base}/answers", json={"answers": {"household": ["mars"]}},
                           headers=auth)  # fmt: skip
    assert bad.status_code == 422
    problem = bad.json()
    assert {e["field"] for e in problem["errors"]} >= {"household", "birth_certificate"}
    answers = {"birth_certificate": ["pending"], "household": ["local"],
               "maternity_insurance": ["no"]}  # fmt: skip
    answered = await client.put(f"{base}/answers", json={"answers": answers}, headers=auth)
    assert answered.status_code == 200, answered.text
    assert "maternity-benefits" not in answered.json()["selected"]
    notice = (await client.get(f"{base}/notice", headers=auth)).json()
    assert notice["promisedDays"] > 0
    assert notice["departments"]
    await client.post(f"{base}/notice/acknowledge", headers=auth)
    question = (await client.get(f"{base}/consent", headers=auth)).json()
    assert {r["source"] for r in question["requests"]} >= {"population", "birth-medical"}
    declined = await client.post(f"{base}/consent", json={"agree": False}, headers=auth)
    assert declined.json()["consent"] == "declined"
    form = (await client.get(f"{base}/form", headers=auth)).json()
    keys = [f["key"] for g in form["groups"] for f in g["fields"]]
    assert len(keys) == len(set(keys))
    dates = [f["key"] for g in form["groups"] for f in g["fields"] if f["kind"] == "date"]
    refused = await client.patch(f"{base}/values", json={"values": {dates[0]: "soon"}},
                                 headers=auth)  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == dates[0]
    saved = await client.patch(f"{base}/values", json={"values": {dates[0]: "2026-11-10"}},
                               headers=auth)  # fmt: skip
    assert saved.status_code == 200
    values = {f["key"]: f["value"] for g in saved.json()["groups"] for f in g["fields"]}
    assert values[dates[0]] == "2026-11-10"


async def test_another_persons_draft_is_404_through_the_api(client: Client) -> None:
    mine = await bearer(client, "13600000202")
    theirs = await bearer(client, "13600000203")
    started = await client.post("/mp/v1/drafts", json={"bundleCode": "newborn"}, headers=mine)
    other = await client.get(f"/mp/v1/drafts/{started.json()['id']}", headers=theirs)
    assert other.status_code == 404
    assert (await client.get("/mp/v1/drafts", headers=theirs)).json()["drafts"] == []
