"""代亲属办 through ``/mp/v1`` alone: a grandmother applies for her daughter's newborn (issue 16).

The daughter (the principal) names her mother as a relative who may act for her in the
newborn bundle; the mother finds her under ``/me/acting-for``, sends
``X-Acting-For: <principal id>`` and prepares, consents and submits as the pages let a
relative do; the application, its notice and its licences are the daughter's, and the
daughter reads in 我的授权 what her mother did. Outside the authorization — another
service, an action it does not name, after it is revoked, or for someone who never
authorized her — every operation answers 404, as for an object that does not exist.
"""

from __future__ import annotations

import re
import secrets
from datetime import date
from uuid import UUID

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.assist.models import Scope
from tests.fakes.population_server import FakePopulationRecords
from tests.integration.application_support import new_phone
from tests.integration.miniprogram_api import journey_support
from tests.integration.miniprogram_api.journey_support import (
    approve_everything,
    id_number,
    prepare_newborn,
    verify_real_name,
)
from tests.integration.miniprogram_api.test_mp_drafts import bearer

Client = AsyncTestClient[Litestar]
# The fixtures: local population records and WeChat, and the app pointed at them.
population, settings = journey_support.population, journey_support.settings
wechat = journey_support.wechat
ALL_SCOPES = [str(s) for s in Scope]
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


async def _pair(
    client: Client, population: FakePopulationRecords, scopes: list[str]
) -> tuple[dict[str, str], dict[str, str], str, str]:
    """A daughter who names her mother for ``scopes`` of the newborn bundle: (daughter's
    headers, mother's headers acting for her, the daughter's ID number, the principal id)."""
    daughter_number, mother_phone = id_number(date(1994, 3, 2)), new_phone()
    daughter = await bearer(client, new_phone())
    await verify_real_name(client, daughter, population, "王芳", daughter_number)
    mother = await bearer(client, mother_phone)
    await verify_real_name(client, mother, population, "李秀英", id_number(date(1966, 8, 9)))

    named = await client.post("/mp/v1/me/authorizations/relatives", headers=daughter, json={
        "phone": mother_phone, "name": "李秀英", "bundles": ["newborn"], "scopes": scopes,
        "days": 30,
    })  # fmt: skip
    assert named.status_code == 202, named.text
    principals = (await client.get("/mp/v1/me/acting-for", headers=mother)).json()["principals"]
    assert len(principals) == 1, principals
    assert principals[0]["principalName"] == "王芳"
    assert principals[0]["authorization"]["active"] is True
    assert principals[0]["authorization"]["state"]["label"] != "active"  # words, not codes
    principal_id = principals[0]["principalId"]
    acting = {**mother, "X-Acting-For": principal_id}
    return daughter, acting, daughter_number, principal_id


