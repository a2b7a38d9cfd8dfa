"""数据使用记录 in a real browser: reached from 我的, readable, accessible, in both sizes."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import SCREENSHOTS_DIR, OpenPage, describe_violations, run_axe

pytestmark = pytest.mark.browser


def _sign_in(page: Page, phone: str) -> None:
    masked = f"{phone[:3]}****{phone[-4:]}"
    page.goto("/sign-in?next=/me")
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_contain_text(masked)
    outbox = page.context.new_page()
    outbox.goto("/dev/sms-outbox")
    code = outbox.locator("li", has_text=masked).first.locator(".code").inner_text().strip()
    outbox.close()
    page.get_by_label("6位验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/me$"))


@pytest.mark.parametrize("large_text", [False, True], ids=["standard", "large"])
def test_a_new_resident_finds_an_empty_data_use_record_from_me(
    open_page: OpenPage, large_text: bool
) -> None:
    page = open_page("/", large_text=large_text)
    _sign_in(page, f"139{secrets.randbelow(10**8):08d}")
    page.get_by_role("link", name="数据使用记录").click()
    expect(page).to_have_url(re.compile(r"/me/data-use$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("数据使用记录")
    expect(page.locator(".notice")).to_contain_text("目前还没有调用过与您有关的政务数据")
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    # The account is new in every run: this picture goes with the run, not with the code.
    latest = SCREENSHOTS_DIR / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    suffix = "-large" if large_text else ""
    page.screenshot(path=latest / f"me-data-use-zh_Hans{suffix}.png", full_page=True)
