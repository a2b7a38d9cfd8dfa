"""An enterprise's members through ``/mp/v1``: the members page's service and its role rules."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.application_support import new_phone
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.wallet_support import enterprise_of

Client = AsyncTestClient[Litestar]


async def _enterprise_with_people(client: Client) -> tuple[str, dict[str, dict[str, str]]]:
    """An enterprise from the registry, its legal representative, and two people signed in."""
    people = {name: new_phone() for name in ("legal", "first", "second")}
    auth = {name: await bearer(client, phone) for name, phone in people.items()}
    enterprise, _, _ = await enterprise_of(client, people["legal"])
    for name in ("first", "second"):
        auth[name]["phone"] = people[name]
    return str(enterprise), auth


def _members(body: dict[str, object]) -> dict[str, dict[str, object]]:
    members = body["members"]
    assert isinstance(members, list)
    return {str(m["maskedPhone"])[-4:]: m for m in members}


async def test_the_legal_representative_adds_names_and_removes_members_through_the_api(
    client: Client,
) -> None:
    enterprise, auth = await _enterprise_with_people(client)
    base = f"/mp/v1/enterprises/{enterprise}/members"
    first, second = auth["first"].pop("phone"), auth["second"].pop("phone")

    added = await client.post(base, json={"phone": first}, headers=auth["legal"])
    assert added.status_code == 201, added.text
    member = _members(added.json())[first[-4:]]
    assert member["role"] == "agent"
    assert (member["removable"], member["roleChangeable"]) == (True, True)
    assert first not in added.text  # masked
    again = await client.post(base, json={"phone": first}, headers=auth["legal"])
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    nobody = await client.post(base, json={"phone": new_phone()}, headers=auth["legal"])
    assert nobody.status_code == 422
    assert [e["field"] for e in nobody.json()["errors"]] == ["phone"]

    # The new agent sees the enterprise, but manages no one.
    mine = (await client.get("/mp/v1/enterprises", headers=auth["first"])).json()
    assert [e["role"] for e in mine["enterprises"]] == ["agent"]
    listing = (await client.get(base, headers=auth["first"])).json()
    assert listing["canAddAgents"] is False
    refused = await client.post(base, json={"phone": second}, headers=auth["first"])
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")

    # Named administrator by the legal representative, they add an agent.
    person = _members(added.json())[first[-4:]]["personId"]
    named = await client.put(f"{base}/{person}/role", json={"role": "administrator"},
                             headers=auth["legal"])  # fmt: skip
    assert named.status_code == 200, named.text
    assert _members(named.json())[first[-4:]]["role"] == "administrator"
    by_admin = await client.post(base, json={"phone": second}, headers=auth["first"])
    assert by_admin.status_code == 201, by_admin.text
    agent = _members(by_admin.json())[second[-4:]]["personId"]

    # Only the legal representative names administrators; nobody demotes the legal one.
    promoted = await client.put(f"{base}/{agent}/role", json={"role": "administrator"},
                                headers=auth["first"])  # fmt: skip
    assert promoted.status_code == 403
    legal = next(m for m in named.json()["members"] if m["role"] == "legal_representative")
    fixed = await client.put(f"{base}/{legal['personId']}/role", json={"role": "agent"},
                             headers=auth["legal"])  # fmt: skip
    assert (fixed.status_code, fixed.json()["code"]) == (422, "rule_violation")
    kept = await client.delete(f"{base}/{legal['personId']}", headers=auth["first"])
    assert kept.status_code == 422

    # An administrator removes an agent; the agent's rights end on the next request.
    assert (await client.delete(f"{base}/{agent}", headers=auth["first"])).status_code == 204
    gone = await client.get(base, headers=auth["second"])
    assert gone.status_code == 404
    acting = await client.get("/mp/v1/drafts", headers={**auth["second"],
                                                        "X-Acting-For": enterprise})  # fmt: skip
    assert acting.status_code == 404


async def test_a_non_member_cannot_manage_or_probe_an_enterprise(client: Client) -> None:
    enterprise, auth = await _enterprise_with_people(client)
    base = f"/mp/v1/enterprises/{enterprise}/members"
    stranger, phone = auth["second"], auth["second"].pop("phone")
    auth["first"].pop("phone")
    refused = await client.post(base, json={"phone": phone}, headers=stranger)
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    listing = (await client.get(base, headers=auth["legal"])).json()
    legal = listing["members"][0]["personId"]
    assert (await client.delete(f"{base}/{legal}", headers=stranger)).status_code == 404
    role = await client.put(f"{base}/{legal}/role", json={"role": "agent"}, headers=stranger)
    assert role.status_code == 404
    malformed = await client.post(base, json={"phone": "+86 138"}, headers=auth["legal"])
    assert (malformed.status_code, malformed.json()["code"]) == (400, "validation_failed")