async def test_a_relative_applies_for_the_principal_through_the_api(
    client: Client, population: FakePopulationRecords
) -> None:
    statuses: list[int] = []

    async def seen(response: httpx.Response) -> None:
        statuses.append(response.status_code)

    client.event_hooks["response"].append(seen)
    daughter, acting, daughter_number, _ = await _pair(client, population, ALL_SCOPES)
    mother = {"Authorization": acting["Authorization"]}

    # The mother prepares the daughter's draft; it is not hers.
    draft_id, _ = await prepare_newborn(client, acting, daughter_number)
    own_drafts = (await client.get("/mp/v1/drafts", headers=mother)).json()["drafts"]
    assert draft_id not in [d["id"] for d in own_drafts]
    theirs = (await client.get("/mp/v1/drafts", headers=daughter)).json()["drafts"]
    assert draft_id in [d["id"] for d in theirs]

    # She submits it, twice with one key: one application, the daughter's.
    keyed = {**acting, "Idempotency-Key": f"relative-{secrets.token_hex(8)}"}
    body = {"draftId": draft_id, "delivery": "electronic"}
    first = await client.post("/mp/v1/applications", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    again = await client.post("/mp/v1/applications", json=body, headers=keyed)
    assert again.json()["id"] == first.json()["id"]
    application_id = first.json()["id"]
    for headers, sees in ((acting, True), (daughter, True), (mother, False)):
        listed = (await client.get("/mp/v1/applications", headers=headers)).json()
        assert (application_id in [a["id"] for a in listed["applications"]]) is sees
    followed = await client.get(f"/mp/v1/applications/{application_id}", headers=acting)
    assert followed.status_code == 200
    alone = await client.get(f"/mp/v1/applications/{application_id}", headers=mother)
    assert alone.status_code == 404

    # The departments approve: the notice and the licences are the daughter's.
    assert await approve_everything(client, UUID(application_id)) == "finished"
    inbox = (await client.get("/mp/v1/notices", headers=daughter)).json()["notices"]
    assert [n for n in inbox if n["applicationId"] == application_id]
    licenses = (await client.get("/mp/v1/licenses", headers=daughter)).json()["licenses"]
    assert any(lic["licenseType"] == "birth-medical-certificate" for lic in licenses)
    assert (await client.get("/mp/v1/licenses", headers=mother)).json()["licenses"] == []
    # Her authorization covers applications, not the daughter's wallet.
    assert (await client.get("/mp/v1/licenses", headers=acting)).status_code == 404

    # 我的授权: the daughter reads, in words, what her mother did under it.
    given = (await client.get("/mp/v1/me/authorizations", headers=daughter)).json()
    (authorization,) = given["authorizations"]
    assert authorization["agentName"] == "李秀英"
    kinds = {h["kind"]["code"] for h in authorization["history"]}
    assert {"granted", "confirmed", "used"} <= kinds
    notes = [h["note"] for h in authorization["history"] if h["kind"]["code"] == "used"]
    assert notes
    assert not any(_UUID.search(n) for n in notes), notes

    # Revoked: the mother's very next request for her is refused, like a missing object.
    revoked = await client.post(
        f"/mp/v1/me/authorizations/{authorization['authorization']['id']}/revoke",
        headers=daughter,
    )  # fmt: skip
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["state"]["code"] == "revoked"
    refused = await client.get("/mp/v1/applications", headers=acting)
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert [s for s in statuses if s >= 500] == []


async def test_an_agent_is_held_to_the_actions_and_services_authorized(
    client: Client, population: FakePopulationRecords
) -> None:
    daughter, acting, _, principal_id = await _pair(client, population, ["prepare"])

    # Preparing is authorized; another service is not; neither is consenting.
    started = await client.post("/mp/v1/drafts", json={"bundleCode": "newborn"}, headers=acting)
    assert started.status_code == 201, started.text
    other = await client.post("/mp/v1/drafts", json={"bundleCode": "retirement"}, headers=acting)
    assert other.status_code == 404
    base = f"/mp/v1/drafts/{started.json()['id']}"
    answers = {"answers": journey_support.NEWBORN_ANSWERS}
    assert (await client.put(f"{base}/answers", json=answers, headers=acting)).status_code == 200
    assert (await client.post(f"{base}/notice/acknowledge", headers=acting)).status_code == 200
    consent = await client.post(f"{base}/consent", json={"agree": True}, headers=acting)
    assert consent.status_code == 404
    # Nor following her applications: the list is empty, not refused.
    listed = await client.get("/mp/v1/applications", headers=acting)
    assert listed.status_code == 200
    assert listed.json()["applications"] == []

    # Someone she never authorized cannot use her id; nor can an id that is nobody.
    stranger = await bearer(client, new_phone())
    for value in (principal_id, str(UUID(int=7)), "not-an-id"):
        answer = await client.get(
            "/mp/v1/drafts", headers={**stranger, "X-Acting-For": value}
        )  # fmt: skip
        assert answer.status_code in (400, 404), answer.text
    assert (await client.get("/mp/v1/drafts", headers=daughter)).status_code == 200
