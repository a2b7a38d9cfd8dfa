"""The shell speaks the person's language: negotiated first, then chosen on 我的 (Me)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (
    EN,
    LANGUAGES,
    MISSING_PATH,
    NOT_FOUND_HEADING,
    SAVE,
    TAB_BY_KEY,
    TABS,
    ZH,
    OpenPage,
)
from tests.browser.support import Language as Lang
from tests.browser.support import Tab as ShellTab

pytestmark = pytest.mark.browser

# Accept-Language -> the language the shell must answer in.
NEGOTIATION = [
    ("*", ZH),  # no preference (Chromium always sends the header; "*" is the nearest thing)
    ("zh-CN", ZH),
    ("zh-TW", ZH),
    ("zh-HK", ZH),
    ("zh-Hant-TW,zh;q=0.8", ZH),
    ("fr-FR,fr;q=0.9", ZH),
    ("en-GB,en;q=0.9", EN),
    ("fr-FR,en;q=0.5", EN),
]


def expect_shell(page: Page, language: Lang, current: ShellTab | None) -> None:
    """The page is in ``language``; the tab bar shows every label; ``current`` is marked."""
    expect(page.locator("html")).to_have_attribute("lang", language.html_lang)
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link")).to_have_text([tab.label[language.code] for tab in TABS])
    expect(nav.locator("[aria-current]")).to_have_count(0 if current is None else 1)
    if current is not None:
        link = nav.get_by_role("link", name=current.label[language.code], exact=True)
        expect(link).to_have_attribute("aria-current", "page")
        expect(page.locator("h1")).to_have_text(current.heading[language.code])


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda lang: lang.code)
def test_every_tab_renders_in_the_browser_language_and_marks_itself_current(
    open_page: OpenPage, language: Lang
) -> None:
    page = open_page("/", locale=language.browser_locale)
    for tab in TABS:
        page.goto(tab.path)
        expect_shell(page, language, tab)


def test_accept_language_gets_simplified_chinese_by_default_and_english_when_asked(
    open_page: OpenPage,
) -> None:
    page = open_page("/", locale=None)
    for accept_language, language in NEGOTIATION:
        page.set_extra_http_headers({"Accept-Language": accept_language})
        page.goto("/services")
        expect(page.locator("html"), accept_language).to_have_attribute("lang", language.html_lang)
        expect_shell(page, language, TAB_BY_KEY["services"])


def test_an_unknown_address_shows_a_localized_not_found_page_with_no_tab_current(
    open_page: OpenPage,
) -> None:
    page = open_page("/", locale=None)
    for language in LANGUAGES:
        page.set_extra_http_headers({"Accept-Language": language.browser_locale})
        response = page.goto(MISSING_PATH)
        assert response is not None
        assert response.status == 404
        expect_shell(page, language, None)
        expect(page.locator("h1")).to_have_text(NOT_FOUND_HEADING[language.code])


def choose_language(page: Page, native_name: str, ui_language: Lang) -> None:
    """On /me: tick the language radio and press that form's Save, as a person would."""
    form = page.locator("form[action='/settings/language']")
    form.get_by_role("radio", name=native_name, exact=True).check()
    form.get_by_role("button", name=SAVE[ui_language.code]).click()


def test_choosing_english_on_me_persists_across_navigation_and_new_page_loads(
    open_page: OpenPage,
) -> None:
    page = open_page("/me")
    expect_shell(page, ZH, TAB_BY_KEY["me"])

    choose_language(page, "English", ZH)
    expect(page.locator("html")).to_have_attribute("lang", EN.html_lang)
    expect(page).to_have_url(re.compile(r"/me$"))
    expect_shell(page, EN, TAB_BY_KEY["me"])
    expect(page.get_by_role("radio", name="English", exact=True)).to_be_checked()

    # Through the tab bar (an htmx-boosted navigation) ...
    page.get_by_role("navigation").get_by_role("link", name="Services").click()
    expect(page).to_have_url(re.compile(r"/services$"))
    expect_shell(page, EN, TAB_BY_KEY["services"])
    # /services lists life events now (issue 4), no longer departments: a heading of its own.
    expect(page.get_by_role("heading", name="For residents")).to_be_visible()
    # ... and in a brand-new page of the same browser: the cookie outranks Accept-Language.
    fresh = page.context.new_page()
    fresh.goto("/wallet")
    expect_shell(fresh, EN, TAB_BY_KEY["wallet"])


def test_choosing_chinese_on_me_overrides_an_english_browser(open_page: OpenPage) -> None:
    page = open_page("/me", locale=EN.browser_locale)
    expect_shell(page, EN, TAB_BY_KEY["me"])

    choose_language(page, "简体中文", EN)
    expect(page.locator("html")).to_have_attribute("lang", ZH.html_lang)
    expect_shell(page, ZH, TAB_BY_KEY["me"])
    expect(page.get_by_role("radio", name="简体中文", exact=True)).to_be_checked()

    page.goto("/messages")
    expect_shell(page, ZH, TAB_BY_KEY["messages"])
