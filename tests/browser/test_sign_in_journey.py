"""A resident signs in with an SMS code in a real browser, as a person would."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.support import (
    SCREENSHOTS_DIR,
    OpenPage,
    code_from_outbox,
    describe_violations,
    run_axe,
)

pytestmark = pytest.mark.browser


def test_a_resident_signs_in_with_a_code_and_sees_a_masked_number(open_page: OpenPage) -> None:
    phone = f"137{uuid.uuid4().int % 10**8:08d}"
    masked = f"{phone[:3]}****{phone[-4:]}"
    page = open_page("/me")
    page.get_by_role("link", name="登录").click()
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/me$"))

    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_contain_text(masked)
    violations = run_axe(page)
    assert not violations, describe_violations(violations)

    code = code_from_outbox(page, masked)
    page.get_by_label("6位验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()

    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.locator(".facts")).to_contain_text(masked)
    assert phone not in page.content()
    # The number is random, so this picture goes with the run, not with the code.
    latest = SCREENSHOTS_DIR / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=latest / "me-signed-in-zh_Hans.png", full_page=True)


def test_a_wrong_number_is_explained_next_to_the_field(open_page: OpenPage) -> None:
    page = open_page("/sign-in", locale="en-US")
    page.get_by_label("Mobile number").fill("12345")
    page.get_by_role("button", name="Send me a code").click()

    field = page.get_by_label("Mobile number")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#phone-error")).to_contain_text("11-digit mainland mobile number")
    expect(field).to_have_value("12345")
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
