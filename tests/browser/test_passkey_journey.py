"""A resident adds a passkey and signs in with it, in Chromium with a virtual authenticator.

Chromium's DevTools protocol gives the page a platform authenticator (like a phone's
passkey manager) that holds discoverable credentials and verifies the user at once, so
the real ``navigator.credentials`` calls of ``assets/js/passkeys.js`` run end to end.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import CDPSession, Page, expect

from tests.browser.support import OpenPage, code_from_outbox, describe_violations, run_axe

pytestmark = pytest.mark.browser

# WebAuthn needs a domain for its relying-party id (an IP address is refused).
HOST = "localhost"


def _virtual_authenticator(page: Page) -> tuple[CDPSession, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, str(added["authenticatorId"])


def _sign_in_by_sms(page: Page, phone: str) -> None:
    masked = f"{phone[:3]}****{phone[-4:]}"
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status").first).to_contain_text(masked)
    page.get_by_label("6位验证码").fill(code_from_outbox(page, masked))
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/me$"))


def test_a_resident_adds_a_passkey_and_signs_in_with_it(open_page: OpenPage) -> None:
    phone = f"135{uuid.uuid4().int % 10**8:08d}"
    masked = f"{phone[:3]}****{phone[-4:]}"
    page = open_page("/sign-in?next=/me", host=HOST)
    cdp, authenticator = _virtual_authenticator(page)
    _sign_in_by_sms(page, phone)

    page.get_by_role("link", name="通行密钥").click()  # a boosted link: the script must still run
    expect(page).to_have_url(re.compile(r"/me/passkeys$"))
    page.get_by_label("通行密钥名称").fill("我的手机")
    page.get_by_role("button", name="添加通行密钥").click()
    expect(page.locator(".list")).to_contain_text("我的手机")
    expect(page.locator(".list")).to_contain_text("尚未使用")
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert [c["isResidentCredential"] for c in credentials["credentials"]] == [True]
    violations = run_axe(page)
    assert not violations, describe_violations(violations)

    page.goto("/me")
    page.get_by_role("button", name="退出登录").click()
    page.goto("/sign-in?next=/me")
    page.get_by_role("button", name="使用通行密钥登录").click()

    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.locator(".facts")).to_contain_text(masked)
    page.goto("/me/passkeys")
    expect(page.locator(".list")).to_contain_text("最近使用于")


def test_without_webauthn_only_the_sms_form_is_offered(open_page: OpenPage) -> None:
    page = open_page("/sign-in", javascript=False)
    expect(page.get_by_role("button", name="获取验证码")).to_be_visible()
    expect(page.get_by_role("button", name="使用通行密钥登录")).to_be_hidden()


def test_a_cancelled_passkey_prompt_says_so_and_the_code_still_works(
    open_page: OpenPage,
) -> None:
    page = open_page("/sign-in", host=HOST)
    # No authenticator with a passkey for this site: Chromium reports NotAllowedError.
    cdp, authenticator = _virtual_authenticator(page)
    cdp.send(
        "WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": False}
    )
    page.get_by_role("button", name="使用通行密钥登录").click()

    status = page.locator("form[data-passkey='sign-in'] [role='status']")
    expect(status).to_contain_text("已取消通行密钥登录")
    expect(page.get_by_role("button", name="使用通行密钥登录")).to_be_enabled()
    expect(page.get_by_role("button", name="获取验证码")).to_be_visible()
