"""The identity switcher in a real browser: a demo agent acts for a demo enterprise."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import SCREENSHOTS_DIR, OpenPage, describe_violations, run_axe

pytestmark = pytest.mark.browser

# From app/demo/enterprises.toml: an agent of two demo enterprises.
DEMO_AGENT = "13800138002"
DEMO_ENTERPRISE = "鹭江示例科技有限公司"
DEMO_REPRESENTATIVE = "13800138000"


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


def test_an_agent_switches_identity_on_me_and_sees_it_in_the_header(
    open_page: OpenPage,
) -> None:
    page = open_page("/")
    _sign_in(page, DEMO_AGENT)
    header = page.locator(".acting-as")
    expect(header).to_contain_text("本人")

    page.get_by_label(DEMO_ENTERPRISE).check()
    page.get_by_role("button", name="切换").click()
    expect(header).to_contain_text(DEMO_ENTERPRISE)
    expect(page.get_by_label(DEMO_ENTERPRISE)).to_be_checked()

    page.goto("/me/enterprises")
    expect(page.get_by_role("status")).to_contain_text(DEMO_ENTERPRISE)
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    # Demo data, but its ids are random: these pictures go with the run, not with the code.
    latest = SCREENSHOTS_DIR / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=latest / "me-enterprises-zh_Hans.png", full_page=True)

    page.get_by_role("link", name=DEMO_ENTERPRISE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(DEMO_ENTERPRISE)
    expect(page.locator(".members")).to_contain_text("经办人")
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    page.screenshot(path=latest / "enterprise-members-zh_Hans.png", full_page=True)

    page.goto("/me/enterprises")
    page.get_by_label("本人").check()
    page.get_by_role("button", name="切换").click()
    expect(header).to_contain_text("本人")
    expect(page.get_by_role("status")).to_contain_text("您正以本人身份办事")


def test_the_legal_representative_manages_members_on_an_accessible_page(
    open_page: OpenPage,
) -> None:
    page = open_page("/", large_text=True)
    _sign_in(page, DEMO_REPRESENTATIVE)
    page.goto("/me/enterprises")
    page.get_by_role("link", name=DEMO_ENTERPRISE, exact=True).click()
    expect(page.get_by_role("button", name="移除").first).to_be_visible()
    expect(page.get_by_role("button", name="设为经办人").first).to_be_visible()

    page.get_by_label("经办人手机号码").fill("12345")
    page.get_by_role("button", name="添加经办人").click()
    field = page.get_by_label("经办人手机号码")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#phone-error")).to_contain_text("11位")
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    latest = SCREENSHOTS_DIR / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=latest / "enterprise-members-manager-zh_Hans-large.png", full_page=True)
