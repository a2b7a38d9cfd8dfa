"""The tablet's outbox drains through Background Sync, with no tablet page open.

A visit as in test_tablet_visit, up to the review step; the submission is queued offline and
the page registers the sync "tablet-outbox". The tablet page is closed; back online, the
sync event is fired through the DevTools protocol (``ServiceWorker.dispatchSyncEvent``) and
the service worker sends the queue itself: the outbox (read from a page outside the worker's
scope, which runs no outbox script) ends empty of queued saves, and the resident has exactly
one new application. The same save put back in the queue and synced again (its answer lost,
say) makes none; two pages replaying it at once send it once. Screenshots:
screenshots/tablet/s*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import CDPSession, Page, expect

from tests.browser.server import AppServer
from tests.browser.support import (
    OpenPage,
    code_from_outbox,
    new_staff_page,
    schedule_visit_today,
)
from tests.browser.test_one_thing_journey import LIU_YANG, _sign_in
from tests.browser.test_tablet_visit import (
    BUNDLE_NAME,
    _answer_questions,
    _check,
    _fill_form,
    _photo,
)

pytestmark = pytest.mark.browser

# Not test_tablet_visit's resident: that test counts exactly one application of hers. This
# one's own disability-services application (test_one_thing_journey) is counted in ``before``.
RESIDENT = LIU_YANG

TAG = "tablet-outbox"
# The outbox as IndexedDB holds it, read without tablet.js (which would send it itself).
READ_OUTBOX = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("onething-tablet", 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const all = open.result.transaction("outbox").objectStore("outbox").getAll();
    all.onsuccess = () => { open.result.close(); resolve(all.result); };
    all.onerror = () => reject(all.error);
  };
})"""
REQUEUE = """(entry) => new Promise((resolve, reject) => {
  const open = indexedDB.open("onething-tablet", 1);
  open.onsuccess = () => {
    const tx = open.result.transaction("outbox", "readwrite");
    tx.objectStore("outbox").put(entry);
    tx.oncomplete = () => { open.result.close(); resolve(true); };
    tx.onerror = () => reject(tx.error);
  };
})"""


def _confirm_with_code(tablet: Page, visit_url: str) -> None:
    """As test_tablet_visit's, for this test's resident (the code texted to their phone)."""
    masked = f"{RESIDENT.phone[:3]}****{RESIDENT.phone[-4:]}"
    for _ in range(2):  # the resident signed in with a code moments ago (3 s wait here)
        tablet.get_by_role("button", name="给居民发送验证码").click()
        sent = tablet.get_by_text("验证码已发送到居民手机。")
        expect(sent.or_(tablet.get_by_text("验证码刚刚已发送"))).to_be_visible()
        if sent.count():
            break
        tablet.wait_for_timeout(3_500)
        tablet.goto(visit_url)
    tablet.get_by_label("居民告诉您的验证码").fill(code_from_outbox(tablet, masked))
    tablet.get_by_role("button", name="确认", exact=True).click()
    expect(tablet.locator(".authorization .status").first).to_have_text("生效中")


def _to_the_review(tablet: Page) -> None:
    """From the visit page: start the draft and go through whatever steps it has left."""
    tablet.get_by_role("button", name=f"开始办理：{BUNDLE_NAME}").click()
    expect(tablet).to_have_url(re.compile(r"/drafts/[0-9a-f-]+$"))
    buttons = {"questions": "下一步", "notice": "已向居民告知", "consent": "居民同意"}
    for _ in range(12):
        step = tablet.locator("[data-step]").first.get_attribute("data-step") or ""
        if step == "review":
            return
        if step == "questions":
            _answer_questions(tablet)
        if step in buttons:
            with tablet.expect_navigation():
                tablet.get_by_role("button", name=buttons[step]).click()
        elif step == "form":
            _fill_form(tablet)
            tablet.get_by_role("button", name="保存并继续").click()
            expect(tablet.locator("[data-step=form]")).to_have_count(0)
        elif step == "materials":
            _photograph_materials(tablet)
            tablet.get_by_role("button", name="材料已齐全").click()
            expect(tablet.locator("[data-step=materials]")).to_have_count(0)
        else:
            pytest.fail(f"unexpected step {step!r}")
    pytest.fail("the draft never reached its review")


def _photograph_materials(tablet: Page) -> None:
    actions = [f.get_attribute("action") for f in tablet.locator("form.upload").all()]
    for action in actions:  # a photo of each material the records did not prove
        material = tablet.locator(".material", has=tablet.locator(f"form[action='{action}']"))
        material.locator("input[type=file]").set_input_files(
            {"name": "photo.png", "mimeType": "image/png", "buffer": _photo()}
        )
        material.get_by_role("button", name="上传").click()
        expect(material).to_contain_text("1 个文件")


def _registration_id(cdp: CDPSession, scope: str) -> str:
    """The id of the tablet worker's registration, from ``ServiceWorker.enable``'s events."""
    found: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: found.extend(event["registrations"]))  # fmt: skip
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        ids = [r["registrationId"] for r in found
               if r["scopeURL"].endswith(scope) and not r["isDeleted"]]  # fmt: skip
        if ids:
            return str(ids[-1])
        cdp.send("Runtime.evaluate", {"expression": "1"})  # let the events arrive
    pytest.fail(f"no service worker registration for {scope}: {found}")


