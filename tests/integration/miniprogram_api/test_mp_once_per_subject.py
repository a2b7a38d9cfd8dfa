"""A baby is born once: 新生儿出生一件事 is refused a second open application for the same baby
(issue 20, item 3) — on /mp/v1 (409 ``already_in_progress``) and on the pages (the review
again, with the message) — whichever parent applies; once the first has ended, it may be
applied for again.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import csrf_token, forget_code_cooldown, sign_in_as
from tests.fakes.population_server import FakePopulationRecords
from tests.fakes.wechat_server import FakeWeChat
from tests.integration.application_support import new_phone
from tests.integration.miniprogram_api import journey_support
from tests.integration.miniprogram_api.journey_support import (
    approve_everything,
    id_number,
    prepare_newborn,
    verify_real_name,
    wechat_sign_in,
)

Client = AsyncTestClient[Litestar]
population, settings = journey_support.population, journey_support.settings
wechat = journey_support.wechat
MOTHER = f"李{secrets.token_hex(2)}"  # with the typed baby's name and birthday: one baby


async def _submit(client: Client, auth: dict[str, str], draft_id: str) -> Any:
    keyed = {**auth, "Idempotency-Key": f"once-{secrets.token_hex(8)}", "Accept-Language": "en"}
    return await client.post("/mp/v1/applications", json={"draftId": draft_id,
                             "delivery": "electronic"}, headers=keyed)  # fmt: skip


async def test_the_same_baby_is_applied_for_once_at_a_time_whoever_applies(
    client: Client, population: FakePopulationRecords, wechat: FakeWeChat
) -> None:
    phone, parent = new_phone(), id_number(date(1992, 5, 17))
    auth = await wechat_sign_in(client, wechat, phone)
    await verify_real_name(client, auth, population, "王芳", parent)

    first_draft, _ = await prepare_newborn(client, auth, parent, mother=MOTHER)
    first = await _submit(client, auth, first_draft)
    assert first.status_code == 201, first.text

    # The catalog says so before anyone applies.
    bundle = (await client.get("/mp/v1/catalog/bundles/newborn",
                               headers={"Accept-Language": "en"})).json()  # fmt: skip
    assert bundle["oncePer"] == "the same baby"

    # Again, and a third time, for the same baby: refused, pointing at the open one.
    for _ in range(2):
        again_draft, _ = await prepare_newborn(client, auth, parent, mother=MOTHER)
        again = await _submit(client, auth, again_draft)
        assert again.status_code == 409, again.text
        problem = again.json()
        assert problem["code"] == "already_in_progress"
        assert problem["applicationId"] == first.json()["id"]
        assert "already in progress" in problem["detail"]

    # The other parent, for the same baby: refused too, without learning which application.
    other_phone, other = new_phone(), id_number(date(1990, 7, 7))
    other_auth = await wechat_sign_in(client, wechat, other_phone)
    await verify_real_name(client, other_auth, population, "张伟", other)
    other_draft, _ = await prepare_newborn(client, other_auth, other, mother=MOTHER)
    refused = await _submit(client, other_auth, other_draft)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "already_in_progress"
    assert "applicationId" not in refused.json()

    # On the pages: the review comes back with the message, localized, nothing submitted.
    await forget_code_cooldown(client, other_phone)  # a code was texted to bind the phone
    await sign_in_as(client, other_phone)
    page = await client.post("/me/applications", data={
        "draft_id": other_draft, "idempotency_key": f"page-{secrets.token_hex(8)}",
        "delivery": "electronic", "_csrf_token": await csrf_token(client),
    }, follow_redirects=False)  # fmt: skip
    assert page.status_code == 409, page.text[:300]
    assert "已有申请正在办理中" in page.text
    assert 'name="idempotency_key"' in page.text  # the review again, to submit later

    # Once the first application has ended, the baby's next one is accepted.
    assert await approve_everything(client, UUID(first.json()["id"])) == "finished"
    later = await _submit(client, other_auth, other_draft)
    assert later.status_code == 201, later.text
