"""The WeChat and Alipay sign-in adapters against local servers that speak their protocols."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import structlog
from cryptography.hazmat.primitives.asymmetric import rsa

from app.errors import Unavailable
from app.platforms.alipay import AlipayClient, AlipayConfig
from app.platforms.errors import (
    ProviderBusy,
    ProviderMisconfigured,
    ProviderResponseInvalid,
    SignInCodeInvalid,
)
from app.platforms.wechat import (
    PhoneCodeInvalid,
    WeChatAccountBlocked,
    WeChatClient,
    WeChatConfig,
    decrypt_encrypted_data,
)
from tests.fakes.alipay_server import FakeAlipayGateway, new_rsa_key, private_pem, public_pem
from tests.fakes.wechat_server import FakeClock, FakeWeChat

WECHAT_APP_ID = "wx1234567890abcdef"
WECHAT_SECRET = "0123456789abcdef0123456789abcdef"
ALIPAY_APP_ID = "2021000000000001"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The shared HTTP client the app would pass in (no proxies from the environment)."""
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


@pytest.fixture
def clock() -> FakeClock:
    """One clock for the fake WeChat and the client, so expiry needs no sleeping."""
    return FakeClock()


@pytest.fixture
def wechat(clock: FakeClock) -> Iterator[FakeWeChat]:
    """A fresh local WeChat server for one test."""
    with FakeWeChat(app_id=WECHAT_APP_ID, app_secret=WECHAT_SECRET, clock=clock) as fake:
        yield fake
    assert not fake.server.failures, fake.server.failures


def wechat_client(
    fake: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock, **config: object
) -> WeChatClient:
    settings: dict[str, object] = {
        "app_id": WECHAT_APP_ID,
        "app_secret": WECHAT_SECRET,
        "base_url": fake.base_url,
        "timeout_seconds": 2.0,
        **config,
    }
    return WeChatClient(WeChatConfig(**settings), http, clock=clock)  # type: ignore[arg-type]


