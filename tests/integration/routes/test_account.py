"""The person's own account: full numbers after re-authentication; bound accounts."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.composition.runtime import Runtime
from app.identity.models import ExternalAccount, Person, Provider
from app.protection import SensitiveKind
from tests.conftest import csrf_token, forget_code_cooldown, in_app, latest_code, sign_in_as


def _phone() -> str:
    return f"135{uuid.uuid4().int % 10**8:08d}"


async def test_full_numbers_show_only_after_a_fresh_code_and_only_on_that_device(
    client: AsyncTestClient[Litestar],
) -> None:
    phone = _phone()
    await sign_in_as(client, phone)
    assert phone not in (await client.get("/me")).text

    await forget_code_cooldown(client, phone)
    token = await csrf_token(client)
    asked = await client.post("/me/reveal/code", data={"_csrf_token": token})
    assert asked.status_code == 200
    wrong = await client.post("/me/reveal", data={"code": "x", "_csrf_token": token})
    assert wrong.status_code == 422
    done = await client.post(
        "/me/reveal",
        data={"code": await latest_code(client), "_csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = await client.get("/me/accounts", headers={"Accept-Language": "en"})
    assert "No WeChat or Alipay account is bound yet." in after.text


async def test_bound_accounts_are_listed_and_only_the_owner_can_unbind(
    client: AsyncTestClient[Litestar],
) -> None:
    owner, other = _phone(), _phone()
    runtime: Runtime = client.app.state.runtime
    await sign_in_as(client, owner)

    async def bind_wechat() -> uuid.UUID:
        index = runtime.protector.blind_index(owner, SensitiveKind.PHONE)
        async with runtime.sessionmaker() as db, db.begin():
            person = await db.scalar(select(Person).where(Person.phone_index == index))
            assert person is not None
            account = ExternalAccount(
                provider=Provider.WECHAT, subject=f"o-{uuid.uuid4().hex}", person_id=person.id
            )
            db.add(account)
            await db.flush()
            return account.id

    account_id = await in_app(client, bind_wechat)
    listed = await client.get("/me/accounts", headers={"Accept-Language": "en"})
    assert "Unbind</button>" in listed.text

    client.cookies.clear()
    await sign_in_as(client, other)
    token = await csrf_token(client)
    refused = await client.post(
        f"/me/accounts/{account_id}/unbind", data={"_csrf_token": token}, follow_redirects=False
    )
    missing = await client.post(
        f"/me/accounts/{uuid.uuid4()}/unbind", data={"_csrf_token": token}, follow_redirects=False
    )
    assert refused.status_code == missing.status_code == 404
    assert _body(refused.text) == _body(missing.text)

    client.cookies.clear()
    await forget_code_cooldown(client, owner)
    await sign_in_as(client, owner)
    token = await csrf_token(client)
    done = await client.post(
        f"/me/accounts/{account_id}/unbind", data={"_csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    after = await client.get("/me/accounts", headers={"Accept-Language": "en"})
    assert "No WeChat or Alipay account is bound yet." in after.text


def _body(html: str) -> str:
    """The page without its per-request parts (CSRF token, request id)."""
    import re

    html = re.sub(r'name="_csrf_token" value="[^"]*"', "", html)
    html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "", html)
    return re.sub(r"[0-9a-f]{32}", "", html)