def _sync_and_wait(page: Page, cdp: CDPSession, origin: str, registration: str) -> list[Any]:
    cdp.send("ServiceWorker.dispatchSyncEvent", {
        "origin": origin, "registrationId": registration, "tag": TAG, "lastChance": False,
    })  # fmt: skip
    for _ in range(100):
        entries: list[Any] = page.evaluate(READ_OUTBOX)
        if entries and all(e["status"] != "queued" or e.get("note") for e in entries):
            return entries
        page.wait_for_timeout(100)
    return page.evaluate(READ_OUTBOX)  # type: ignore[no-any-return]


def _applications(resident: Page) -> int:
    resident.goto("/me/applications")
    return resident.get_by_text(BUNDLE_NAME).count()


def test_background_sync_sends_the_queue_with_no_tablet_page_open(
    open_page: OpenPage, app_server: AppServer, app_url: str
) -> None:
    resident = _sign_in(open_page, RESIDENT)
    before = _applications(resident)
    supervisor, _ = new_staff_page(open_page, app_server, "supervisor")
    tablet, worker = new_staff_page(open_page, app_server, "field_worker")
    schedule_visit_today(supervisor, RESIDENT.phone, worker, "残疾人")

    tablet.goto("/staff/visits")
    tablet.evaluate("navigator.serviceWorker.ready.then(() => true)")
    tablet.locator("ul.visits a").first.click()
    expect(tablet).to_have_url(re.compile(r"/staff/visits/[0-9a-f-]{36}$"))
    visit_url = tablet.url
    tablet.get_by_label(BUNDLE_NAME).check()
    for scope in ("填写申请", "同意调取数据", "提交申请", "查看办理进度和结果"):
        tablet.get_by_label(scope, exact=True).check()
    tablet.get_by_role("button", name="发起授权").click()
    _confirm_with_code(tablet, visit_url)
    _to_the_review(tablet)

    # Offline: the submission is queued and the page asks for a background sync.
    tablet.context.set_offline(True)
    tablet.get_by_role("button", name="为居民提交").click()
    outbox = tablet.locator("[data-tablet-outbox]")
    expect(outbox.locator(".outbox-item[data-status=queued]")).to_have_count(1)
    tags = tablet.evaluate("navigator.serviceWorker.ready.then(r => r.sync.getTags())")
    assert TAG in tags
    _check(tablet, "s1-queued-for-background-sync")
    tablet.wait_for_timeout(1_000)  # offline, the service worker's sync cannot send it
    [queued] = tablet.evaluate(READ_OUTBOX)  # a copy, to queue the same save again later
    assert (queued["status"], queued.get("note")) == ("queued", None), queued

    # The worker closes the tablet's page; a page outside the worker's scope stays open. Back
    # online, Chromium may fire the registered sync by itself; the test fires it too.
    context = tablet.context
    elsewhere = context.new_page()
    tablet.close()
    context.set_offline(False)
    elsewhere.goto("/staff")
    expect(elsewhere).not_to_have_url(re.compile(r"/staff/visits"))
    origin = re.match(r"https?://[^/]+", app_url)
    assert origin
    cdp = context.new_cdp_session(elsewhere)
    registration = _registration_id(cdp, "/staff/visits")

    entries = _sync_and_wait(elsewhere, cdp, origin.group(0), registration)
    [entry] = [e for e in entries if e["status"] == "sent" or e["status"] == "queued"]
    assert entry["status"] == "sent", entry
    assert entry["fields"] == []  # nothing of the resident stays once it is sent
    assert "/staff/visits/" in entry["result"]
    assert "submitted=" in entry["result"]
    assert _applications(resident) == before + 1

    # The same save queued again (as if its answer had been lost) and synced: no second one.
    elsewhere.evaluate(REQUEUE, queued)
    again = _sync_and_wait(elsewhere, cdp, origin.group(0), registration)
    assert [(e["status"], e["result"]) for e in again] == [("sent", entry["result"])]
    assert _applications(resident) == before + 1
    # Nothing queued: a further sync sends nothing.
    _sync_and_wait(elsewhere, cdp, origin.group(0), registration)
    assert _applications(resident) == before + 1

    # Two pages replaying the same queued save at once (the Web Lock, then the claim): one
    # sends it, the other finds nothing left to send.
    other = context.new_page()
    other.goto("/staff")
    posts: list[str] = []
    for page in (elsewhere, other):
        page.add_script_tag(url="/static/js/tablet-outbox.js")
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    elsewhere.evaluate(REQUEUE, queued)
    for page in (elsewhere, other):
        page.evaluate("() => { window.replayed = OnethingOutbox.replay(); }")
    for page in (elsewhere, other):
        assert page.evaluate("() => window.replayed") == 0
    assert len(posts) == 1, posts
    assert [e["status"] for e in elsewhere.evaluate(READ_OUTBOX)] == ["sent"]
    assert _applications(resident) == before + 1

    # The tablet page again: the outbox lists it as sent; the visit lists the application.
    back = context.new_page()
    back.goto(visit_url)
    sent = back.locator("[data-tablet-outbox] .outbox-item[data-status=sent]")
    expect(sent.first).to_be_visible()
    expect(back.locator(".outbox-item[data-status=queued]")).to_have_count(0)
    _check(back, "s2-sent-in-the-background")
