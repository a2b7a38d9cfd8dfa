"""A whole home visit (上门办) on the field worker's tablet, with the submission made offline.

A resident signs in (the account and the real name the visit needs) and asks for a home
visit on her phone; a supervisor assigns the request to a new field worker serving her area;
on a tablet-sized page the worker proposes an authorization, the resident signs it on the
tablet's pad and the worker photographs her ID card (in person); the worker starts the
draft, answers, reads the notice, consents, fills the merged form, photographs a material
and — without a connection — submits. The save waits in the outbox (also on today's
visits, opened from the service worker's cache); when the connection returns it is sent, its
answer is lost on the way back, and the page load sends it again: the server answers both
with the same application. A supervisor then confirms the signature and ID photo. The
resident's 我的授权 lists what was done for them. Screenshots: screenshots/tablet/.
"""

from __future__ import annotations

import io
import re
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, Route, expect

from tests.browser.server import AppServer
from tests.browser.support import (
    SCREENSHOTS_DIR,
    OpenPage,
    code_from_outbox,
    describe_violations,
    id_card_photo,
    new_staff_page,
    run_axe,
    sign_on_the_pad,
)
from tests.browser.test_one_thing_journey import SAMPLES, Resident, _sign_in

pytestmark = pytest.mark.browser

SHOTS = SCREENSHOTS_DIR / "tablet"
TABLET = (1024, 768)
# A demo population record no other browser test signs in with, on a phone of its own.
AYGUL = Resident("13700000306", "阿依古丽·买买提", "330106198812310044")
BUNDLE = "disability-services"
BUNDLE_NAME = "残疾人服务一件事"
AREA = "yuelu-juzizhou"


def _check(page: Page, shot: str) -> None:
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{shot}.png", full_page=True)


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(out, "PNG")
    return out.getvalue()


def _confirm_with_code(tablet: Page, visit_url: str) -> None:
    masked = f"{AYGUL.phone[:3]}****{AYGUL.phone[-4:]}"
    for _ in range(2):  # the resident signed in with a code moments ago (3 s wait here)
        tablet.get_by_role("button", name="给居民发送验证码").click()
        sent = tablet.get_by_text("验证码已发送到居民手机。")
        cooling = tablet.get_by_text("验证码刚刚已发送")
        expect(sent.or_(cooling)).to_be_visible()
        if sent.count():
            break
        tablet.wait_for_timeout(3_500)
        tablet.goto(visit_url)
    tablet.get_by_label("居民告诉您的验证码").fill(code_from_outbox(tablet, masked))
    tablet.get_by_role("button", name="确认", exact=True).click()
    expect(tablet.locator(".authorization .status").first).to_have_text("生效中")


def _answer_questions(tablet: Page) -> None:
    for _ in range(20):
        open_questions = tablet.locator("fieldset.question").filter(
            has_not=tablet.locator("input:checked")
        )
        if not open_questions.count():
            return
        open_questions.first.locator("input").first.check()
    pytest.fail("the questionnaire never ended")


def _fill_form(tablet: Page) -> None:
    form = tablet.locator("form[data-step=form]")
    for field in form.locator("[data-kind]").all():
        kind = field.get_attribute("data-kind") or "text"
        if field.input_value():
            continue
        if kind == "select":
            field.select_option(index=1)
        else:
            field.fill(SAMPLES.get(kind, "示例"))
    for group in form.locator(".choices").all():
        if not group.locator("input:checked").count():
            group.locator("input[value=yes]").check()


