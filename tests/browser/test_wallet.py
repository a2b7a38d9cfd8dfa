"""The wallet in a real browser: a demo resident opens a license, shows its QR card, and a
verifier's phone opens the QR's link."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.support import (
    SCREENSHOTS_DIR,
    SMALL_TEXT_JS,
    SMALLEST_TEXT_STANDARD,
    OpenPage,
    code_from_outbox,
    describe_violations,
    run_axe,
)

# A phone's camera looks for QR codes only; other formats can be misread in its modules.
QR_ONLY = zxingcpp.BarcodeFormat.QRCode

pytestmark = pytest.mark.browser

# From the demo data: 张伟 (13800138000) holds a household register and a social security card.
DEMO_RESIDENT = "13800138000"
HOUSEHOLD_REGISTER = "居民户口簿(电子)"


def _sign_in(page: Page, phone: str, next_path: str) -> None:
    masked = f"{phone[:3]}****{phone[-4:]}"
    page.goto(f"/sign-in?next={next_path}")
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_contain_text(masked)
    page.get_by_label("6位验证码").fill(code_from_outbox(page, masked))
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def _check_accessible(page: Page) -> None:
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    assert page.evaluate(SMALL_TEXT_JS, SMALLEST_TEXT_STANDARD) == []


def test_a_resident_shows_a_qr_card_that_a_phone_camera_verifies(open_page: OpenPage) -> None:
    page = open_page("/")
    _sign_in(page, DEMO_RESIDENT, "/wallet")
    page.get_by_role("link", name=HOUSEHOLD_REGISTER).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HOUSEHOLD_REGISTER)
    expect(page.locator(".facts")).to_contain_text("3101**********0418")
    _check_accessible(page)

    page.get_by_label("住址").check()
    page.get_by_role("button", name="出示亮证码").click()
    expect(page.locator("#card-qr svg")).to_be_visible()
    expect(page.locator(".license-card")).to_contain_text("张伟")
    expect(page.locator(".license-card")).to_contain_text("市公安局")
    _check_accessible(page)
    latest = SCREENSHOTS_DIR / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=latest / "wallet-card-zh_Hans.png", full_page=True, animations="disabled")

    # htmx swaps in a fresh code without reloading the page (as its polling does).
    before = page.locator("#card-qr svg").inner_html()
    page.evaluate(
        "() => { const el = document.querySelector('#card-qr');"
        " htmx.ajax('GET', el.getAttribute('hx-get'), {target: el, swap: 'outerHTML'}); }"
    )
    page.wait_for_function(
        "before => document.querySelector('#card-qr svg').innerHTML !== before", arg=before
    )

    token = _token_in_card_image(page)
    verifier = open_page(f"/v/{token}")  # another phone: no cookies, no sign-in
    expect(verifier.get_by_role("status")).to_contain_text("真实有效")
    expect(verifier.get_by_role("status")).to_contain_text("示例市鹭江区滨江路8号3栋501")
    expect(verifier.get_by_role("status")).not_to_contain_text("3101")
    _check_accessible(verifier)
    verifier.screenshot(path=latest / "wallet-verify-zh_Hans.png", full_page=True)


def _token_in_card_image(page: Page) -> str:
    """The token the card's PNG image carries, read by a real QR decoder."""
    href = page.get_by_role("link", name="保存为图片（PNG）").get_attribute("href")
    assert href is not None
    png = page.request.get(href)
    assert png.ok
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.body())), formats=QR_ONLY)
    assert found, "the card image holds a QR code"
    return found[0].text.rsplit("/v/", 1)[1]
