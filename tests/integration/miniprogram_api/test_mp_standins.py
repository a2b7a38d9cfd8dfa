"""Signing in as a mini-program does, against the app's own WeChat and Alipay stand-ins.

The app is served by uvicorn on a loopback port (its clients call its own /dev/wechat and
/dev/alipay over HTTP, as they would call api.weixin.qq.com), and the test is the
mini-program: wx.login / my.getAuthCode → /mp/v1/auth/… → binding ticket → SMS code →
/auth/bind → tokens → /mp/v1/me. Production mounts none of it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import msgspec
import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from app.config import Environment, Settings
from app.main import OneThing, create_app
from app.oidc.keys import format_signing_keys, generate_signing_key
from app.platforms.sms import DevOutbox
from app.platforms.standins.demo import DEMO_WECHAT_APP_ID, demo_wechat_secret
from app.protection.keys import format_protection_keys, generate_protection_keys
from tests.conftest import make_settings
from tests.serving import ServedApp, free_port

PROBLEM = "application/problem+json"


@pytest.fixture
def served(tmp_path: Path, migrated_database_url: str) -> Iterator[tuple[Settings, OneThing]]:
    """The app with its stand-ins on, served on a free loopback port: (settings, app)."""
    port = free_port()
    settings = make_settings(
        tmp_path / "var", migrated_database_url, port=port, platform_standins=True
    )
    app = create_app(settings)
    assert isinstance(app, OneThing)
    with ServedApp(app, port):
        yield settings, app


@pytest.fixture
async def phone_app(
    served: tuple[Settings, OneThing],
) -> AsyncIterator[tuple[httpx.AsyncClient, DevOutbox]]:
    """An HTTP client of the served app, and its developer SMS outbox (read from this loop)."""
    settings, app = served
    redis = Redis.from_url(app.state.runtime.redis_url)
    async with httpx.AsyncClient(base_url=settings.own_base_url, trust_env=False) as client:
        yield client, DevOutbox(redis)
    await redis.aclose()


def _phone() -> str:
    return f"137{uuid.uuid4().int % 10**8:08d}"


async def _bind_with_sms(
    client: httpx.AsyncClient, outbox: DevOutbox, ticket: str, phone: str
) -> dict[str, str]:
    """The binding step: prove the phone with an SMS code; the signed-in tokens."""
    sent = await client.post("/mp/v1/auth/sms-codes", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    code = (await outbox.recent())[0].code
    bound = await client.post(
        "/mp/v1/auth/bind", json={"bindingTicket": ticket, "phone": phone, "code": code}
    )
    assert bound.status_code == 200, bound.text
    assert bound.json()["status"] == "signed_in"
    tokens: dict[str, str] = bound.json()["tokens"]
    return tokens


async def _me(client: httpx.AsyncClient, tokens: dict[str, str]) -> dict[str, object]:
    me = await client.get("/mp/v1/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    assert me.status_code == 200, me.text
    body: dict[str, object] = me.json()
    return body


async def test_a_wechat_mini_program_signs_in_locally_as_it_would_in_production(
    phone_app: tuple[httpx.AsyncClient, DevOutbox],
) -> None:
    client, outbox = phone_app
    openid, phone = f"o-{uuid.uuid4().hex[:20]}", _phone()
    masked = f"{phone[:3]}****{phone[-4:]}"

    login = await client.post("/dev/wechat/login", json={"openid": openid})  # wx.login
    assert login.status_code == 200, login.text
    first = await client.post("/mp/v1/auth/wechat", json={"code": login.json()["code"]})
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "binding_required"
    tokens = await _bind_with_sms(client, outbox, first.json()["bindingTicket"], phone)
    assert (await _me(client, tokens))["maskedPhone"] == masked

    # The next wx.login finds the bound account at once.
    again = await client.post("/dev/wechat/login", json={"openid": openid})
    later = await client.post("/mp/v1/auth/wechat", json={"code": again.json()["code"]})
    assert later.json()["status"] == "signed_in"
    assert (await _me(client, later.json()["tokens"]))[
        "maskedPhone"
    ] == f"{phone[:3]}****{phone[-4:]}"


async def test_a_used_wechat_code_is_refused_by_the_stand_in_with_40163(
    served: tuple[Settings, OneThing], phone_app: tuple[httpx.AsyncClient, DevOutbox]
) -> None:
    settings, _ = served
    client, _ = phone_app
    code = (await client.post("/dev/wechat/login", json={})).json()["code"]
    assert (await client.post("/mp/v1/auth/wechat", json={"code": code})).status_code == 200

    refused = await client.post("/mp/v1/auth/wechat", json={"code": code})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == PROBLEM
    # What WeChat itself answered, asked as the app's client asks it.
    params = {
        "appid": DEMO_WECHAT_APP_ID,
        "secret": demo_wechat_secret(settings.secret_key),
        "js_code": code,
        "grant_type": "authorization_code",
    }
    wechat = await client.get("/dev/wechat/sns/jscode2session", params=params)
    assert wechat.status_code == 200
    assert wechat.json()["errcode"] == 40163
    wrong_secret = await client.get(
        "/dev/wechat/sns/jscode2session", params={**params, "secret": "0" * 32}
    )
    assert wrong_secret.json()["errcode"] == 40125


async def test_an_alipay_mini_program_signs_in_locally_as_it_would_in_production(
    phone_app: tuple[httpx.AsyncClient, DevOutbox],
) -> None:
    client, outbox = phone_app
    user_id, phone = f"2088{uuid.uuid4().int % 10**12:012d}", _phone()

    login = await client.post("/dev/alipay/login", json={"userId": user_id})  # my.getAuthCode
    assert login.status_code == 200, login.text
    auth_code = login.json()["authCode"]
    first = await client.post("/mp/v1/auth/alipay", json={"authCode": auth_code})
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "binding_required"
    tokens = await _bind_with_sms(client, outbox, first.json()["bindingTicket"], phone)
    assert (await _me(client, tokens))["maskedPhone"] == f"{phone[:3]}****{phone[-4:]}"

    used = await client.post("/mp/v1/auth/alipay", json={"authCode": auth_code})
    assert used.status_code == 401
    assert used.headers["content-type"] == PROBLEM


async def test_the_alipay_stand_in_refuses_an_unsigned_request_with_a_signed_error(
    phone_app: tuple[httpx.AsyncClient, DevOutbox],
) -> None:
    client, _ = phone_app
    answer = await client.post(
        "/dev/alipay/gateway.do",
        data={"method": "alipay.system.oauth.token", "app_id": "2021000000000000"},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["error_response"]["sub_code"] == "isv.missing-signature-type"
    assert body["sign"]


async def test_production_mounts_no_stand_ins(tmp_path: Path, migrated_database_url: str) -> None:
    settings = msgspec.structs.replace(
        make_settings(tmp_path / "var", migrated_database_url),
        env=Environment.PRODUCTION,
        platform_standins=None,
        data_keys=format_protection_keys(generate_protection_keys()),
        oidc_signing_keys=format_signing_keys([generate_signing_key()]),
    )
    app = create_app(settings)
    runtime = app.state.runtime
    assert (runtime.wechat, runtime.alipay) == (None, None)  # not configured: no client
    assert (runtime.wechat_standin, runtime.alipay_standin) == (None, None)
    async with AsyncTestClient(app=app) as client:
        for method, path in [
            ("POST", "/dev/wechat/login"),
            ("GET", "/dev/wechat/sns/jscode2session"),
            ("POST", "/dev/alipay/login"),
            ("POST", "/dev/alipay/gateway.do"),
        ]:
            response = await client.request(method, path, json={})
            assert response.status_code == 404, path
        refused = await client.post("/mp/v1/auth/wechat", json={"code": "anything"})
        assert refused.status_code == 404
    assert not (settings.var_dir / "alipay_standin_keys").exists()


async def test_the_wechat_stand_in_gives_phone_numbers_and_takes_subscribed_messages_once(
    served: tuple[Settings, OneThing], phone_app: tuple[httpx.AsyncClient, DevOutbox]
) -> None:
    settings, _ = served
    client, _ = phone_app
    app = {"appid": DEMO_WECHAT_APP_ID, "secret": demo_wechat_secret(settings.secret_key)}
    token = await client.get(
        "/dev/wechat/cgi-bin/token", params={**app, "grant_type": "client_credential"}
    )
    access = {"access_token": token.json()["access_token"]}
    code = (await client.post("/dev/wechat/phone-code", json={"phone": "13800138000"})).json()
    assert "13800138000" not in code["code"]  # sealed, never in clear

    number = "/dev/wechat/wxa/business/getuserphonenumber"
    first = await client.post(number, params=access, json=code)
    assert first.json()["phone_info"]["purePhoneNumber"] == "13800138000"
    assert (await client.post(number, params=access, json=code)).json()["errcode"] == 40029

    openid, send = f"o-{uuid.uuid4().hex[:12]}", "/dev/wechat/cgi-bin/message/subscribe/send"
    message = {"touser": openid, "template_id": "T1", "data": {"thing1": {"value": "办结"}}}
    subscribed = await client.post(
        "/dev/wechat/subscriptions", json={"openid": openid, "templateId": "T1"}
    )
    assert subscribed.status_code == 204
    assert (await client.post(send, params=access, json=message)).json()["errcode"] == 0
    assert (await client.post(send, params=access, json=message)).json()["errcode"] == 43101
    sent = (await client.get("/dev/wechat/messages")).json()
    assert [m["touser"] for m in sent].count(openid) == 1
