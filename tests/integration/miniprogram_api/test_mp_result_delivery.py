"""How results come is asked once, per matter, among the ways each matter offers (issue 20,
item 7): not on the merged form and again on submit, and never silently replaced.

新生儿出生一件事, selected: the birth certificate (e-license; paper by window or mail), the
vaccination certificate (e-license; paper at the window only), the birth registration
(e-license; paper by window or mail), the baby's medical insurance (electronic only) and the
social security card (e-card; card by mail or at a branch).
"""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.applications.case_models import CaseResult
from app.catalog.engine import merged_field_keys, select_matters
from app.catalog.loader import default_catalog
from app.composition.runtime import Runtime
from tests.conftest import forget_code_cooldown, in_app, sign_in_as
from tests.fakes.population_server import FakePopulationRecords
from tests.fakes.wechat_server import FakeWeChat
from tests.integration.application_support import new_phone
from tests.integration.miniprogram_api import journey_support
from tests.integration.miniprogram_api.journey_support import (
    NEWBORN_ANSWERS,
    approve_everything,
    id_number,
    prepare_newborn,
    verify_real_name,
    wechat_sign_in,
)

Client = AsyncTestClient[Litestar]
population, settings = journey_support.population, journey_support.settings
wechat = journey_support.wechat
CHOSEN = {
    "birth-medical-certificate": "mail",
    "vaccination-certificate": "window",
    "household-birth-registration": "electronic",
    "newborn-social-security-card": "mail",
}


async def _submit(client: Client, auth: dict[str, str], body: dict[str, Any]) -> Any:
    keyed = {**auth, "Idempotency-Key": f"way-{secrets.token_hex(8)}", "Accept-Language": "en"}
    return await client.post("/mp/v1/applications", json=body, headers=keyed)


async def _results(client: Client, application_id: str) -> dict[str, str]:
    runtime: Runtime = client.app.state.runtime

    async def load() -> dict[str, str]:
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(
                select(CaseResult).where(CaseResult.application_id == UUID(application_id))
            )
            return {r.matter_code: r.delivery for r in rows}

    return await in_app(client, load)


def test_the_merged_form_no_longer_asks_how_results_come() -> None:
    catalog = default_catalog().catalog
    for bundle in catalog.bundles.values():
        if bundle.modelled:
            every = [m.matter for m in bundle.matters]
            keys = set(merged_field_keys(catalog, every))
            assert not {"contact.delivery", "contact.address"} & keys, bundle.code
    # The newborn's answers used below select the five matters named above.
    answers = {k: list(v) for k, v in NEWBORN_ANSWERS.items()}
    selected = select_matters(catalog.bundles["newborn"], answers).selected_codes
    assert set(CHOSEN) | {"newborn-medical-insurance"} == set(selected)


async def test_each_result_comes_the_way_chosen_for_it_among_the_ways_it_offers(
    client: Client, population: FakePopulationRecords, wechat: FakeWeChat
) -> None:
    phone, parent = new_phone(), id_number(date(1991, 3, 8))
    auth = await wechat_sign_in(client, wechat, phone)
    await verify_real_name(client, auth, population, "王芳", parent)
    draft_id, _ = await prepare_newborn(client, auth, parent)

    review = (await client.get(f"/mp/v1/drafts/{draft_id}/review",
                               headers={**auth, "Accept-Language": "en"})).json()  # fmt: skip
    ways = {r["matterCode"]: [o["value"] for o in r["options"]] for r in review["resultDeliveries"]}
    assert ways["vaccination-certificate"] == ["electronic", "window"]
    assert ways["newborn-medical-insurance"] == ["electronic"]
    asked = {r["matterCode"] for r in review["resultDeliveries"] if r["asked"]}
    assert asked == set(CHOSEN)
    labels = {o["label"] for r in review["resultDeliveries"] for o in r["options"]}
    assert "electronic" not in labels  # each way shows its label, never its code

    # One way for all (the older body): a matter that does not offer it is named, not
    # quietly given another way.
    old = await _submit(client, auth, {"draftId": draft_id, "delivery": "mail",
                                       "address": "长沙市岳麓区示例路1号"})  # fmt: skip
    assert old.status_code == 422, old.text
    refused = {e["field"] for e in old.json()["errors"]}
    assert refused == {"delivery.vaccination-certificate"}
    # A way a matter does not offer is refused by name too.
    too_much = {**CHOSEN, "newborn-medical-insurance": "mail"}
    wrong = await _submit(client, auth, {"draftId": draft_id, "deliveries": too_much,
                                         "address": "长沙市岳麓区示例路1号"})  # fmt: skip
    assert {e["field"] for e in wrong.json()["errors"]} == {"delivery.newborn-medical-insurance"}
    # Mail without an address is refused.
    no_address = await _submit(client, auth, {"draftId": draft_id, "deliveries": CHOSEN})
    assert {e["field"] for e in no_address.json()["errors"]} == {"address"}

    made = await _submit(client, auth, {"draftId": draft_id, "deliveries": CHOSEN,
                                        "address": "长沙市岳麓区示例路1号"})  # fmt: skip
    assert made.status_code == 201, made.text
    application = made.json()
    assert application["deliveries"] == {**CHOSEN, "newborn-medical-insurance": "electronic"}

    assert await approve_everything(client, UUID(application["id"])) == "finished"
    assert await _results(client, application["id"]) == application["deliveries"]


async def test_the_review_page_asks_each_result_once_with_only_its_ways(
    client: Client, population: FakePopulationRecords, wechat: FakeWeChat
) -> None:
    phone, parent = new_phone(), id_number(date(1993, 9, 1))
    auth = await wechat_sign_in(client, wechat, phone)
    await verify_real_name(client, auth, population, "王芳", parent)
    draft_id, _ = await prepare_newborn(client, auth, parent)
    await forget_code_cooldown(client, phone)
    await sign_in_as(client, phone)
    page = await client.get(f"/me/drafts/{draft_id}/review")
    assert page.status_code == 200
    offered = {}
    for code, way in re.findall(r'name="delivery\.([a-z-]+)" value="([a-z]+)"', page.text):
        offered.setdefault(code, []).append(way)
    assert offered == {
        "birth-medical-certificate": ["electronic", "window", "mail"],
        "vaccination-certificate": ["electronic", "window"],
        "household-birth-registration": ["electronic", "window", "mail"],
        "newborn-social-security-card": ["electronic", "mail", "window"],
    }
    assert 'name="delivery"' not in page.text  # no second, single question
