"""Without JavaScript the shell still works: plain links and full-page form posts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import (
    EN,
    LARGE_CHOICE,
    SAVE,
    STANDARD_TEXT_BUTTON,
    TAB_BY_KEY,
    ZH,
    OpenPage,
)

pytestmark = pytest.mark.browser

LARGE_CLASS = re.compile(r"\blarge-text\b")


def test_without_javascript_the_tab_bar_and_the_language_form_still_work(
    open_page: OpenPage,
) -> None:
    page = open_page("/", javascript=False)
    assert page.evaluate("1 + 1") == 2  # Playwright can still look; the page's scripts cannot run
    page.get_by_role("navigation").get_by_role(
        "link", name=TAB_BY_KEY["me"].label["zh_Hans"]
    ).click()
    expect(page).to_have_url(re.compile(r"/me$"))

    form = page.locator("form[action='/settings/language']")
    form.get_by_role("radio", name="English", exact=True).check()
    with page.expect_response(lambda r: r.url.endswith("/settings/language")) as posted:
        form.get_by_role("button", name=SAVE[ZH.code]).click()
    assert posted.value.status == 303
    expect(page.locator("html")).to_have_attribute("lang", EN.html_lang)
    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.locator("h1")).to_have_text(TAB_BY_KEY["me"].heading["en"])

    page.get_by_role("navigation").get_by_role("link", name="Licenses").click()
    expect(page).to_have_url(re.compile(r"/wallet$"))
    expect(page.locator("h1")).to_have_text("Licenses")


def test_without_javascript_both_text_size_switches_still_work(open_page: OpenPage) -> None:
    page = open_page("/me", javascript=False)
    form = page.locator("form[action='/settings/display']").filter(has=page.get_by_role("radio"))
    form.get_by_role("radio", name=LARGE_CHOICE[ZH.code], exact=True).check()
    with page.expect_response(lambda r: r.url.endswith("/settings/display")) as posted:
        form.get_by_role("button", name=SAVE[ZH.code]).click()
    assert posted.value.status == 303
    expect(page.locator("html")).to_have_class(LARGE_CLASS)
    expect(page).to_have_url(re.compile(r"/me$"))

    page.goto("/services")
    header_button = page.locator("header").get_by_role("button")
    expect(header_button).to_have_text(STANDARD_TEXT_BUTTON[ZH.code])
    header_button.click()
    expect(page.locator("html")).not_to_have_class(LARGE_CLASS)
    expect(page).to_have_url(re.compile(r"/services$"))
