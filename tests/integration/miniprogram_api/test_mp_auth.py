"""Mini-program sign-in through /mp/v1/auth, against local WeChat and Alipay servers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import forget_code_cooldown, latest_code
from tests.fakes.alipay_server import FakeAlipayGateway, new_rsa_key, private_pem, public_pem
from tests.fakes.wechat_server import FakeClock, FakeWeChat

WECHAT_APP_ID = "wx1234567890abcdef"
WECHAT_SECRET = "0123456789abcdef0123456789abcdef"
ALIPAY_APP_ID = "2021000000000001"
PROBLEM = "application/problem+json"


@pytest.fixture
def wechat() -> Iterator[FakeWeChat]:
    with FakeWeChat(app_id=WECHAT_APP_ID, app_secret=WECHAT_SECRET, clock=FakeClock()) as fake:
        yield fake
    assert not fake.server.failures, fake.server.failures


@pytest.fixture
def alipay_keys() -> tuple[object, object]:
    return new_rsa_key(), new_rsa_key()


@pytest.fixture
def alipay(alipay_keys: tuple[object, object]) -> Iterator[FakeAlipayGateway]:
    app_key, alipay_key = alipay_keys
    with FakeAlipayGateway(
        app_id=ALIPAY_APP_ID,
        app_public_key=app_key.public_key(),  # type: ignore[attr-defined]
        alipay_private_key=alipay_key,  # type: ignore[arg-type]
    ) as fake:
        yield fake
    assert not fake.server.failures, fake.server.failures


@pytest.fixture
async def mp(
    settings: Settings,
    wechat: FakeWeChat,
    alipay: FakeAlipayGateway,
    alipay_keys: tuple[object, object],
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The app configured with both mini-programs, pointing at the local servers."""
    app_key, alipay_key = alipay_keys
    configured = msgspec.structs.replace(
        settings,
        wechat_app_id=WECHAT_APP_ID,
        wechat_app_secret=WECHAT_SECRET,
        wechat_base_url=wechat.base_url,
        alipay_app_id=ALIPAY_APP_ID,
        alipay_private_key=private_pem(app_key),  # type: ignore[arg-type]
        alipay_public_key=public_pem(alipay_key.public_key()),  # type: ignore[attr-defined]
        alipay_gateway_url=alipay.gateway_url,
    )
    async with AsyncTestClient(app=create_app(configured)) as client:
        yield client


def _phone() -> str:
    return f"136{uuid.uuid4().int % 10**8:08d}"


