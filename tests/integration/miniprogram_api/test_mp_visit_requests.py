"""``/mp/v1/visit-requests``: the mini-program asks for visits under the pages' rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.applications.context import Clock
from tests.integration.application_support import BUNDLE, new_phone
from tests.integration.miniprogram_api.test_mp_drafts import bearer

Client = AsyncTestClient[Litestar]


def _body(**overrides: Any) -> dict[str, Any]:
    day = (Clock().today() + timedelta(days=1)).isoformat()
    return {"kind": "proxy", "address": "天心区城南路街道某小区5栋", "area": "tianxin-chengnan",
            "bundle": BUNDLE, "preferred": [{"day": day, "slot": "am"}],
            "needs": ["sight"], **overrides}  # fmt: skip


async def test_a_resident_asks_lists_and_cancels_through_the_mini_program(apps: Client) -> None:
    me = await bearer(apps, new_phone())
    made = await apps.post("/mp/v1/visit-requests", json=_body(), headers=me)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "requested"
    assert body["address"].endswith("…")
    assert "某小区5栋" not in made.text
    listed = (await apps.get("/mp/v1/visit-requests", headers=me)).json()
    assert [r["id"] for r in listed["forMe"]] == [body["id"]]
    assert listed["byMe"] == []
    cancelled = await apps.post(f"/mp/v1/visit-requests/{body['id']}/cancel", headers=me)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"


async def test_bad_fields_answer_422_in_camel_case_and_save_nothing(apps: Client) -> None:
    me = await bearer(apps, new_phone())
    wrong = _body(area="nowhere", residentName="王", residentPhone="12")
    bad = await apps.post("/mp/v1/visit-requests", headers=me, json=wrong)
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"area", "residentName", "residentPhone"} <= fields
    assert (await apps.get("/mp/v1/visit-requests", headers=me)).json() == {"forMe": [], "byMe": []}


async def test_someone_elses_request_is_404_and_a_relative_sees_the_same_for_anyone(
    apps: Client,
) -> None:
    owner_phone = new_phone()
    owner = await bearer(apps, owner_phone)
    made = (await apps.post("/mp/v1/visit-requests", json=_body(), headers=owner)).json()
    relative = await bearer(apps, new_phone())
    for action in ("cancel", "accept", "decline"):
        answer = await apps.post(f"/mp/v1/visit-requests/{made['id']}/{action}", headers=relative)
        assert answer.status_code == 404
    for phone in (owner_phone, new_phone()):
        asked = await apps.post("/mp/v1/visit-requests", headers=relative,
                                json=_body(residentName="王奶奶", residentPhone=phone))  # fmt: skip
        assert asked.status_code == 201, asked.text
        assert asked.json()["status"] == "waiting"
        assert asked.json()["forSomeoneElse"] is True
