"""A relative acts for a resident on a phone (390×844), through the resident's own pages.

王芳 names 赵建国 on 我的授权 for one service; 赵建国, signed in on his own phone, chooses
"act for 王芳" on 代亲属办 and prepares and submits her application through the ordinary
form — the header saying whom he acts for; 王芳's 我的授权 then lists each step, and once she
revokes it his next page of hers is 404. Screenshots: screenshots/relative/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import SCREENSHOTS_DIR, OpenPage, describe_violations, run_axe
from tests.browser.test_one_thing_journey import (
    WANG_FANG,
    ZHAO_JIANGUO,
    _answer_questions,
    _fill_form,
    _sign_in,
    _upload_materials,
)

pytestmark = pytest.mark.browser

SHOTS = SCREENSHOTS_DIR / "relative"
BUNDLE = "newborn"  # not a service the journeys use for these two residents
BUNDLE_NAME = "新生儿出生一件事"


def _check(page: Page, shot: str) -> None:
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{shot}.png", full_page=True)


def test_a_relative_prepares_and_submits_for_a_resident_on_a_phone(open_page: OpenPage) -> None:
    principal = _sign_in(open_page, WANG_FANG)
    relative = _sign_in(open_page, ZHAO_JIANGUO)

    # 王芳 names 赵建国 for one service, every action, 7 days.
    principal.goto("/me/authorizations")
    section = principal.locator(
        "section", has=principal.get_by_role("heading", name="让亲属代我办事")
    )
    section.get_by_label("对方姓名（与身份证件一致）").fill(ZHAO_JIANGUO.name)
    section.get_by_label("对方手机号码").fill(ZHAO_JIANGUO.phone)
    section.get_by_label(BUNDLE_NAME).check()
    for scope in ("填写申请", "同意调取数据", "提交申请", "查看办理进度和结果"):
        section.get_by_label(scope, exact=True).check()
    section.get_by_label("有效天数").fill("7")
    _check(principal, "1-principal-names-relative")
    # Keyboard activation: at 390×844 a pointer click here can land on the fixed tab bar.
    section.get_by_role("button", name="授权", exact=True).press("Enter")
    expect(principal.get_by_role("status")).to_contain_text("授权即刻生效")
    expect(principal.locator(".authorization").first).to_contain_text(ZHAO_JIANGUO.name)

    # 赵建国 chooses to act for 王芳.
    relative.goto("/me")
    relative.get_by_role("link", name="代亲属办").click()
    expect(relative).to_have_url(re.compile(r"/me/acting-for$"))
    _check(relative, "2-relative-whom")
    relative.get_by_role("button", name=f"代 {WANG_FANG.name} 办理").click()
    expect(relative).to_have_url(re.compile(r"/me/drafts$"))
    expect(relative.locator(".acting-for-person")).to_contain_text(WANG_FANG.name)

    # Her application, through the ordinary pages.
    relative.goto(f"/guide/{BUNDLE}")
    relative.get_by_role("button", name="在线申办").click()
    expect(relative).to_have_url(re.compile(r"/questions$"))
    _answer_questions(relative)
    relative.get_by_role("button", name="继续").click()
    expect(relative).to_have_url(re.compile(r"/notice$"))
    relative.get_by_role("button", name="我已阅读，继续").click()
    expect(relative).to_have_url(re.compile(r"/consent$"))
    relative.get_by_role("button", name="同意，读取我的信息").click()
    expect(relative).to_have_url(re.compile(r"/form$"))
    expect(relative.locator(".acting-for-person")).to_contain_text(WANG_FANG.name)
    assert WANG_FANG.id_number not in relative.content(), "her ID number is shown masked"
    _fill_form(relative)
    relative.wait_for_load_state("networkidle")
    _check(relative, "3-relative-fills-her-form")
    relative.get_by_role("button", name="保存并继续").click()
    expect(relative).to_have_url(re.compile(r"/materials$"))
    _upload_materials(relative)
    relative.get_by_role("button", name="下一步：核对申请").click()
    expect(relative).to_have_url(re.compile(r"/review$"))
    _check(relative, "4-relative-review")
    commitment = relative.locator("input[name=commitment]")
    if commitment.count():
        commitment.check()
    relative.get_by_role("button", name="提交申请").click()
    expect(relative).to_have_url(re.compile(r"/me/applications/[0-9a-f-]{36}$"))
    application_url = relative.url
    _check(relative, "5-relative-submitted")

    # 王芳 sees what was done for her, and revokes: his next page of hers is refused.
    principal.goto("/me/authorizations")
    card = principal.locator(".authorization").first
    expect(card).to_contain_text("提交了申请")
    _check(principal, "6-principal-sees-history")
    card.get_by_role("button", name="撤销").click()
    expect(principal.locator(".authorization .status").first).to_have_text("已注销")
    missing = relative.goto(application_url)
    assert missing is not None
    assert missing.status == 404
    relative.goto("/me/acting-for")
    expect(relative.locator(".acting-for-person")).to_have_count(0)
    _check(relative, "7-relative-after-revocation")