def closed_port_url() -> str:
    """An address where nothing listens: the port was free a moment ago and is closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- WeChat: code2Session ---------------------------------------------------------------


async def test_a_fresh_login_code_gives_the_user_and_a_session_key_for_their_data(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = wechat_client(wechat, http, clock)
    code = wechat.issue_login_code(openid="o-alice", unionid="u-alice")

    session = await client.code_to_session(code)

    assert (session.openid, session.unionid) == ("o-alice", "u-alice")
    encrypted, iv = wechat.encrypt_for("o-alice", {"nickName": "小明"})
    data = decrypt_encrypted_data(session.session_key, encrypted, iv, WECHAT_APP_ID)
    assert data["nickName"] == "小明"


async def test_a_user_without_a_unionid_gets_none(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    session = await wechat_client(wechat, http, clock).code_to_session(
        wechat.issue_login_code(openid="o-bob")
    )

    assert session.unionid is None


async def test_a_login_code_works_only_once(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = wechat_client(wechat, http, clock)
    code = wechat.issue_login_code(openid="o-alice")
    await client.code_to_session(code)

    with pytest.raises(SignInCodeInvalid):
        await client.code_to_session(code)


async def test_an_unknown_or_expired_login_code_is_refused(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = wechat_client(wechat, http, clock)
    code = wechat.issue_login_code(openid="o-alice")
    clock.advance(301)

    with pytest.raises(SignInCodeInvalid):
        await client.code_to_session(code)
    with pytest.raises(SignInCodeInvalid):
        await client.code_to_session("made-up-code")


async def test_a_blocked_account_is_forbidden(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    code = wechat.issue_login_code(openid="o-risky", blocked=True)

    with pytest.raises(WeChatAccountBlocked):
        await wechat_client(wechat, http, clock).code_to_session(code)


async def test_wechats_minute_quota_makes_the_service_busy_until_the_next_minute(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    wechat.rate_limit_per_minute = 2
    clock.advance(60 - clock() % 60)  # the start of a minute
    client = wechat_client(wechat, http, clock)
    for openid in ("o-1", "o-2"):
        await client.code_to_session(wechat.issue_login_code(openid=openid))

    with pytest.raises(ProviderBusy):
        await client.code_to_session(wechat.issue_login_code(openid="o-3"))
    clock.advance(60)
    assert (await client.code_to_session(wechat.issue_login_code(openid="o-4"))).openid == "o-4"


async def test_a_busy_wechat_is_reported_as_busy(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    wechat.busy_answers = 1

    with pytest.raises(ProviderBusy):
        await wechat_client(wechat, http, clock).code_to_session(
            wechat.issue_login_code(openid="o-alice")
        )


async def test_a_wrong_app_secret_is_a_misconfiguration_not_the_users_fault(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = wechat_client(wechat, http, clock, app_secret="not-the-secret")

    with pytest.raises(ProviderMisconfigured):
        await client.code_to_session(wechat.issue_login_code(openid="o-alice"))
    with pytest.raises(ProviderMisconfigured):
        await client.access_token()


# --- WeChat: access token and phone number ----------------------------------------------


async def test_the_access_token_is_reused_until_shortly_before_it_expires(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = wechat_client(wechat, http, clock)
    first = await client.access_token()

    clock.advance(7200 - 301)
    assert await client.access_token() == first
    clock.advance(2)  # now inside the five minutes before expiry
    assert await client.access_token() != first
    assert wechat.token_requests == 2


async def test_callers_at_the_same_moment_share_one_token_fetch_and_one_refresh(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = wechat_client(wechat, http, clock)
    tokens = await asyncio.gather(*(client.access_token() for _ in range(5)))
    wechat.revoke_tokens()

    codes = [wechat.issue_phone_code(pure_phone_number=f"1380013800{n}") for n in range(5)]
    phones = await asyncio.gather(*(client.phone_number(code) for code in codes))

    assert len(set(tokens)) == 1
    assert [phone.pure_phone_number[-1] for phone in phones] == list("01234")
    assert wechat.token_requests == 2


@pytest.mark.parametrize("end_tokens", ["revoke_tokens", "expire_tokens"])
async def test_a_token_wechat_ended_early_is_refreshed_and_the_call_retried_once(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock, end_tokens: str
) -> None:
    client = wechat_client(wechat, http, clock)
    await client.access_token()
    getattr(wechat, end_tokens)()  # 40001 when revoked, 42001 when expired

    phone = await client.phone_number(wechat.issue_phone_code(pure_phone_number="13800138000"))

    assert phone.pure_phone_number == "13800138000"
    assert wechat.token_requests == 2


async def test_a_token_that_keeps_failing_is_retried_only_once(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    wechat.revoke_tokens_on_issue = True

    with pytest.raises(Unavailable):
        await wechat_client(wechat, http, clock).phone_number(
            wechat.issue_phone_code(pure_phone_number="13800138000")
        )
    assert wechat.token_requests == 2


@pytest.mark.parametrize("as_number", [False, True])
async def test_the_phone_number_is_read_whether_the_country_code_is_text_or_a_number(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock, as_number: bool
) -> None:
    wechat.country_code_as_number = as_number
    code = wechat.issue_phone_code(pure_phone_number="91234567", country_code="852")

    phone = await wechat_client(wechat, http, clock).phone_number(code)

    assert (phone.phone_number, phone.pure_phone_number) == ("+85291234567", "91234567")
    assert phone.country_code == "852"


async def test_a_phone_code_works_only_once(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = wechat_client(wechat, http, clock)
    code = wechat.issue_phone_code(pure_phone_number="13800138000")
    await client.phone_number(code)

    with pytest.raises(PhoneCodeInvalid):
        await client.phone_number(code)


async def test_secrets_and_phone_numbers_stay_out_of_the_log(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = wechat_client(wechat, http, clock)
    with structlog.testing.capture_logs() as logs:
        session = await client.code_to_session(wechat.issue_login_code(openid="o-alice"))
        token = await client.access_token()
        wechat.revoke_tokens()
        phone = await client.phone_number(wechat.issue_phone_code(pure_phone_number="13912345678"))
        wechat.busy_answers = 1
        with pytest.raises(ProviderBusy):
            await client.phone_number(wechat.issue_phone_code(pure_phone_number="13912345678"))

    text = repr(logs) + repr(session) + repr(phone)
    assert logs, "the refresh after 40001 and the busy answer are logged"
    for secret in (session.session_key.reveal(), token.reveal(), WECHAT_SECRET, "13912345678"):
        assert secret not in text


# --- WeChat: an unreachable server ------------------------------------------------------


async def test_a_wechat_that_is_down_is_unavailable_at_once(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    config = WeChatConfig(
        app_id=WECHAT_APP_ID, app_secret=WECHAT_SECRET, base_url=closed_port_url()
    )
    client = WeChatClient(config, http, clock=clock)
    started = time.monotonic()

    with pytest.raises(Unavailable):
        await client.code_to_session("any-code")
    assert time.monotonic() - started < 1


async def test_a_wechat_that_does_not_answer_times_out_as_unavailable(
    wechat: FakeWeChat, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    wechat.server.stall_seconds = 10
    client = wechat_client(wechat, http, clock, timeout_seconds=0.3)
    started = time.monotonic()

    with pytest.raises(Unavailable):
        await client.access_token()
    assert time.monotonic() - started < 2


# --- Alipay ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_key() -> rsa.RSAPrivateKey:
    """The app's key pair; its public half is what the app registered with Alipay."""
    return new_rsa_key()