async def _sms_sign_in(client: AsyncTestClient[Litestar], phone: str) -> dict[str, object]:
    sent = await client.post("/mp/v1/auth/sms-codes", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    answer = await client.post(
        "/mp/v1/auth/sms", json={"phone": phone, "code": await latest_code(client)}
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def _bearer(tokens: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


async def test_sms_sign_in_gives_tokens_that_open_me_with_a_masked_number(
    mp: AsyncTestClient[Litestar],
) -> None:
    phone = _phone()
    body = await _sms_sign_in(mp, phone)
    assert body["status"] == "signed_in"
    tokens = body["tokens"]
    assert isinstance(tokens, dict)
    assert tokens["tokenType"] == "Bearer"

    me = await mp.get("/mp/v1/me", headers=_bearer(tokens))
    assert me.status_code == 200
    assert me.json()["maskedPhone"] == f"{phone[:3]}****{phone[-4:]}"
    assert phone not in me.text


async def test_me_without_a_token_is_401_problem_details(mp: AsyncTestClient[Litestar]) -> None:
    response = await mp.get("/mp/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_web_session_cookie_does_not_open_the_api(mp: AsyncTestClient[Litestar]) -> None:
    from tests.conftest import sign_in_as

    await sign_in_as(mp, _phone())
    assert (await mp.get("/mp/v1/me")).status_code == 401


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_family(
    mp: AsyncTestClient[Litestar],
) -> None:
    tokens = (await _sms_sign_in(mp, _phone()))["tokens"]
    assert isinstance(tokens, dict)
    first = await mp.post("/mp/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refreshToken"] != tokens["refreshToken"]
    assert (await mp.get("/mp/v1/me", headers=_bearer(rotated))).status_code == 200

    replay = await mp.post("/mp/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert replay.status_code == 401
    # The thief's replay ended the owner's tokens too.
    assert (await mp.get("/mp/v1/me", headers=_bearer(rotated))).status_code == 401
    later = await mp.post("/mp/v1/auth/refresh", json={"refreshToken": rotated["refreshToken"]})
    assert later.status_code == 401


async def test_sign_out_ends_the_tokens(mp: AsyncTestClient[Litestar]) -> None:
    tokens = (await _sms_sign_in(mp, _phone()))["tokens"]
    assert isinstance(tokens, dict)
    out = await mp.post("/mp/v1/auth/sign-out", json={"refreshToken": tokens["refreshToken"]})
    assert out.status_code == 204
    assert (await mp.get("/mp/v1/me", headers=_bearer(tokens))).status_code == 401


async def test_a_new_wechat_account_is_bound_only_after_the_phone_is_proved(
    mp: AsyncTestClient[Litestar], wechat: FakeWeChat
) -> None:
    phone = _phone()
    openid = f"o-{uuid.uuid4().hex[:20]}"
    first = await mp.post(
        "/mp/v1/auth/wechat", json={"code": wechat.issue_login_code(openid=openid)}
    )
    assert first.status_code == 200
    assert first.json()["status"] == "binding_required"
    assert "tokens" not in first.json()
    ticket = first.json()["bindingTicket"]

    await mp.post("/mp/v1/auth/sms-codes", json={"phone": phone})
    wrong = await mp.post(
        "/mp/v1/auth/bind", json={"bindingTicket": ticket, "phone": phone, "code": "x"}
    )
    assert wrong.status_code == 422  # a mistyped code: the same ticket may try again
    bound = await mp.post(
        "/mp/v1/auth/bind",
        json={"bindingTicket": ticket, "phone": phone, "code": await latest_code(mp)},
    )
    assert bound.status_code == 200
    assert bound.json()["status"] == "signed_in"
    await forget_code_cooldown(mp, phone)
    await mp.post("/mp/v1/auth/sms-codes", json={"phone": phone})
    spent = await mp.post(
        "/mp/v1/auth/bind",
        json={"bindingTicket": ticket, "phone": phone, "code": await latest_code(mp)},
    )
    assert spent.status_code == 401  # a ticket binds once

    later = await mp.post(
        "/mp/v1/auth/wechat", json={"code": wechat.issue_login_code(openid=openid)}
    )
    assert later.json()["status"] == "signed_in"
    me = await mp.get("/mp/v1/me", headers=_bearer(later.json()["tokens"]))
    assert me.json()["maskedPhone"] == f"{phone[:3]}****{phone[-4:]}"


async def test_a_used_wechat_code_is_refused_with_a_clear_problem(
    mp: AsyncTestClient[Litestar], wechat: FakeWeChat
) -> None:
    code = wechat.issue_login_code(openid="o-used")
    await mp.post("/mp/v1/auth/wechat", json={"code": code})
    again = await mp.post("/mp/v1/auth/wechat", json={"code": code})
    assert again.status_code == 401
    assert again.headers["content-type"] == PROBLEM


async def test_alipay_accounts_bind_separately_and_are_never_merged_silently(
    mp: AsyncTestClient[Litestar], wechat: FakeWeChat, alipay: FakeAlipayGateway
) -> None:
    phone = _phone()
    await _sms_sign_in(mp, phone)  # the person exists, with a verified phone
    user_id = f"2088{uuid.uuid4().int % 10**12:012d}"

    answer = await mp.post(
        "/mp/v1/auth/alipay", json={"authCode": alipay.issue_auth_code(user_id=user_id)}
    )
    assert answer.status_code == 200
    # Same person, same phone: still a binding step, never an automatic merge.
    assert answer.json()["status"] == "binding_required"


async def test_a_provider_that_is_not_configured_answers_404(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.post("/mp/v1/auth/wechat", json={"code": "anything"})
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


async def test_a_malformed_body_is_400_problem_details_naming_the_field(
    mp: AsyncTestClient[Litestar],
) -> None:
    response = await mp.post("/mp/v1/auth/sms", json={"phone": "13800138000"})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