def test_a_whole_visit_on_a_tablet_submits_offline_and_replays_into_one_application(
    open_page: OpenPage, app_server: AppServer
) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    resident = _sign_in(open_page, AYGUL)

    # She asks for a home visit on her phone (我的 → 上门服务).
    resident.goto("/me/visit-requests/new")
    resident.get_by_label("要办理的事项").select_option(BUNDLE)
    resident.get_by_label("区和街道").select_option(AREA)
    resident.get_by_label("详细地址（楼栋、楼层、门牌）").fill(f"{secrets.token_hex(3)}号3栋2楼")
    resident.get_by_label("日期 1").fill(today.isoformat())
    resident.get_by_label("上午或下午 1").select_option("am")
    resident.get_by_label("行动不便").check()
    resident.get_by_role("button", name="提交申请").click()
    expect(resident.locator(".visit-request .status").first).to_have_text("已申请，等待派单")

    # A supervisor assigns it to a field worker serving her area.
    supervisor, _ = new_staff_page(open_page, app_server, "supervisor")
    worker_name = f"上门员{secrets.token_hex(2)}"
    tablet, worker = new_staff_page(open_page, app_server, "field_worker", worker_name)
    app_server.command("staff", "areas", worker, AREA)
    supervisor.goto(f"/staff/visit-requests?area={AREA}")
    supervisor.locator("ul.visit-requests a.list-title").filter(has_text=AYGUL.name).last.click()
    supervisor.locator("label.choice").filter(has_text=worker).locator("input").check()
    supervisor.get_by_label("上午（09:00–12:00）").check()
    supervisor.get_by_role("button", name="派单", exact=True).click()
    expect(supervisor.locator("dd.status")).to_have_text("已预约")

    # Today's visits; the service worker takes over the tablet's pages.
    tablet.goto("/staff/visits")
    _check(tablet, "1-today")
    tablet.evaluate("navigator.serviceWorker.ready.then(() => true)")
    tablet.locator("ul.visits li").filter(has_text=AYGUL.name).locator("a").first.click()
    expect(tablet).to_have_url(re.compile(r"/staff/visits/[0-9a-f-]{36}$"))
    expect(tablet.get_by_role("heading", level=1)).to_contain_text(AYGUL.name)
    visit_url = tablet.url

    # In person: she signs on the tablet and the worker photographs her ID card.
    tablet.get_by_label(BUNDLE_NAME).check()
    for scope in ("填写申请", "同意调取数据", "提交申请", "查看办理进度和结果"):
        tablet.get_by_label(scope, exact=True).check()
    tablet.get_by_role("button", name="发起授权").click()
    pending = tablet.locator("form[data-signature-form]")
    sign_on_the_pad(tablet)
    pending.get_by_label("居民身份证照片").set_input_files(
        {"name": "id.jpg", "mimeType": "image/jpeg", "buffer": id_card_photo()}
    )
    pending.get_by_role("button", name="当面确认").click()
    expect(tablet.locator(".authorization .status").first).to_have_text(
        "有效：已当面确认，待督办人员核验"
    )
    _check(tablet, "2-visit-authorized")

    tablet.get_by_role("button", name=f"开始办理：{BUNDLE_NAME}").click()
    expect(tablet).to_have_url(re.compile(r"/drafts/[0-9a-f-]+$"))
    # Questions (follow-ups show once the answers that open them are sent), notice, consent.
    for _ in range(8):
        step = tablet.locator("[data-step]").first.get_attribute("data-step")
        if step == "questions":
            _answer_questions(tablet)
            button = tablet.get_by_role("button", name="下一步")
        elif step == "notice":
            button = tablet.get_by_role("button", name="已向居民告知")
        elif step == "consent":
            button = tablet.get_by_role("button", name="居民同意")
        else:
            break
        with tablet.expect_navigation():
            button.click()
    expect(tablet.locator("[data-step=form]")).to_be_visible()
    _fill_form(tablet)
    _check(tablet, "3-form")
    tablet.get_by_role("button", name="保存并继续").click()

    expect(tablet.locator("[data-step=materials]")).to_be_visible()
    actions = [f.get_attribute("action") for f in tablet.locator("form.upload").all()]
    for action in actions:  # a photo of each material the records did not prove
        material = tablet.locator(".material", has=tablet.locator(f"form[action='{action}']"))
        material.locator("input[type=file]").set_input_files(
            {"name": "photo.png", "mimeType": "image/png", "buffer": _photo()}
        )
        material.get_by_role("button", name="上传").click()
        expect(material).to_contain_text("1 个文件")
    _check(tablet, "4-materials")
    tablet.get_by_role("button", name="材料已齐全").click()
    expect(tablet.locator("[data-step=review]")).to_be_visible()

    # The connection drops: the submission waits on the tablet.
    tablet.context.set_offline(True)
    tablet.get_by_role("button", name="为居民提交").click()
    outbox = tablet.locator("[data-tablet-outbox]")
    expect(outbox.locator(".outbox-item[data-status=queued]")).to_have_count(1)
    expect(outbox.locator("[data-outbox-status]")).to_contain_text("已保存在本设备")
    _check(tablet, "5-queued-offline")
    tablet.goto("/staff/visits")  # from the service worker's cache
    expect(tablet.get_by_role("heading", level=1)).to_have_text("今日上门服务")
    expect(outbox.locator(".outbox-item[data-status=queued]")).to_have_count(1)
    _check(tablet, "6-today-offline")

    # Back online: the first send reaches the server, its answer does not reach the tablet.
    lost: list[str] = []

    def lose_the_answer(route: Route) -> None:
        route.fetch(max_redirects=0)
        lost.append(route.request.url)
        route.abort("internetdisconnected")

    tablet.route("**/submit", lose_the_answer, times=1)
    tablet.context.set_offline(False)  # the "online" event sends the queue
    for _ in range(300):
        if lost:
            break
        tablet.wait_for_timeout(100)
    assert len(lost) == 1, "the online event sent the queued submission"
    expect(outbox.locator(".outbox-item[data-status=queued]")).to_have_count(1)
    tablet.reload()  # the page load sends it again; the server answers with the first answer
    sent = outbox.locator(".outbox-item[data-status=sent]")
    expect(sent).to_have_count(1)
    expect(outbox.locator(".outbox-item[data-status=queued]")).to_have_count(0)
    _check(tablet, "7-sent")
    tablet.evaluate("window.dispatchEvent(new Event('online'))")  # nothing left to send
    sent.get_by_role("link", name="打开").click()
    expect(tablet).to_have_url(re.compile(r"\?submitted="))
    submitted = tablet.locator("section[aria-labelledby=apps] li")
    expect(submitted).to_have_count(1)
    receipt = tablet.locator("section.receipt")
    expect(receipt.get_by_role("img", name="二维码：居民空间中的这件申请")).to_be_visible()
    number = receipt.locator(".number").inner_text().strip()
    assert number in submitted.inner_text()
    _check(tablet, "8-visit-receipt")
    scanned = zxingcpp.read_barcodes(Image.open(io.BytesIO(receipt.locator("svg").screenshot())))
    assert len(scanned) == 1
    opens = re.sub(r"^https?://[^/]+", "", scanned[0].text)
    assert re.fullmatch(r"/me/applications/[0-9a-f-]{36}", opens), scanned[0].text
    assert tablet.url.startswith(visit_url)

    # Later a supervisor checks the signature and the ID photo, and confirms them.
    supervisor.goto("/staff/assist/checks")
    supervisor.locator("table tr").filter(has_text=worker_name).locator("a").click()
    supervisor.get_by_role("button", name="确认：签名和身份证属于本人").click()
    expect(supervisor).to_have_url(re.compile(r"/staff/assist/checks$"))  # back on the list
    expect(supervisor.locator("table tr").filter(has_text=worker_name)).to_have_count(0)

    # The resident sees what was done for them, and the one application.
    resident.goto("/me/authorizations")
    expect(resident.get_by_text("已使用").first).to_be_visible()
    for act in ("回答了问题", "填写了表单", "上传了材料照片", "提交了申请"):
        expect(resident.get_by_text(act).first).to_be_visible()
    _check(resident, "9-resident-authorizations")
    resident.goto("/me/applications")
    expect(resident.get_by_text(BUNDLE_NAME)).to_have_count(1)
    resident.goto(opens)  # what the receipt's QR opens on the resident's phone
    expect(resident.get_by_text(number).first).to_be_visible()
