"""Signing in to another government app through OneThing (OpenID Connect), in Chromium.

The pages' Content-Security-Policy says forms post to us only (``form-action 'self'``), and
Chromium checks that on every redirect after a submission too. These journeys end with such a
redirect to the other app: the consent page's decision, and — consent remembered — the
sign-in form itself (sign-in → /oidc/authorize → the app). The other app is a local server
named ``localhost`` (the app is ``127.0.0.1``: another origin); a refused redirect would
leave the page where it was, with a CSP violation on the console (which fails the test,
tests/browser/conftest.py). Playwright's routes cannot play it: they never see a redirect's
target.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.server import AppServer
from tests.browser.support import OpenPage, code_from_outbox
from tests.fakes._http import LocalServer, Reply, Request

pytestmark = pytest.mark.browser

RESEND_SECONDS = 3  # ONETHING_SMS_CODE_RESEND_SECONDS of the test server (tests/browser/server.py)


@pytest.fixture(scope="module")
def callback() -> Iterator[str]:
    """The other app's redirect URI: http is allowed on the loopback."""

    def answer(_: Request) -> Reply:
        return Reply(200, "text/html; charset=utf-8", b"<!doctype html><title>app</title><p>back")

    server = LocalServer(answer)
    server.start()
    try:
        yield server.base_url.replace("//127.0.0.1:", "//localhost:") + "/callback"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def client_id(app_server: AppServer, app_url: str, callback: str) -> str:
    """A public relying party registered by the operator's command."""
    printed = app_server.command(
        "oidc-client", "create", "--name", "市公积金中心", "--redirect-uri", callback, "--public"
    )
    found = re.search(r"client_id: (\S+)", printed)
    assert found, printed
    return found.group(1)


def _authorization_path(client_id: str, callback: str, state: str) -> str:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": callback,
        "scope": "openid",
        "state": state,
        "nonce": secrets.token_urlsafe(12),
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    return "/oidc/authorize?" + urlencode(query)


def _sign_in(page: Page, phone: str) -> None:
    masked = f"{phone[:3]}****{phone[-4:]}"
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_contain_text(masked)
    page.get_by_label("6位验证码").fill(code_from_outbox(page, masked))
    page.get_by_role("button", name="登录", exact=True).click()


def _assert_back_at_the_app(page: Page, callback: str, state: str) -> None:
    expect(page).to_have_url(re.compile(f"^{re.escape(callback)}\\?"))
    answer = parse_qs(urlsplit(page.url).query)
    assert answer["state"] == [state]
    assert answer["code"][0]


def test_a_resident_signs_in_consents_and_then_signs_in_again_without_javascript(
    open_page: OpenPage, client_id: str, callback: str
) -> None:
    phone = f"135{uuid.uuid4().int % 10**8:08d}"

    # First time, with JavaScript: sign in (boosted forms), then the consent page.
    first = f"first-{uuid.uuid4().hex}"
    page = open_page(_authorization_path(client_id, callback, first))
    _sign_in(page, phone)
    expect(page.get_by_role("heading", level=1)).to_contain_text("市公积金中心")
    page.get_by_role("button", name="同意并继续").click()
    _assert_back_at_the_app(page, callback, first)
    texted = time.monotonic()

    # Again, in a fresh browser without JavaScript: consent is remembered, so the sign-in
    # form's own submission redirects on to the app (sign-in → /oidc/authorize → app).
    again = f"again-{uuid.uuid4().hex}"
    plain = open_page(_authorization_path(client_id, callback, again), javascript=False)
    time.sleep(max(0.0, RESEND_SECONDS + 0.5 - (time.monotonic() - texted)))  # the resend wait
    _sign_in(plain, phone)
    _assert_back_at_the_app(plain, callback, again)