@pytest.fixture(scope="module")
def alipay_key() -> rsa.RSAPrivateKey:
    """Alipay's own key pair; the app knows its public half."""
    return new_rsa_key()


@pytest.fixture(scope="module")
def stranger_key() -> rsa.RSAPrivateKey:
    """A key that belongs to nobody involved."""
    return new_rsa_key()


@pytest.fixture
def alipay(
    app_key: rsa.RSAPrivateKey, alipay_key: rsa.RSAPrivateKey
) -> Iterator[FakeAlipayGateway]:
    """A fresh local Alipay gateway for one test."""
    with FakeAlipayGateway(
        app_id=ALIPAY_APP_ID, app_public_key=app_key.public_key(), alipay_private_key=alipay_key
    ) as fake:
        yield fake
    assert not fake.server.failures, fake.server.failures


def alipay_client(
    fake: FakeAlipayGateway,
    http: httpx.AsyncClient,
    *,
    signing_key: rsa.RSAPrivateKey,
    alipay_key: rsa.RSAPrivateKey,
    **options: object,
) -> AlipayClient:
    config = AlipayConfig(
        app_id=ALIPAY_APP_ID,
        app_private_key_pem=private_pem(signing_key),
        alipay_public_key_pem=public_pem(alipay_key),
        gateway_url=fake.gateway_url,
        timeout_seconds=2.0,
    )
    return AlipayClient(config, http, **options)  # type: ignore[arg-type]


@pytest.fixture
def alipay_app(
    alipay: FakeAlipayGateway,
    http: httpx.AsyncClient,
    app_key: rsa.RSAPrivateKey,
    alipay_key: rsa.RSAPrivateKey,
) -> AlipayClient:
    """The client as configured in production: the app's key, Alipay's public key."""
    return alipay_client(alipay, http, signing_key=app_key, alipay_key=alipay_key)


async def test_a_fresh_auth_code_gives_the_alipay_user_and_tokens(
    alipay: FakeAlipayGateway, alipay_app: AlipayClient
) -> None:
    code = alipay.issue_auth_code(user_id="2088102150477652")

    token = await alipay_app.oauth_token(code)

    assert (token.user_id, token.open_id, token.expires_in) == ("2088102150477652", None, 1296000)
    assert token.access_token.reveal().startswith("authusrB")
    assert token.refresh_token.reveal().startswith("authusrB")


async def test_an_app_on_open_ids_gets_the_open_id(
    alipay: FakeAlipayGateway, alipay_app: AlipayClient
) -> None:
    token = await alipay_app.oauth_token(
        alipay.issue_auth_code(open_id="074a1CcTG1LelxKe4xQC0zgNdId0")
    )

    assert (token.user_id, token.open_id) == (None, "074a1CcTG1LelxKe4xQC0zgNdId0")


async def test_the_request_is_a_signed_form_with_the_common_parameters_in_beijing_time(
    alipay: FakeAlipayGateway, alipay_app: AlipayClient
) -> None:
    code = alipay.issue_auth_code(user_id="2088102150477652")
    before = datetime.now(UTC)

    await alipay_app.oauth_token(code)

    (sent,) = alipay.requests
    assert {name: sent[name] for name in sent if name not in ("timestamp", "sign")} == {
        "app_id": ALIPAY_APP_ID,
        "method": "alipay.system.oauth.token",
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "version": "1.0",
        "grant_type": "authorization_code",
        "code": code,
    }
    beijing = before + timedelta(hours=8)
    assert sent["timestamp"][:13] in {
        beijing.strftime("%Y-%m-%d %H"),
        (beijing + timedelta(seconds=5)).strftime("%Y-%m-%d %H"),
    }


async def test_an_auth_code_works_only_once(
    alipay: FakeAlipayGateway, alipay_app: AlipayClient
) -> None:
    code = alipay.issue_auth_code(user_id="2088102150477652")
    await alipay_app.oauth_token(code)

    with pytest.raises(SignInCodeInvalid):
        await alipay_app.oauth_token(code)  # a signed error_response, with Chinese in it
    assert alipay.refusals == ["isv.code-invalid"]


async def test_the_gateway_refuses_a_request_signed_with_another_key(
    alipay: FakeAlipayGateway,
    http: httpx.AsyncClient,
    stranger_key: rsa.RSAPrivateKey,
    alipay_key: rsa.RSAPrivateKey,
) -> None:
    client = alipay_client(alipay, http, signing_key=stranger_key, alipay_key=alipay_key)

    with pytest.raises(ProviderMisconfigured):
        await client.oauth_token(alipay.issue_auth_code(user_id="2088102150477652"))
    assert alipay.refusals == ["isv.invalid-signature"]


