"""通知设置 in a real browser: reached from 我的, a clash explained, the order kept, accessible."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.support import OpenPage, describe_violations, run_axe
from tests.browser.test_data_use import _sign_in

pytestmark = pytest.mark.browser


def test_a_resident_orders_their_channels_and_is_told_of_a_clash(open_page: OpenPage) -> None:
    page = open_page("/")
    _sign_in(page, f"139{secrets.randbelow(10**8):08d}")
    page.get_by_role("link", name="通知设置").click()
    expect(page).to_have_url(re.compile(r"/me/notice-preferences$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("通知设置")
    violations = run_axe(page)
    assert not violations, describe_violations(violations)

    page.get_by_label("短信").select_option("1")  # WeChat keeps its place 1: a clash
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#sms-error")).to_have_text("请为保留的每个渠道选择不同的顺序。")
    expect(page.get_by_label("短信")).to_have_attribute("aria-invalid", "true")
    violations = run_axe(page)
    assert not violations, describe_violations(violations)

    page.get_by_label("微信").select_option("2")
    page.get_by_label("支付宝").select_option("")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("已保存")
    expect(page.get_by_label("短信")).to_have_value("1")
    expect(page.get_by_label("微信")).to_have_value("2")
    expect(page.get_by_label("支付宝")).to_have_value("")
