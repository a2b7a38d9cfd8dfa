"""The two confirmations beside the texted code, on a tablet-sized page and a resident's phone.

A resident signs in on their phone; a supervisor assigns a visit; the worker proposes an
authorization and shows a QR, which is decoded from the screenshot and opened in the
resident's own browser, where they read the proposal and confirm — the tablet notices by
itself. A second proposal is confirmed in person: the resident signs on the tablet's pad
(mouse moves) and the worker photographs the ID card; the authorization is usable at once,
pending a check; the supervisor looks at both images and rejects it with a reason, which
ends it on the tablet and shows on the resident's 我的授权. Screenshots: screenshots/tablet/.
"""

from __future__ import annotations

import io
import random
import re
import secrets

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.server import AppServer
from tests.browser.support import (
    OpenPage,
    code_from_outbox,
    id_card_photo,
    new_staff_page,
    schedule_visit_today,
    sign_on_the_pad,
)
from tests.browser.test_tablet_visit import BUNDLE_NAME, _check

pytestmark = pytest.mark.browser


def _fresh_phone() -> str:
    return f"139{random.randrange(10**8):08d}"  # noqa: S311 (test data)


def _sign_in(open_page: OpenPage, phone: str) -> Page:
    page = open_page("/sign-in")
    masked = f"{phone[:3]}****{phone[-4:]}"
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_contain_text(masked)
    page.get_by_label("6位验证码").fill(code_from_outbox(page, masked))
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/me$"))
    return page


def _propose(tablet: Page) -> None:
    tablet.get_by_label(BUNDLE_NAME).check()
    tablet.get_by_label("填写申请", exact=True).check()
    tablet.get_by_role("button", name="发起授权").click()


def test_a_visit_confirms_by_qr_on_the_residents_phone_and_in_person_with_a_supervisor_check(
    open_page: OpenPage, app_server: AppServer
) -> None:
    phone = _fresh_phone()
    resident = _sign_in(open_page, phone)
    supervisor, _ = new_staff_page(open_page, app_server, "supervisor")
    worker_name = f"确认员{secrets.token_hex(2)}"  # finds its own row among other tests'
    tablet, worker = new_staff_page(open_page, app_server, "field_worker", worker_name)
    schedule_visit_today(supervisor, phone, worker)

    tablet.goto("/staff/visits")
    tablet.locator("ul.visits a").first.click()
    expect(tablet).to_have_url(re.compile(r"/staff/visits/[0-9a-f-]{36}$"))
    visit_url = tablet.url

    # QR: shown on the tablet, scanned (decoded from the screen) by the resident's phone.
    _propose(tablet)
    tablet.get_by_role("button", name="显示二维码供扫码").click()
    qr = tablet.get_by_role("img", name="二维码：用您自己的手机确认授权")
    expect(qr).to_be_visible()
    expect(tablet.get_by_text("正在等待居民在手机上确认")).to_be_visible()
    _check(tablet, "c1-qr-shown")
    scanned = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert len(scanned) == 1
    path = re.sub(r"^https?://[^/]+", "", scanned[0].text)
    assert re.fullmatch(r"/me/authorizations/scan/[A-Za-z0-9_-]{43}", path), scanned[0].text
    resident.goto(path)
    expect(resident.get_by_role("heading", level=1)).to_have_text("确认授权")
    expect(resident.get_by_text(BUNDLE_NAME)).to_be_visible()
    expect(resident.get_by_text("填写申请")).to_be_visible()
    _check(resident, "c2-resident-scanned")
    resident.get_by_role("button", name="确认此授权").click()
    expect(resident).to_have_url(re.compile(r"/me/authorizations\?confirmed="))
    expect(resident.get_by_role("status").first).to_contain_text("已确认")
    # The tablet polls, and reloads the visit by itself once confirmed.
    expect(tablet.get_by_text("正在等待居民在手机上确认")).to_have_count(0, timeout=15_000)
    expect(tablet).to_have_url(visit_url)
    expect(tablet.locator(".authorization .status").first).to_have_text("生效中")
    _check(tablet, "c3-qr-confirmed")

    # In person: a second proposal, signed on the pad, with a photo of the ID card.
    _propose(tablet)
    pending = tablet.locator("form[data-signature-form]")
    expect(pending).to_have_count(1)
    sign_on_the_pad(tablet)
    pending.get_by_label("居民身份证照片").set_input_files(
        {"name": "id.jpg", "mimeType": "image/jpeg", "buffer": id_card_photo()}
    )
    _check(tablet, "c4-signed-on-the-pad")
    pending.get_by_role("button", name="当面确认").click()
    expect(tablet.locator(".authorization .status").first).to_have_text(
        "有效：已当面确认，待督办人员核验"
    )
    expect(tablet.get_by_role("button", name=f"开始办理：{BUNDLE_NAME}")).to_be_visible()
    _check(tablet, "c5-in-person-pending")

    # The supervisor looks at the signature and the photo, and rejects with a reason.
    supervisor.goto("/staff")
    supervisor.get_by_role("link", name="待核验的当面确认").click()
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("待核验的当面确认")
    _check(supervisor, "c6-checks")
    supervisor.locator("table tr").filter(has_text=worker_name).locator("a").click()
    signature = supervisor.get_by_role("img", name="居民在平板上书写的签名")
    expect(signature).to_be_visible()
    # decode() waits for the image and fails on a broken one.
    assert signature.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    photo = supervisor.get_by_role("img", name="上门服务人员拍摄的居民身份证照片")
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    _check(supervisor, "c7-check")
    supervisor.get_by_label("驳回理由（居民可见）").fill("签名与身份证照片无法对应")
    supervisor.get_by_role("button", name="驳回并终止授权").click()
    expect(supervisor).to_have_url(re.compile(r"/staff/assist/checks$"))  # back on the list
    expect(supervisor.locator("table tr").filter(has_text=worker_name)).to_have_count(0)

    tablet.goto(visit_url)
    expect(tablet.locator(".authorization .status").first).to_have_text("已注销")
    resident.goto("/me/authorizations")
    expect(resident.get_by_text("签名与身份证照片无法对应")).to_be_visible()
    expect(resident.get_by_text("督办人员查看了").first).to_be_visible()
    _check(resident, "c8-resident-rejected")
