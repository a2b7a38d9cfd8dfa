"""Accessibility of every page: axe-core's WCAG 2.2 A/AA rules, and checks axe does not make.

Each page is loaded once per language and text mode (a module-scoped survey); the tests
then read the survey, so each rule fails on its own with every offending page listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.support import (
    FAKE_CONTROLS_JS,
    LANGUAGES,
    MISSING_PATH,
    REFLOW_JS,
    SMALL_TEXT_JS,
    SMALLEST_TEXT_LARGE,
    SMALLEST_TEXT_STANDARD,
    TABS,
    TAP_LARGE,
    TAP_STANDARD,
    UNLABELLED_CONTROLS_JS,
    axe_script,
    describe_violations,
    is_csp_violation,
    run_axe,
)

pytestmark = pytest.mark.browser

PATHS = [tab.path for tab in TABS] + ["/sign-in", "/dev/sms-outbox", MISSING_PATH]
MODES = ("standard", "large")
PHONE = (390, 844)
NARROW_WIDTH = 320  # WCAG 1.4.10: no sideways scrolling at 320 CSS px


@dataclass(frozen=True)
class PageReport:
    """What one page showed in one language and text mode."""

    status: int
    violations: list[dict[str, Any]]
    unlabelled_controls: list[str]
    fake_controls: list[str]
    small_text: list[str]
    narrow_screen: list[str]
    csp_violations: list[str]


Survey = dict[tuple[str, str, str], PageReport]


def _on_narrow_screen(page: Page, tap: int) -> list[str]:
    """Reflow problems with the page laid out 320px wide (then back to the phone's 390px)."""
    page.set_viewport_size({"width": NARROW_WIDTH, "height": PHONE[1]})
    try:
        problems: list[str] = page.evaluate(REFLOW_JS, tap)
    finally:
        page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    return problems


def _survey_one(browser: Browser, app_url: str, locale: str, mode: str) -> Iterator[PageReport]:
    context = browser.new_context(
        base_url=app_url, locale=locale, viewport={"width": PHONE[0], "height": PHONE[1]}
    )
    context.add_init_script(path=axe_script())  # axe-core loads with every page
    if mode == "large":
        context.add_cookies([{"name": "display", "value": "large", "url": app_url}])
    smallest = SMALLEST_TEXT_LARGE if mode == "large" else SMALLEST_TEXT_STANDARD
    tap = TAP_LARGE if mode == "large" else TAP_STANDARD
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if is_csp_violation(m.text) else None)
    try:
        for path in PATHS:
            refused.clear()
            response = page.goto(path)
            yield PageReport(
                status=response.status if response else 0,
                violations=run_axe(page),
                unlabelled_controls=page.evaluate(UNLABELLED_CONTROLS_JS),
                fake_controls=page.evaluate(FAKE_CONTROLS_JS),
                small_text=page.evaluate(SMALL_TEXT_JS, smallest),
                narrow_screen=_on_narrow_screen(page, tap),
                csp_violations=list(refused),
            )
    finally:
        context.close()


@pytest.fixture(scope="module")
def survey(browser: Browser, app_url: str) -> Survey:
    """Every tab and the 404 page, in both languages and both text modes, examined once."""
    reports: Survey = {}
    for language in LANGUAGES:
        for mode in MODES:
            pages = _survey_one(browser, app_url, language.browser_locale, mode)
            for path, report in zip(PATHS, pages, strict=True):
                reports[(language.code, mode, path)] = report
    return reports


def findings(survey: Survey, pick: str) -> str:
    """The non-empty ``pick`` lists of the survey, one block per page, or "" if none."""
    blocks: list[str] = []
    for (language, mode, path), report in survey.items():
        found = getattr(report, pick)
        if found:
            body = describe_violations(found) if pick == "violations" else "\n".join(found)
            blocks.append(f"{path} ({language}, {mode} text):\n{body}")
    return "\n\n".join(blocks)


def test_the_survey_reached_every_page(survey: Survey) -> None:
    statuses = {key: report.status for key, report in survey.items()}
    expected = {key: 404 if key[2] == MISSING_PATH else 200 for key in statuses}
    assert statuses == expected
    assert len(statuses) == len(PATHS) * len(LANGUAGES) * len(MODES)


def test_axe_finds_no_wcag_violations_on_any_page_language_or_text_size(survey: Survey) -> None:
    report = findings(survey, "violations")
    assert not report, f"axe-core found WCAG 2.2 A/AA violations:\n{report}"


def test_no_page_breaks_its_content_security_policy(survey: Survey) -> None:
    # No inline script or style, no eval (htmx's filters and indicator styles), nothing from
    # another origin: Chromium reports each refusal on the console.
    report = findings(survey, "csp_violations")
    assert not report, f"the Content-Security-Policy refused:\n{report}"


def test_no_form_control_goes_without_a_label_or_leans_on_a_placeholder(survey: Survey) -> None:
    report = findings(survey, "unlabelled_controls")
    assert not report, f"controls without a <label> or aria-label:\n{report}"


def test_nothing_but_real_buttons_and_links_is_clickable(survey: Survey) -> None:
    report = findings(survey, "fake_controls")
    assert not report, f"elements that act as controls without being one:\n{report}"


def test_no_visible_text_is_smaller_than_12px_or_14px_in_large_mode(survey: Survey) -> None:
    report = findings(survey, "small_text")
    assert not report, f"text below the minimum size:\n{report}"


def test_every_page_fits_a_320px_screen_without_sideways_scrolling_or_squeezed_tabs(
    survey: Survey,
) -> None:
    report = findings(survey, "narrow_screen")
    assert not report, f"at {NARROW_WIDTH}px wide:\n{report}"


BUILT_TO_FAIL = """<!doctype html><html lang="en"><head><title>bad</title></head><body>
<main><h1>Bad page</h1>
<input type="text" placeholder="Name only in a placeholder">
<div onclick="go()">Click me</div><span role="button">Me too</span>
<p style="font-size:10px">tiny print</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<div style="width:400px">wider than a small phone</div>
</main></body></html>"""


def test_the_checks_themselves_catch_a_page_built_to_fail(browser: Browser) -> None:
    context = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]})
    try:
        page = context.new_page()
        page.set_content(BUILT_TO_FAIL)
        assert "image-alt" in {v["id"] for v in run_axe(page)}
        # axe accepts a placeholder as a label; this check is here because it must not.
        assert len(page.evaluate(UNLABELLED_CONTROLS_JS)) == 1
        assert len(page.evaluate(FAKE_CONTROLS_JS)) == 2
        assert page.evaluate(SMALL_TEXT_JS, SMALLEST_TEXT_STANDARD) == ['10px: p "tiny print"']
        assert any("div" in line for line in _on_narrow_screen(page, TAP_STANDARD))
    finally:
        context.close()
