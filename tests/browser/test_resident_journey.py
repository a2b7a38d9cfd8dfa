"""Issue 20 in a real browser, JavaScript on: downloading my data, and applying after signing in.

Screenshots land in ``tests/browser/screenshots/journey-fixes/``.
"""

from __future__ import annotations

import re
import secrets
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (
    SCREENSHOTS_DIR,
    OpenPage,
    code_from_outbox,
    describe_violations,
    run_axe,
)

pytestmark = pytest.mark.browser

SHOTS = SCREENSHOTS_DIR / "journey-fixes"


def _sign_in_here(page: Page, phone: str) -> None:
    """The sign-in page is open: text a code to ``phone`` and sign in with it."""
    masked = f"{phone[:3]}****{phone[-4:]}"
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_contain_text(masked)
    page.get_by_label("6位验证码").fill(code_from_outbox(page, masked))
    page.get_by_role("button", name="登录", exact=True).click()


def _shot(page: Page, name: str) -> None:
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def test_download_my_data_saves_a_file_with_javascript_on(
    open_page: OpenPage, tmp_path: Path
) -> None:
    page = open_page("/sign-in?next=/me")
    _sign_in_here(page, f"139{secrets.randbelow(10**8):08d}")
    expect(page).to_have_url(re.compile(r"/me$"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载我的数据").click()
    download = download_info.value
    assert re.fullmatch(r"onething-\d{8}\.zip", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    # The page itself did not change: nothing was swapped into it.
    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("我的")

    # What a person does next: unzip it and open index.html in the browser.
    with zipfile.ZipFile(saved) as archive:
        archive.extractall(tmp_path / "unzipped")
    folder = tmp_path / "unzipped" / saved.stem
    reader = page.context.new_page()
    reader.goto((folder / "index.html").as_uri())
    heading = reader.get_by_role("heading", level=1)
    expect(heading).to_have_text("一件事平台保存的与您有关的全部数据")
    _shot(reader, "export-index-zh_Hans")
    reader.get_by_role("link", name="我的账号").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("我的账号")
    expect(reader.locator("dd").first).to_have_text("尚未实名认证")
    _shot(reader, "export-account-zh_Hans")


def test_a_signed_out_resident_who_taps_apply_online_starts_that_bundle_after_signing_in(
    open_page: OpenPage,
) -> None:
    page = open_page("/guide/newborn")
    page.get_by_role("link", name="在线申办").click()
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    _sign_in_here(page, f"139{secrets.randbelow(10**8):08d}")
    # Not an empty 我的草稿: the bundle chosen, and (at L1) what real-name verification adds.
    expect(page).to_have_url(re.compile(r"/me/drafts/new\?bundle=newborn$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("新生儿出生一件事")
    expect(page.get_by_role("heading", name="请先完成实名认证")).to_be_visible()
    _shot(page, "apply-after-sign-in-zh_Hans")
    page.get_by_role("button", name="开始申办").click()
    expect(page).to_have_url(re.compile(r"/me/drafts/[0-9a-f-]{36}/questions$"))
