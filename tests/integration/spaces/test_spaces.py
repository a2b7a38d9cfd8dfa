"""个人空间 on 我的, and 企业空间 of the enterprise a member acts for."""

from __future__ import annotations

import uuid
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.composition.runtime import Runtime
from app.records.exchange import DemoRecordExchange
from app.wallet.service import Holder
from tests.conftest import csrf_token, sign_in_as
from tests.integration.records_support import write_records
from tests.integration.wallet_support import enterprise_of, issue, new_phone

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}


async def _act_for(client: Client, enterprise_id: uuid.UUID | str) -> None:
    token = await csrf_token(client)
    form = {"enterprise_id": str(enterprise_id), "next": "/me", "_csrf_token": token}
    switched = await client.post("/me/acting-as", data=form)
    assert switched.status_code == 200


async def test_my_space_on_the_me_page_links_everything_held_about_me(client: Client) -> None:
    await sign_in_as(client, new_phone())
    page = await client.get("/me", headers=EN)
    for link in ("/me/applications", "/wallet", "/me/drafts", "/me/data-use", "/me/export"):
        assert f'href="{link}"' in page.text
    assert "My authorizations" in page.text
    assert 'href="/me/enterprise-space"' not in page.text  # acting as myself


async def test_acting_as_oneself_the_enterprise_space_leads_to_choosing_an_enterprise(
    client: Client,
) -> None:
    await sign_in_as(client, new_phone())
    answer = await client.get("/me/enterprise-space", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/me/enterprises"


async def test_the_enterprise_space_shows_its_members_licenses_and_registry_with_consent(
    client: Client, tmp_path: Path
) -> None:
    phone, other = new_phone(), new_phone()
    await sign_in_as(client, other)
    other_id, _, other_name = await enterprise_of(client, other)
    await sign_in_as(client, phone)
    enterprise_id, code, name = await enterprise_of(client, phone)
    await issue(
        client,
        Holder.enterprise(enterprise_id),
        "business-licence",
        {"enterprise_name": name, "credit_code": code, "legal_representative": "周敏"},
        source_ref=f"test:{uuid.uuid4()}",
    )
    await issue(
        client,
        Holder.enterprise(other_id),
        "business-licence",
        {"enterprise_name": other_name, "credit_code": "x", "legal_representative": "李雷"},
        source_ref=f"test:{uuid.uuid4()}",
    )
    runtime: Runtime = client.app.state.runtime
    runtime.records = DemoRecordExchange(
        write_records(tmp_path, ("enterprise-registry", code, {"business_scope": "软件开发服务"}))
    )
    await _act_for(client, enterprise_id)

    space = await client.get("/me/enterprise-space", headers=EN)
    assert space.status_code == 200
    assert name in space.text
    assert code in space.text
    assert "Business licence" in space.text
    assert other_name not in space.text
    assert "Legal representative" in space.text  # the member's role
    assert "软件开发服务" not in space.text  # the registry is read only after consent

    token = await csrf_token(client)
    await client.post("/me/enterprise-space/registry", data={"_csrf_token": token})
    shared = await client.get("/me/enterprise-space", headers=EN)
    assert "软件开发服务" in shared.text
    data_use = await client.get("/me/data-use", headers=EN)
    assert "Enterprise registry" in data_use.text

    await client.post("/me/enterprise-space/registry/withdraw", data={"_csrf_token": token})
    assert "软件开发服务" not in (await client.get("/me/enterprise-space")).text


async def test_someone_who_is_not_a_member_cannot_act_for_it_nor_see_its_space(
    client: Client,
) -> None:
    owner = new_phone()
    await sign_in_as(client, owner)
    enterprise_id, _, name = await enterprise_of(client, owner)
    await sign_in_as(client, new_phone())
    token = await csrf_token(client)
    form = {"enterprise_id": str(enterprise_id), "next": "/me", "_csrf_token": token}
    await client.post("/me/acting-as", data=form)
    answer = await client.get("/me/enterprise-space", follow_redirects=False)
    assert answer.status_code == 303  # still acting as oneself
    assert name not in answer.text