async def test_the_gateway_refuses_a_parameter_changed_after_signing(
    alipay: FakeAlipayGateway, alipay_app: AlipayClient, http: httpx.AsyncClient
) -> None:
    params = alipay_app.signed_params(
        "alipay.system.oauth.token", {"grant_type": "authorization_code", "code": "abc"}
    )
    params["code"] = alipay.issue_auth_code(user_id="2088102150477652")

    response = await http.post(alipay.gateway_url, data=params)

    assert '"sub_code":"isv.invalid-signature"' in response.text
    assert alipay.refusals == ["isv.invalid-signature"]


async def test_the_gateway_refuses_a_timestamp_that_is_not_beijing_time(
    alipay: FakeAlipayGateway,
    http: httpx.AsyncClient,
    app_key: rsa.RSAPrivateKey,
    alipay_key: rsa.RSAPrivateKey,
) -> None:
    # As if the app had written UTC wall-clock time: eight hours behind Beijing.
    client = alipay_client(
        alipay,
        http,
        signing_key=app_key,
        alipay_key=alipay_key,
        now=lambda: datetime.now(UTC) - timedelta(hours=8),
    )

    with pytest.raises(ProviderMisconfigured):
        await client.oauth_token(alipay.issue_auth_code(user_id="2088102150477652"))
    assert alipay.refusals == ["isv.invalid-timestamp"]


async def test_an_answer_changed_after_alipay_signed_it_is_refused(
    alipay: FakeAlipayGateway, alipay_app: AlipayClient
) -> None:
    alipay.tamper_next_answer = True

    with pytest.raises(ProviderResponseInvalid):
        await alipay_app.oauth_token(alipay.issue_auth_code(user_id="2088102150477652"))


async def test_an_unsigned_answer_is_refused_even_when_it_is_an_error(
    alipay: FakeAlipayGateway, alipay_app: AlipayClient
) -> None:
    alipay.unsigned_next_answer = True
    with pytest.raises(ProviderResponseInvalid):
        await alipay_app.oauth_token(alipay.issue_auth_code(user_id="2088102150477652"))

    alipay.unsigned_next_answer = True
    with pytest.raises(ProviderResponseInvalid):
        await alipay_app.oauth_token("unknown-code")


async def test_an_answer_signed_by_a_key_that_is_not_alipays_is_refused(
    alipay: FakeAlipayGateway,
    http: httpx.AsyncClient,
    app_key: rsa.RSAPrivateKey,
    stranger_key: rsa.RSAPrivateKey,
) -> None:
    client = alipay_client(alipay, http, signing_key=app_key, alipay_key=stranger_key)

    with pytest.raises(ProviderResponseInvalid):
        await client.oauth_token(alipay.issue_auth_code(user_id="2088102150477652"))


async def test_the_signature_is_checked_on_the_raw_text_not_a_reserialized_copy(
    alipay: FakeAlipayGateway, alipay_app: AlipayClient
) -> None:
    alipay.spaced_answers = True

    token = await alipay_app.oauth_token(alipay.issue_auth_code(user_id="2088102150477652"))

    assert token.user_id == "2088102150477652"
    with pytest.raises(SignInCodeInvalid):
        await alipay_app.oauth_token("unknown-code")


async def test_a_busy_alipay_is_reported_as_busy(
    alipay: FakeAlipayGateway, alipay_app: AlipayClient
) -> None:
    alipay.busy_answers = 1

    with pytest.raises(ProviderBusy):
        await alipay_app.oauth_token(alipay.issue_auth_code(user_id="2088102150477652"))


async def test_an_alipay_that_is_down_is_unavailable_at_once(
    http: httpx.AsyncClient, app_key: rsa.RSAPrivateKey, alipay_key: rsa.RSAPrivateKey
) -> None:
    config = AlipayConfig(
        app_id=ALIPAY_APP_ID,
        app_private_key_pem=private_pem(app_key),
        alipay_public_key_pem=public_pem(alipay_key),
        gateway_url=f"{closed_port_url()}/gateway.do",
    )
    started = time.monotonic()

    with pytest.raises(Unavailable):
        await AlipayClient(config, http).oauth_token("any-code")
    assert time.monotonic() - started < 1


async def test_alipay_tokens_and_keys_stay_out_of_reprs_and_the_log(
    alipay: FakeAlipayGateway, alipay_app: AlipayClient, app_key: rsa.RSAPrivateKey
) -> None:
    with structlog.testing.capture_logs() as logs:
        token = await alipay_app.oauth_token(alipay.issue_auth_code(user_id="2088102150477652"))
        alipay.tamper_next_answer = True
        with pytest.raises(ProviderResponseInvalid):
            await alipay_app.oauth_token(alipay.issue_auth_code(user_id="2088102150477652"))

    text = repr(logs) + repr(token)
    assert logs
    for secret in (token.access_token.reveal(), token.refresh_token.reveal()):
        assert secret not in text
    assert "PRIVATE KEY" not in text
