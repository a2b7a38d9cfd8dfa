"""Big-font mode (适老化): switched from the header or on 我的 (Me), kept, and really bigger."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.support import (
    BODY_TEXT_LARGE,
    BODY_TEXT_SIZES_JS,
    BODY_TEXT_STANDARD,
    LARGE_CHOICE,
    LARGE_TEXT_BUTTON,
    MISSING_PATH,
    SAVE,
    STANDARD_CHOICE,
    STANDARD_TEXT_BUTTON,
    TAB_BY_KEY,
    TABS,
    TAP_LARGE,
    TAP_STANDARD,
    OpenPage,
)

pytestmark = pytest.mark.browser

LARGE_CLASS = re.compile(r"\blarge-text\b")

# Boxes of every visible tap target: the tab bar, the header, buttons and choices in <main>.
TAP_TARGETS_JS = """
() => [...document.querySelectorAll(
    '.tab-bar a, header a, header button, main a, main button, main .choice'
  )]
  .filter((el) => el.checkVisibility())
  .map((el) => {
    const box = el.getBoundingClientRect();
    return [el.textContent.trim().slice(0, 30) || el.outerHTML.slice(0, 60), box.width, box.height];
  })
"""
# How far the end of <main> reaches below the top of the fixed tab bar, scrolled to the bottom.
TAB_BAR_OVERLAP_JS = """
() => {
  window.scrollTo(0, document.documentElement.scrollHeight);
  const main = document.querySelector('main').getBoundingClientRect();
  const bar = document.querySelector('.tab-bar').getBoundingClientRect();
  const style = getComputedStyle(document.querySelector('main'));
  return main.bottom - parseFloat(style.paddingBottom) - bar.top;
}
"""


def header_toggle(page: Page) -> Locator:
    """The big-font switch in the header."""
    return page.locator("header").get_by_role("button")


def expect_large_text(page: Page, *, on: bool, ui: str = "zh_Hans") -> None:
    """<html> has (or lacks) the large-text class and the header button says so."""
    html = expect(page.locator("html"))
    if on:
        html.to_have_class(LARGE_CLASS)
        expect(header_toggle(page)).to_have_text(STANDARD_TEXT_BUTTON[ui])
        expect(header_toggle(page)).to_have_attribute("aria-pressed", "true")
    else:
        html.not_to_have_class(LARGE_CLASS)
        expect(header_toggle(page)).to_have_text(LARGE_TEXT_BUTTON[ui])
        expect(header_toggle(page)).to_have_attribute("aria-pressed", "false")


def test_the_header_toggle_switches_large_text_and_it_persists_across_pages(
    open_page: OpenPage,
) -> None:
    page = open_page("/services")
    expect_large_text(page, on=False)

    header_toggle(page).click()
    expect_large_text(page, on=True)
    expect(page).to_have_url(re.compile(r"/services$"))  # back where the person was

    # The header button comes from the server with each (boosted) page, so it proves the cookie.
    messages = TAB_BY_KEY["messages"].label["zh_Hans"]
    page.get_by_role("navigation").get_by_role("link", name=messages).click()
    expect(page).to_have_url(re.compile(r"/messages$"))
    expect(header_toggle(page)).to_have_text(STANDARD_TEXT_BUTTON["zh_Hans"])
    page.goto("/")
    expect_large_text(page, on=True)

    header_toggle(page).click()
    expect_large_text(page, on=False)
    page.goto("/wallet")
    expect_large_text(page, on=False)


def choose_text_size(page: Page, choice: str) -> None:
    """On /me: tick a text-size radio and press that form's Save."""
    form = page.locator("form[action='/settings/display']").filter(has=page.get_by_role("radio"))
    form.get_by_role("radio", name=choice, exact=True).check()
    form.get_by_role("button", name=SAVE["zh_Hans"]).click()


def test_the_text_size_setting_on_me_switches_large_text_and_it_persists(
    open_page: OpenPage,
) -> None:
    page = open_page("/me")
    expect(page.get_by_role("radio", name=STANDARD_CHOICE["zh_Hans"], exact=True)).to_be_checked()

    choose_text_size(page, LARGE_CHOICE["zh_Hans"])
    expect_large_text(page, on=True)
    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.get_by_role("radio", name=LARGE_CHOICE["zh_Hans"], exact=True)).to_be_checked()
    page.goto("/wallet")
    expect_large_text(page, on=True)

    page.goto("/me")
    choose_text_size(page, STANDARD_CHOICE["zh_Hans"])
    expect_large_text(page, on=False)
    page.goto("/")
    expect_large_text(page, on=False)


def test_the_header_toggle_also_works_on_the_not_found_page(open_page: OpenPage) -> None:
    page = open_page(MISSING_PATH, expect_status=404)
    with page.expect_response(lambda r: r.url.endswith("/settings/display")) as posted:
        header_toggle(page).click()
    assert posted.value.status == 303, f"POST /settings/display answered {posted.value.status}"
    expect_large_text(page, on=True)


def measure(page: Page, path: str, text_px: int, tap_px: int) -> list[str]:
    """Everything on the page at ``path`` that is too small, or hidden by the tab bar."""
    page.goto(path)
    problems: list[str] = []
    for link in page.get_by_role("navigation").get_by_role("link").all():
        box = link.bounding_box()
        assert box is not None
        if box["width"] < tap_px or box["height"] < tap_px:
            size = f"{box['width']:.0f}x{box['height']:.0f}"
            problems.append(f"{path}: tab bar link {link.inner_text()!r} is {size}")
    for name, width, height in page.evaluate(TAP_TARGETS_JS):
        if width < tap_px or height < tap_px:
            problems.append(f"{path}: tap target {name!r} is {width:.0f}x{height:.0f}")
    for text, size in page.evaluate(BODY_TEXT_SIZES_JS):
        if size < text_px:
            problems.append(f"{path}: body text {text!r} is {size}px")
    overlap = page.evaluate(TAB_BAR_OVERLAP_JS)
    if overlap > 0:
        problems.append(f"{path}: the tab bar covers the last {overlap:.0f}px of content")
    return problems


@pytest.mark.parametrize(
    ("large", "text_px", "tap_px"),
    [(False, BODY_TEXT_STANDARD, TAP_STANDARD), (True, BODY_TEXT_LARGE, TAP_LARGE)],
    ids=["standard", "large"],
)
def test_text_and_tap_targets_are_big_enough_and_the_tab_bar_hides_nothing(
    open_page: OpenPage, large: bool, text_px: int, tap_px: int
) -> None:
    page = open_page("/", large_text=large)
    problems = [problem for tab in TABS for problem in measure(page, tab.path, text_px, tap_px)]
    rules = f"text >= {text_px}px, tap targets >= {tap_px}x{tap_px}px"
    assert not problems, f"{rules}; found:\n" + "\n".join(problems)
