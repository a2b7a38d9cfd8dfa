"""The wallet through ``/mp/v1/licenses``: licenses, a card's token for the client to draw,
and a second, anonymous client verifying it at the public ``POST /verify``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.privacy import mask_id_number
from app.wallet.service import Holder
from tests.conftest import in_app
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.wallet_support import (
    HOUSEHOLD_FIELDS,
    enterprise_of,
    issue,
    new_phone,
    person_id,
)

Client = AsyncTestClient[Litestar]


class _Device:
    """Another device on the same running app: no cookies, no token.

    Its requests run on the app's own event loop (``in_app``), where the app's database and
    Redis connections live: sent from the test's loop they would share an asyncpg connection
    between two threads (a segmentation fault, seen on PostgreSQL).
    """

    def __init__(self, client: Client) -> None:
        self._client = client

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self._client.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://verifier.test"
            ) as other:
                return await other.request(method, url, **kwargs)

        return await in_app(self._client, send)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)


@asynccontextmanager
async def anonymous(client: Client) -> AsyncIterator[_Device]:
    """Another device on the same running app (its lifespan is the first client's)."""
    yield _Device(client)


async def test_a_holder_lists_shows_and_presents_a_license_that_a_verifier_checks(
    client: Client,
) -> None:
    phone = new_phone()
    auth = await bearer(client, phone)
    holder = Holder.person(await person_id(client, phone))
    issued = await issue(client, holder, source_ref=f"test:mp-card:{holder.id}")

    listed = await client.get("/mp/v1/licenses", headers=auth)
    assert listed.status_code == 200, listed.text
    assert [lic["id"] for lic in listed.json()["licenses"]] == [str(issued.id)]
    one = await client.get(f"/mp/v1/licenses/{issued.id}", headers=auth)
    assert one.status_code == 200
    fields = {f["key"]: f["value"] for f in one.json()["fields"]}
    assert fields["id_number"] == mask_id_number(HOUSEHOLD_FIELDS["id_number"])
    assert HOUSEHOLD_FIELDS["id_number"] not in one.text
    assert one.json()["checks"] == []

    refused = await client.post(f"/mp/v1/licenses/{issued.id}/cards", headers=auth,
                                json={"fields": ["shoe_size"]})  # fmt: skip
    assert refused.status_code == 422
    made = await client.post(f"/mp/v1/licenses/{issued.id}/cards", headers=auth,
                             json={"fields": ["name", "id_number"]})  # fmt: skip
    assert made.status_code == 201, made.text
    card = made.json()
    assert card["url"].endswith(f"/v/{card['token']}")
    assert card["disclosed"] == ["name", "id_number"]
    assert card["expiresAt"] > 0
    assert HOUSEHOLD_FIELDS["id_number"] not in made.text

    async with anonymous(client) as verifier:
        checked = await verifier.post(
            "/verify", json={"token": card["token"]},
            headers={"User-Agent": "Mozilla/5.0 MicroMessenger/8.0 miniProgram"},
        )  # fmt: skip
    assert checked.status_code == 200, checked.text
    verdict = checked.json()
    assert verdict["result"] == "authentic"
    shown = {f["field"]: f["value"] for f in verdict["disclosed"]}
    assert shown == {"name": "陈静", "id_number": mask_id_number(HOUSEHOLD_FIELDS["id_number"])}
    after = await client.get(f"/mp/v1/licenses/{issued.id}", headers=auth)
    assert [c["outcome"] for c in after.json()["checks"]] != []


async def test_another_holders_license_answers_404_and_an_enterprise_sees_its_own(
    client: Client,
) -> None:
    phone, other = new_phone(), new_phone()
    auth = await bearer(client, phone)
    theirs = await bearer(client, other)
    holder = Holder.person(await person_id(client, phone))
    issued = await issue(client, holder, source_ref=f"test:mp-404:{holder.id}")
    for method, path, body in [
        ("GET", f"/mp/v1/licenses/{issued.id}", None),
        ("POST", f"/mp/v1/licenses/{issued.id}/cards", {"fields": []}),
    ]:
        answer = await client.request(method, path, json=body, headers=theirs)
        assert answer.status_code == 404, (method, path)
    assert (await client.get("/mp/v1/licenses", headers=theirs)).json()["licenses"] == []

    enterprise_id, _, _ = await enterprise_of(client, phone)
    firm = Holder.enterprise(enterprise_id)
    ref = f"test:mp-ent:{enterprise_id}"
    business = await issue(client, firm, "business-licence", {"name": "测试企业"}, source_ref=ref)
    acting = {**auth, "X-Acting-For": str(enterprise_id)}
    listed = (await client.get("/mp/v1/licenses", headers=acting)).json()["licenses"]
    assert [lic["id"] for lic in listed] == [str(business.id)]
    assert listed[0]["forEnterprise"] is True
    mine = await client.get(f"/mp/v1/licenses/{issued.id}", headers=acting)
    assert mine.status_code == 404  # the person's own is not the enterprise's
    stranger = {**theirs, "X-Acting-For": str(enterprise_id)}
    assert (await client.get("/mp/v1/licenses", headers=stranger)).status_code == 404
