"""The visual record: full-page PNGs of the shell on a 390x844 phone, committed with the code.

Pages are deterministic (demo data, no clock, CSRF tokens hidden), so an unchanged page
gives a byte-identical PNG and ``git diff`` shows only real visual changes.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.support import LANGUAGES, SCREENSHOTS_DIR, TAB_BY_KEY, TABS, ZH, OpenPage
from tests.browser.support import Language as Lang

pytestmark = pytest.mark.browser

VIEWPORT = (390, 844)
SCALE = 2


def save_screenshot(page: Page, path: str, name: str) -> Path:
    """Load ``path`` and save it, whole, as ``screenshots/<name>.png``; return the file."""
    page.set_viewport_size({"width": VIEWPORT[0], "height": VIEWPORT[1]})
    page.goto(path)
    page.evaluate("document.fonts.ready.then(() => true)")
    # Chromium's full-page capture keeps position:fixed elements where the 844px viewport
    # put them, so a long page would show the tab bar across its middle. A viewport as tall
    # as the page puts the bar at the end of the page, as a person scrolling down sees it.
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": VIEWPORT[0], "height": max(VIEWPORT[1], height)})
    target = SCREENSHOTS_DIR / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=target, full_page=True, animations="disabled", caret="hide")
    return target


def png_width(file: Path) -> int:
    """The pixel width from a PNG's IHDR chunk."""
    header = file.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{file} is not a PNG"
    width: int = struct.unpack(">I", header[16:20])[0]
    return width


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda lang: lang.code)
def test_screenshots_record_every_tab_in_each_language(open_page: OpenPage, language: Lang) -> None:
    page = open_page(
        "/", locale=language.browser_locale, viewport=VIEWPORT, device_scale_factor=SCALE
    )
    for tab in TABS:
        saved = save_screenshot(page, tab.path, f"{tab.key}-{language.code}")
        assert png_width(saved) == VIEWPORT[0] * SCALE


def test_screenshots_record_home_and_me_in_large_text_mode(open_page: OpenPage) -> None:
    page = open_page(
        "/", locale=ZH.browser_locale, large_text=True, viewport=VIEWPORT, device_scale_factor=SCALE
    )
    for key in ("home", "me"):
        saved = save_screenshot(page, TAB_BY_KEY[key].path, f"{key}-{ZH.code}-large")
        assert png_width(saved) == VIEWPORT[0] * SCALE
