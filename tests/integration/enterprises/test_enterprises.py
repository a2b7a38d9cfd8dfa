"""Enterprises, members and the identity switcher, through the real app."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from stdnum.cn import uscc

from app.composition.runtime import Runtime
from app.enterprises.models import Enterprise, EnterpriseMember
from app.enterprises.service import EnterpriseService
from app.identity.models import SecurityEvent, SecurityEventKind
from tests.conftest import csrf_token, in_app, sign_in_as

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _phone() -> str:
    return f"135{uuid.uuid4().int % 10**8:08d}"


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def credit_code() -> str:
    """A fresh, valid unified social credit code (GB 32100 check character included)."""
    body = "91" + "".join(secrets.choice("0123456789") for _ in range(6))
    body += "".join(secrets.choice(_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body + "0")


@dataclass
class Person:
    """A signed-in person: their phone and their browser's cookies."""

    phone: str
    cookies: dict[str, str]


async def _person(client: AsyncTestClient[Litestar], phone: str | None = None) -> Person:
    client.cookies.clear()
    phone = phone or _phone()
    await sign_in_as(client, phone)
    return Person(phone=phone, cookies=dict(client.cookies))


def _be(client: AsyncTestClient[Litestar], person: Person) -> None:
    client.cookies.clear()
    client.cookies.update(person.cookies)


async def _enterprise(client: AsyncTestClient[Litestar], representative: Person) -> uuid.UUID:
    """An enterprise from "the registry" with ``representative`` as legal representative."""
    runtime: Runtime = client.app.state.runtime

    async def register() -> uuid.UUID:
        async with runtime.sessionmaker() as db, db.begin():
            service = EnterpriseService(db, protector=runtime.protector)
            found = await service.register_from_registry(
                credit_code(), f"测试企业{secrets.token_hex(3)}", representative.phone
            )
            return found.id

    return await in_app(client, register)


async def _post(client: AsyncTestClient[Litestar], path: str, **form: str) -> tuple[int, str, str]:
    token = await csrf_token(client)
    answer = await client.post(path, data={**form, "_csrf_token": token}, follow_redirects=False)
    return answer.status_code, answer.text, answer.headers.get("location", "")


async def _active_member_ids(
    client: AsyncTestClient[Litestar], enterprise_id: uuid.UUID
) -> list[str]:
    runtime: Runtime = client.app.state.runtime

    async def ids() -> list[str]:
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(
                select(EnterpriseMember.person_id).where(
                    EnterpriseMember.enterprise_id == enterprise_id,
                    EnterpriseMember.removed_at.is_(None),
                )
            )
            return [str(row) for row in rows]

    return await in_app(client, ids)


async def _representative_id(client: AsyncTestClient[Litestar], enterprise_id: uuid.UUID) -> str:
    runtime: Runtime = client.app.state.runtime

    async def find() -> str:
        async with runtime.sessionmaker() as db:
            enterprise = await db.get(Enterprise, enterprise_id)
            assert enterprise is not None
            return str(enterprise.legal_representative_id)

    return await in_app(client, find)


def _header(html: str) -> str:
    found = re.search(r'<header class="app-header">(.*?)</header>', html, re.S)
    assert found is not None
    return found.group(1)


async def _member_of(
    client: AsyncTestClient[Litestar], enterprise_id: uuid.UUID, phone: str
) -> str:
    """The person id of the member with ``phone`` (from the members page's remove form)."""
    page = await client.get(f"/enterprises/{enterprise_id}/members")
    item = next(li for li in page.text.split("<li>") if _masked(phone) in li)
    found = re.search(r"/members/([0-9a-f-]{36})/", item)
    assert found is not None, item
    return found.group(1)


async def test_an_agent_acts_for_the_enterprise_until_the_very_next_request_after_removal(
    client: AsyncTestClient[Litestar],
) -> None:
    agent = await _person(client)
    rep = await _person(client)
    enterprise_id = await _enterprise(client, rep)
    members = f"/enterprises/{enterprise_id}/members"

    status, _, location = await _post(client, members, phone=agent.phone)
    assert (status, location) == (303, members)
    page = await client.get(members)
    assert _masked(agent.phone) in page.text
    assert agent.phone not in page.text

    _be(client, agent)
    for path in ("/me", "/me/enterprises"):
        switch = (
            (await client.get(path)).text.split('action="/me/acting-as"')[1].split("</form>")[0]
        )
        assert 'name="_csrf_token"' in switch
    mine = await client.get("/me/enterprises")
    assert "测试企业" in mine.text
    name = re.search(r"测试企业[0-9a-f]{6}", mine.text)
    assert name is not None
    status, _, location = await _post(
        client, "/me/acting-as", enterprise_id=str(enterprise_id), next="/me"
    )
    assert (status, location) == (303, "/me")
    me = await client.get("/me")
    assert name.group(0) in _header(me.text)
    assert (await client.get(members)).status_code == 200
    agent.cookies = dict(client.cookies)

    _be(client, rep)
    agent_id = await _member_of(client, enterprise_id, agent.phone)
    status, _, _ = await _post(client, f"{members}/{agent_id}/remove")
    assert status == 303
    assert agent_id not in await _active_member_ids(client, enterprise_id)

    _be(client, agent)
    me = await client.get("/me")
    assert name.group(0) not in _header(me.text)
    assert "本人" in _header(me.text)
    assert (await client.get(members)).status_code == 404
    assert name.group(0) not in (await client.get("/me/enterprises")).text


