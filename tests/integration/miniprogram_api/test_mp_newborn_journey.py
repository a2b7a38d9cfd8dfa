"""新生儿出生一件事 from sign-in to a verified QR card, through ``/mp/v1`` alone (issue 16).

A resident signs in as a WeChat mini-program does (``wx.login``'s code against a local
WeChat server API, then the phone proved by an SMS code), verifies their real name, prepares
the real newborn bundle (questions, the one notice, consent, the merged form, one set of
materials, the review), submits twice with one ``Idempotency-Key``, and — once the
departments have approved every item through their services — finds the notice in the inbox,
the licenses in the wallet, shows a card that a second, anonymous client verifies, and rates
the service. No answer is a server error.
"""

from __future__ import annotations

import secrets
from datetime import date
from uuid import UUID

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.fakes.population_server import FakePopulationRecords
from tests.fakes.wechat_server import FakeWeChat
from tests.integration.application_support import new_phone
from tests.integration.miniprogram_api import journey_support
from tests.integration.miniprogram_api.journey_support import (
    applications_of,
    approve_everything,
    id_number,
    prepare_newborn,
    verify_real_name,
    wechat_sign_in,
)
from tests.integration.miniprogram_api.test_mp_wallet import anonymous

Client = AsyncTestClient[Litestar]
# The fixtures: local population records and WeChat, and the app pointed at them.
population, settings = journey_support.population, journey_support.settings
wechat = journey_support.wechat


async def test_a_newborn_journey_runs_through_the_mini_program_api_alone(
    client: Client, population: FakePopulationRecords, wechat: FakeWeChat
) -> None:
    statuses: list[tuple[int, str]] = []

    async def seen(response: httpx.Response) -> None:
        statuses.append((response.status_code, response.request.url.path))

    client.event_hooks["response"].append(seen)
    phone, parent_number = new_phone(), id_number(date(1992, 5, 17))

    # Session (wx.login) and real name (L2): without it the consent to read records is refused.
    auth = await wechat_sign_in(client, wechat, phone)
    await verify_real_name(client, auth, population, "王芳", parent_number)

    # Draft, questions, the one notice, consent, the merged form, materials.
    draft_id, selected = await prepare_newborn(client, auth, parent_number)
    review = (await client.get(f"/mp/v1/drafts/{draft_id}/review", headers=auth)).json()
    assert review["toFollow"] == []
    assert "electronic" in review["deliveries"]

    # Submit twice with one key: one application.
    keyed = {**auth, "Idempotency-Key": f"newborn-{secrets.token_hex(8)}"}
    body = {"draftId": draft_id, "delivery": "electronic"}
    first = await client.post("/mp/v1/applications", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    again = await client.post("/mp/v1/applications", json=body, headers=keyed)
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert await applications_of(client, draft_id) == 1
    application = first.json()
    assert application["state"] == "accepted"  # complete: accepted at once, dispatched
    assert {c["matterCode"] for c in application["subCases"]} == set(selected)

    # The departments approve every item.
    assert await approve_everything(client, UUID(application["id"])) == "finished"
    done = (await client.get(f"/mp/v1/applications/{application['id']}", headers=auth)).json()
    assert done["state"] == "finished"
    assert {c["state"] for c in done["subCases"]} == {"approved"}

    # The inbox has the news, the wallet the licenses.
    inbox = (await client.get("/mp/v1/notices", headers=auth)).json()
    about = [n for n in inbox["notices"] if n["applicationId"] == application["id"]]
    assert about, inbox
    licenses = (await client.get("/mp/v1/licenses", headers=auth)).json()["licenses"]
    certificate = next(lic for lic in licenses if lic["licenseType"] == "birth-medical-certificate")
    assert certificate["status"] == "issued"

    # A card, verified by a second client with nobody signed in.
    card = await client.post(f"/mp/v1/licenses/{certificate['id']}/cards", headers=auth,
                             json={"fields": ["name"]})  # fmt: skip
    assert card.status_code == 201, card.text
    async with anonymous(client) as verifier:
        checked = await verifier.post("/verify", json={"token": card.json()["token"]})
    assert checked.status_code == 200, checked.text
    assert checked.json()["result"] == "authentic"
    assert checked.json()["disclosed"] == [
        {"field": "name", "label": checked.json()["disclosed"][0]["label"], "value": "张小宝"}
    ]

    # And the service is rated.
    rated = await client.post(f"/mp/v1/applications/{application['id']}/rating",
                              json={"stars": 5, "tags": ["fast"]}, headers=auth)  # fmt: skip
    assert rated.status_code == 201, rated.text

    assert len(statuses) > 20
    assert [s for s in statuses if s[0] >= 500] == []
    assert all(s[1].startswith(("/mp/v1/", "/verify")) for s in statuses)
