"""A whole application in a real browser: submit once, accept at the window, approve in every
department, then the resident sees it finished with its timeline, finds the license in the
wallet and rates the service. Staff accounts come from the CLI and enrol their authenticator at
the first sign-in, as in production. Screenshots land in ``tests/browser/screenshots/cases/``.
"""

from __future__ import annotations

import re
import secrets

import pyotp
import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.server import AppServer
from tests.browser.support import SCREENSHOTS_DIR, OpenPage, describe_violations, run_axe
from tests.browser.test_one_thing_journey import (
    CHEN_JING,
    _answer_questions,
    _fill_form,
    _photo,
    _sign_in,
)

pytestmark = pytest.mark.browser

SHOTS = SCREENSHOTS_DIR / "cases"
DEFERRED = "staff-list"  # 职工名册: may follow on the applicant's commitment (容缺)
# The business start-up's departments, each after the ones its matters depend on.
DEPARTMENTS = (
    "market-regulation", "public-security", "human-resources", "housing-fund", "taxation",
    "people-bank",
)  # fmt: skip


def _check(page: Page, shot: str | None = None) -> None:
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    if shot:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"{shot}.png", full_page=True)


def _staff(open_page: OpenPage, server: AppServer, role: str, department: str = "") -> Page:
    """A new staff account made with the CLI, signed in (enrolling its authenticator)."""
    username = f"{role.replace('_', '-')}-{secrets.token_hex(3)}"
    extra = ("--department", department) if department else ()
    printed = server.command(
        "staff", "create", "--username", username, "--name", "测试员", "--role", role, *extra
    )
    password = re.search(r"Initial password: (\S+)", printed)
    assert password, printed
    page = open_page("/staff/sign-in", viewport=(1280, 900))  # staff work at a desk
    page.locator("#username").fill(username)
    page.locator("#password").fill(password.group(1))
    page.locator("form[action='/staff/sign-in'] button[type=submit]").click()
    secret = page.locator("code.secret").first.inner_text().strip()
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("form[action='/staff/sign-in'] button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/staff/sign-in"))
    return page


def _prepare_and_submit(open_page: OpenPage) -> Page:
    page = _sign_in(open_page, CHEN_JING)
    page.goto("/guide/business-startup")
    page.get_by_role("button", name="在线申办").click()
    expect(page).to_have_url(re.compile(r"/questions$"))
    for _ in range(4):  # on a busy machine htmx may swap a question mid-click: try again
        try:
            _answer_questions(page)
            page.wait_for_load_state("networkidle")
            page.get_by_role("button", name="继续").click()
            page.wait_for_load_state("networkidle")
        except PlaywrightTimeoutError:
            page.reload()
            continue
        if page.url.endswith("/notice"):
            break
    expect(page).to_have_url(re.compile(r"/notice$"))
    page.get_by_role("button", name="我已阅读，继续").click()
    expect(page).to_have_url(re.compile(r"/consent$"))
    page.get_by_role("button", name="同意，读取我的信息").click()
    expect(page).to_have_url(re.compile(r"/form$"))
    _fill_form(page)
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="保存并继续").click()
    expect(page).to_have_url(re.compile(r"/materials$"))
    forms = page.locator("form.upload")
    actions = forms.evaluate_all("fs => fs.map(f => f.getAttribute('action'))")
    for action in actions:
        if action.endswith(f"/materials/{DEFERRED}"):
            continue  # left to follow on the commitment
        form = page.locator(f"form.upload[action='{action}']")
        form.locator("input[type=file]").set_input_files(
            {"name": "scan.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
        )
        form.get_by_role("button", name="上传").click()
        expect(page).to_have_url(re.compile(r"/materials$"))
    page.get_by_role("button", name="下一步：核对申请").click()
    expect(page).to_have_url(re.compile(r"/review$"))
    page.locator("input[name=delivery][value=electronic]").check()
    page.locator("input[name=commitment]").check()
    page.get_by_role("button", name="提交申请").click()
    expect(page).to_have_url(re.compile(r"/me/applications/[0-9a-f-]{36}$"))
    return page


def _number(page: Page) -> str:
    found = re.search(r"YJS-\d{8}-\d+", page.content())
    assert found, "the application page shows its number"
    return found.group(0)


def _approve_everything(open_page: OpenPage, server: AppServer, number: str) -> None:
    for index, department in enumerate(DEPARTMENTS):
        page = _staff(open_page, server, "reviewer", department)
        page.goto("/staff/review")
        rows = page.locator("tr", has_text=number)
        for _ in range(rows.count()):
            page.goto("/staff/review")
            page.locator("tr", has_text=number).first.get_by_role("link").click()
            expect(page.locator("textarea#reasons")).to_be_visible()
            _check(page, "3-review-case" if index == 0 else None)
            page.locator("button[formaction$='/approve']").click()
            expect(page).to_have_url(re.compile(r"/staff/review$"))


def test_an_application_goes_from_submit_to_license_and_rating_in_pages(
    open_page: OpenPage, app_server: AppServer
) -> None:
    resident = _prepare_and_submit(open_page)
    detail_url = resident.url
    number = _number(resident)
    _check(resident, "1-submitted")

    clerk = _staff(open_page, app_server, "window_clerk")
    clerk.goto("/staff/window")
    expect(clerk.locator("tr", has_text=number)).to_be_visible()
    _check(clerk, "2-window-queue")
    clerk.locator("tr", has_text=number).get_by_role("link").click()
    clerk.locator("form[action$='/accept-on-commitment'] button").click()
    expect(clerk).to_have_url(re.compile(r"/staff/window$"))
    expect(clerk.locator("tr", has_text=number)).to_have_count(0)

    # The open page reloads itself when the window accepts (live progress): the promised
    # staff list can then be sent. A goto here would race that reload.
    expect(resident.locator(f"#up-{DEFERRED}")).to_be_visible(timeout=30_000)
    resident.locator(f"#up-{DEFERRED}").set_input_files(
        {"name": "staff.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    resident.locator(f"form[action$='/materials/{DEFERRED}'] button").click()
    expect(resident.locator(f"#up-{DEFERRED}")).to_have_count(0)

    _approve_everything(open_page, app_server, number)

    # Each approval reloads the open page; the last one shows the application finished.
    expect(resident.locator("main")).to_contain_text("已办结", timeout=30_000)
    expect(resident.locator("main")).to_contain_text("容缺受理")  # the timeline's events
    expect(resident.locator("main")).to_contain_text("已通过")
    license_link = resident.locator("a[href^='/me/licenses/']").first
    expect(license_link).to_be_visible()
    _check(resident, "4-application-finished")
    license_href = license_link.get_attribute("href")
    resident.goto("/wallet")
    expect(resident.locator(f"a[href^='{license_href}']").first).to_be_visible()
    expect(resident.locator("main")).to_contain_text("营业执照")

    resident.goto(detail_url)
    resident.locator("input[name=stars][value='5']").check()
    resident.locator("form[action$='/rating'] button[type=submit]").click()
    expect(resident.locator("main")).to_contain_text("5")
    expect(resident.locator("form[action$='/rating']")).to_have_count(0)

    supervisor = _staff(open_page, app_server, "supervisor")
    supervisor.goto("/staff/supervision")
    _check(supervisor, "5-supervisor-board")
