"""Notice preferences on 我的 and the mini-program's inbox and preferences, through the app."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.composition.runtime import Runtime
from app.config import Settings
from app.notices.models import DeliveryChannel
from app.notices.preferences import NoticePreferences
from tests.conftest import csrf_token, in_app, make_settings, sign_in_as
from tests.integration.application_support import new_phone
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.routes.test_application_pages import _desk

Client = AsyncTestClient[Litestar]
PAGE = "/me/notice-preferences"


@pytest.fixture
def settings(tmp_path: Path, migrated_database_url: str) -> Settings:
    return make_settings(tmp_path / "var", migrated_database_url)


async def _stored_order(client: Client, phone: str) -> list[DeliveryChannel]:
    runtime: Runtime = client.app.state.runtime

    async def read() -> list[DeliveryChannel]:
        from app.identity.persons import find_or_create_by_phone

        async with runtime.sessionmaker() as db:
            person = await find_or_create_by_phone(db, runtime.protector, phone)
            return await NoticePreferences(db).order(person.id)

    return await in_app(client, read)


async def _with_notice(apps: Client) -> tuple[str, UUID]:
    """A resident whose application was accepted at once: one unread notice."""
    phone, desk = new_phone(), _desk(apps)

    async def make() -> UUID:
        person = await desk.person(phone)
        return (await desk.submit(person, await desk.draft(person))).id

    return phone, await in_app(apps, make)


async def test_the_preferences_page_saves_an_order_and_shows_it_again(client: Client) -> None:
    phone = new_phone()
    await sign_in_as(client, phone)
    me = await client.get("/me")
    assert PAGE in me.text

    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "通知设置" in page.text
    assert '<option value="1" selected>' in page.text  # the default order until one is chosen

    token = await csrf_token(client)
    saved = await client.post(
        PAGE, data={"sms": "1", "wechat": "2", "alipay": "", "_csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303
    assert await _stored_order(client, phone) == [DeliveryChannel.SMS, DeliveryChannel.WECHAT]
    shown = await client.get(saved.headers["location"])
    assert "已保存" in shown.text
    assert shown.text.count(" selected>") == 3  # sms 1, wechat 2, alipay off


async def test_two_channels_in_one_place_show_the_form_again_with_the_reason(
    client: Client,
) -> None:
    phone = new_phone()
    await sign_in_as(client, phone)
    token = await csrf_token(client)

    bad = await client.post(
        PAGE, data={"sms": "1", "wechat": "1", "alipay": "", "_csrf_token": token},
        headers={"Accept-Language": "en"},
    )  # fmt: skip

    assert bad.status_code == 422
    assert "Give each channel you keep a different place in the order." in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert await _stored_order(client, phone) == [
        DeliveryChannel.WECHAT,
        DeliveryChannel.ALIPAY,
        DeliveryChannel.SMS,
    ]  # unchanged


async def test_the_preferences_form_needs_its_csrf_token_and_a_signed_in_person(
    client: Client,
) -> None:
    anonymous = await client.get(PAGE, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in")
    await sign_in_as(client, new_phone())
    forged = await client.post(PAGE, data={"sms": "1"})
    assert forged.status_code == 403


async def test_the_mini_program_reads_and_changes_preferences(client: Client) -> None:
    auth = await bearer(client, new_phone())

    first = await client.get("/mp/v1/notice-preferences", headers=auth)
    assert first.status_code == 200
    assert first.json() == {
        "channels": ["wechat", "alipay", "sms"],
        "choices": ["wechat", "alipay", "sms"],
        "inApp": True,
    }
    changed = await client.put(
        "/mp/v1/notice-preferences", json={"channels": ["alipay"]}, headers=auth
    )
    assert changed.status_code == 200
    assert changed.json()["channels"] == ["alipay"]
    again = await client.get("/mp/v1/notice-preferences", headers=auth)
    assert again.json()["channels"] == ["alipay"]
    off = await client.put("/mp/v1/notice-preferences", json={"channels": []}, headers=auth)
    assert off.json()["channels"] == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"channels": ["pigeon"]}, 422),
        ({"channels": ["sms", "sms"]}, 422),
        ({"channels": "sms"}, 400),
        ({}, 400),
    ],
)
async def test_bad_preferences_answer_a_problem(
    client: Client, body: dict[str, object], status: int
) -> None:
    auth = await bearer(client, new_phone())

    answer = await client.put("/mp/v1/notice-preferences", json=body, headers=auth)

    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["status"] == status
    if status == 422:
        assert [e["field"] for e in problem["errors"]] == ["channels"]
    unchanged = await client.get("/mp/v1/notice-preferences", headers=auth)
    assert unchanged.json()["channels"] == ["wechat", "alipay", "sms"]


async def test_the_mini_program_api_needs_a_bearer_token(client: Client) -> None:
    assert (await client.get("/mp/v1/notices")).status_code == 401
    assert (await client.get("/mp/v1/notice-preferences")).status_code == 401
    put = await client.put("/mp/v1/notice-preferences", json={"channels": []})
    assert put.status_code == 401


async def test_the_mini_program_inbox_lists_counts_and_marks_read(apps: Client) -> None:
    phone, application_id = await _with_notice(apps)
    auth = await bearer(apps, phone)

    listed = await apps.get("/mp/v1/notices", headers={**auth, "Accept-Language": "en"})
    assert listed.status_code == 200
    body = listed.json()
    assert set(body) == {"unreadCount", "notices"}  # the published contract
    assert body["unreadCount"] == 1
    [notice] = body["notices"]
    assert set(notice) == {"id", "kind", "title", "body", "applicationId", "createdAt", "read"}
    assert (notice["kind"], notice["read"]) == ("accept", False)
    assert notice["title"] == "Application accepted"
    assert notice["applicationId"] == str(application_id)

    read = await apps.post(f"/mp/v1/notices/{notice['id']}/read", headers=auth)
    assert read.status_code == 200
    assert read.json()["read"] is True
    after = (await apps.get("/mp/v1/notices", headers=auth)).json()
    assert after["unreadCount"] == 0
    assert "受理" in after["notices"][0]["title"]  # Chinese without a language asked
    everything = await apps.post("/mp/v1/notices/read", headers=auth)
    assert everything.json() == {"unreadCount": 0}


async def test_another_persons_notice_answers_404_in_the_mini_program(apps: Client) -> None:
    owner, _ = await _with_notice(apps)
    mine = await bearer(apps, owner)
    notice_id = (await apps.get("/mp/v1/notices", headers=mine)).json()["notices"][0]["id"]
    stranger = await bearer(apps, new_phone())

    answer = await apps.post(f"/mp/v1/notices/{notice_id}/read", headers=stranger)

    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert (await apps.get("/mp/v1/notices", headers=stranger)).json() == {
        "unreadCount": 0,
        "notices": [],
    }
    still = (await apps.get("/mp/v1/notices", headers=mine)).json()
    assert still["unreadCount"] == 1  # the stranger's try changed nothing