async def test_an_agent_is_forbidden_to_manage_members_and_a_stranger_finds_nothing(
    client: AsyncTestClient[Litestar],
) -> None:
    agent = await _person(client)
    stranger = await _person(client)
    rep = await _person(client)
    enterprise_id = await _enterprise(client, rep)
    members = f"/enterprises/{enterprise_id}/members"
    await _post(client, members, phone=agent.phone)
    agent_id = await _member_of(client, enterprise_id, agent.phone)

    _be(client, agent)
    assert (await _post(client, members, phone=stranger.phone))[0] == 403
    assert (await _post(client, f"{members}/{agent_id}/remove"))[0] == 403
    page = await client.get(members)
    assert page.status_code == 200
    assert "/remove" not in page.text
    assert 'name="phone"' not in page.text

    _be(client, stranger)
    assert (await client.get(members)).status_code == 404
    assert (await _post(client, members, phone=stranger.phone))[0] == 404
    assert (await _post(client, f"{members}/{agent_id}/remove"))[0] == 404
    assert (await _post(client, "/me/acting-as", enterprise_id=str(enterprise_id)))[0] == 404
    assert len(await _active_member_ids(client, enterprise_id)) == 2


async def test_another_enterprises_members_page_answers_exactly_like_a_missing_one(
    client: AsyncTestClient[Litestar],
) -> None:
    owner = await _person(client)
    theirs = await _enterprise(client, owner)
    await _person(client)

    missing_id = uuid.uuid4()

    def comparable(html: str, asked: uuid.UUID) -> str:
        # Only the support reference and the page's own path (echoed by forms) may differ.
        return re.sub(r'<p class="meta">.*?</p>', "", html).replace(str(asked), "{id}")

    other = await client.get(f"/enterprises/{theirs}/members")
    missing = await client.get(f"/enterprises/{missing_id}/members")
    assert other.status_code == missing.status_code == 404
    assert comparable(other.text, theirs) == comparable(missing.text, missing_id)
    api_other = await client.get(f"/mp/v1/enterprises/{theirs}/members")
    assert api_other.status_code == 401  # a web session does not open the API


async def test_only_the_legal_representative_names_administrators_and_cannot_be_removed(
    client: AsyncTestClient[Litestar],
) -> None:
    admin = await _person(client)
    agent = await _person(client)
    rep = await _person(client)
    enterprise_id = await _enterprise(client, rep)
    members = f"/enterprises/{enterprise_id}/members"
    await _post(client, members, phone=admin.phone)
    admin_id = await _member_of(client, enterprise_id, admin.phone)
    assert (await _post(client, f"{members}/{admin_id}/role", role="administrator"))[0] == 303
    rep_id = await _representative_id(client, enterprise_id)

    _be(client, admin)
    assert (await _post(client, members, phone=agent.phone))[0] == 303  # admins add agents
    agent_id = await _member_of(client, enterprise_id, agent.phone)
    assert (await _post(client, f"{members}/{agent_id}/role", role="administrator"))[0] == 403
    status, text, _ = await _post(client, f"{members}/{rep_id}/remove")
    assert status == 422
    assert "法定代表人以企业登记信息为准" in text
    assert (await _post(client, f"{members}/{agent_id}/remove"))[0] == 303

    _be(client, rep)
    assert (await _post(client, f"{members}/{rep_id}/role", role="agent"))[0] == 422
    assert (await _post(client, f"{members}/{admin_id}/role", role="agent"))[0] == 303
    page = await client.get(members, headers={"Accept-Language": "en"})
    assert "Agent" in page.text


async def test_adding_an_unknown_number_or_a_member_again_re_renders_the_form(
    client: AsyncTestClient[Litestar],
) -> None:
    agent = await _person(client)
    rep = await _person(client)
    enterprise_id = await _enterprise(client, rep)
    members = f"/enterprises/{enterprise_id}/members"

    status, text, _ = await _post(client, members, phone=_phone())
    assert status == 422
    assert "该手机号码尚未注册" in text
    assert 'aria-invalid="true"' in text
    status, text, _ = await _post(client, members, phone="12345")
    assert status == 422
    assert "11位" in text or "11 位" in text

    assert (await _post(client, members, phone=agent.phone))[0] == 303
    status, text, _ = await _post(client, members, phone=agent.phone)
    assert status == 409
    assert "此人已是该企业的成员" in text


async def test_member_changes_and_switches_are_recorded_with_who_acted_and_for_whom(
    client: AsyncTestClient[Litestar],
) -> None:
    agent = await _person(client)
    rep = await _person(client)
    enterprise_id = await _enterprise(client, rep)
    members = f"/enterprises/{enterprise_id}/members"
    await _post(client, members, phone=agent.phone)
    agent_id = await _member_of(client, enterprise_id, agent.phone)
    await _post(client, f"{members}/{agent_id}/role", role="administrator")
    await _post(client, "/me/acting-as", enterprise_id=str(enterprise_id))
    await _post(client, "/me/acting-as", enterprise_id="")
    await _post(client, f"{members}/{agent_id}/remove")
    runtime: Runtime = client.app.state.runtime

    async def events() -> list[tuple[str, str, str]]:
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(
                select(SecurityEvent)
                .where(SecurityEvent.enterprise_id == enterprise_id)
                .order_by(SecurityEvent.id)
            )
            return [(row.kind, str(row.person_id), row.detail) for row in rows]

    recorded = await in_app(client, events)
    assert [kind for kind, _, _ in recorded] == [
        SecurityEventKind.MEMBER_ADDED,
        SecurityEventKind.MEMBER_ROLE_CHANGED,
        SecurityEventKind.ACTING_AS_CHANGED,
        SecurityEventKind.ACTING_AS_CHANGED,
        SecurityEventKind.MEMBER_REMOVED,
    ]
    assert len({actor for _, actor, _ in recorded}) == 1  # the legal representative each time
    assert all(agent.phone not in detail for _, _, detail in recorded)
    assert agent_id in recorded[0][2]
