"""A visit request from a resident's phone to a field worker's tablet (上门办 派单).

The resident asks on 我的 → 上门服务 at phone size (a form with an error first, then right);
a supervisor at 1024×768 finds it in the queue of its area, sees the field workers serving
the area by load and assigns one for this afternoon; the worker's tablet lists the visit
with the address and the needs, and so does the visit's page, where the worker marks the
visit done; the resident's inbox has the appointment. axe runs on each
page; screenshots in screenshots/visit-requests/.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.server import AppServer
from tests.browser.support import (
    SCREENSHOTS_DIR,
    OpenPage,
    code_from_outbox,
    describe_violations,
    new_staff_page,
    run_axe,
)

pytestmark = pytest.mark.browser

SHOTS = SCREENSHOTS_DIR / "visit-requests"
TABLET = (1024, 768)
PHONE = (390, 844)
AREA = "yuelu-juzizhou"
AREA_NAME = "岳麓区橘子洲街道"


def _check(page: Page, shot: str) -> None:
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{shot}.png", full_page=True)


def _resident(open_page: OpenPage) -> Page:
    # A fresh number, made here: no other browser test signs it in.
    phone = f"137{secrets.randbelow(10**8):08d}"
    masked = f"{phone[:3]}****{phone[-4:]}"
    page = open_page("/sign-in", viewport=PHONE)
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_contain_text(masked)
    page.get_by_label("6位验证码").fill(code_from_outbox(page, masked))
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/me$"))
    return page


def test_a_request_is_assigned_by_area_and_reaches_the_workers_tablet(
    open_page: OpenPage, app_server: AppServer
) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    address = f"橘子洲街道{secrets.token_hex(2)}号3栋2楼"

    # The resident asks on their phone; a first try without the area is sent back.
    resident = _resident(open_page)
    resident.get_by_role("link", name="上门服务").click()
    expect(resident).to_have_url(re.compile(r"/me/visit-requests$"))
    _check(resident, "mine-empty")
    resident.get_by_role("link", name="申请上门服务").click()
    resident.get_by_label("要办理的事项").select_option(index=1)
    resident.get_by_label("详细地址（楼栋、楼层、门牌）").fill(address)
    resident.get_by_label("日期 1").fill(today.isoformat())
    resident.get_by_label("上午或下午 1").select_option("pm")
    resident.get_by_label("听力不好").check()
    resident.get_by_label("行动不便").check()
    resident.get_by_role("button", name="提交申请").click()
    expect(resident.locator("#area-error")).to_have_text("请选择区和街道。")
    expect(resident.get_by_label("详细地址（楼栋、楼层、门牌）")).to_have_value(address)
    _check(resident, "form-error")
    resident.get_by_label("区和街道").select_option(AREA)
    resident.get_by_role("button", name="提交申请").click()
    expect(resident).to_have_url(re.compile(r"/me/visit-requests\?sent=1$"))
    expect(resident.locator(".visit-request .status")).to_have_text("已申请，等待派单")
    expect(resident.locator("body")).not_to_contain_text(address)  # masked on the resident's list
    _check(resident, "mine-requested")

    # A field worker serving the area (set from the command line), signed in on a tablet.
    tablet, worker = new_staff_page(open_page, app_server, "field_worker", "李师傅")
    app_server.command("staff", "areas", worker, AREA)

    # The supervisor's queue, filtered by area; the request with the worker suggested.
    supervisor, _ = new_staff_page(open_page, app_server, "supervisor", "督办员")
    supervisor.goto("/staff")
    supervisor.get_by_role("link", name="上门服务申请").click()
    supervisor.get_by_label("片区").select_option(AREA)
    supervisor.get_by_role("button", name="查看").click()
    expect(supervisor).to_have_url(re.compile(rf"area={AREA}"))
    _check(supervisor, "queue")
    supervisor.locator("ul.visit-requests a.list-title").last.click()
    expect(supervisor.locator("dd.address")).to_contain_text(address)
    choice = supervisor.locator("label.choice").filter(has_text=worker)
    expect(choice).to_contain_text("当天 0 次上门")
    choice.locator("input").check()
    supervisor.get_by_label("下午（14:00–17:00）").check()
    _check(supervisor, "assign")
    supervisor.get_by_role("button", name="派单", exact=True).click()
    expect(supervisor.locator("dd.status")).to_have_text("已预约")
    _check(supervisor, "assigned")

    # The worker's tablet: today's visit with the address and the needs.
    tablet.goto("/staff/visits")
    visit = tablet.locator("ul.visits li").filter(has_text=address)
    expect(visit).to_be_visible()
    expect(visit.locator(".visit-needs")).to_contain_text("听力不好")
    expect(visit.locator(".visit-address")).to_contain_text("下午（14:00–17:00）")
    _check(tablet, "tablet-today")

    # The resident: the appointment on the list and in the inbox.
    resident.goto("/me/visit-requests")
    expect(resident.locator(".visit-request .status")).to_have_text("已预约")
    resident.goto("/messages")
    expect(resident.locator("body")).to_contain_text("上门服务预约")
    expect(resident.locator("body")).to_contain_text(f"{today.isoformat()} 14:00–17:00")
    _check(resident, "inbox")

    # The visit's own page on the tablet: the address in clear; the worker marks it done.
    visit.locator("a.list-title").click()
    expect(tablet.locator("dd.visit-address")).to_have_text(address)
    expect(tablet.locator("dd.visit-status")).to_have_text("已预约")
    _check(tablet, "tablet-visit")
    tablet.get_by_role("button", name="标记为已上门").click()
    expect(tablet.locator("dd.visit-status")).to_have_text("已上门")
    expect(tablet.get_by_role("button", name="标记为已上门")).to_have_count(0)
    _check(tablet, "tablet-visit-done")
    supervisor.reload()
    expect(supervisor.locator("dd.status")).to_have_text("已上门")
