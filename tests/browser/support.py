"""What the browser tests share: the tabs and their labels, axe-core, and in-page measurements.

Expected strings are spelled out here on purpose: a test of the translations must not read
them back from the catalogs it is testing.
"""

from __future__ import annotations

import functools
import io
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import pyotp
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.browser.server import AppServer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS_DIR = Path(__file__).resolve().parent / "screenshots"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--font-render-hinting=none",
]
AXE_CANDIDATES = (
    PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js",
    PROJECT_ROOT / "assets" / "vendor" / "axe-core" / "axe.min.js",
)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MISSING_PATH = "/no-such-page"

# Tap targets (px): WCAG 2.5.5 / Apple HIG in standard mode, MIIT elder-friendly in large mode.
TAP_STANDARD = 44
TAP_LARGE = 60
# Body text (px): the stylesheet's root size in each mode; MIIT asks >= 18 for large mode.
BODY_TEXT_STANDARD = 16
BODY_TEXT_LARGE = 18
# The smallest text allowed anywhere on screen.
SMALLEST_TEXT_STANDARD = 12
SMALLEST_TEXT_LARGE = 14


@dataclass(frozen=True)
class Language:
    """A supported interface language as the browser tests see it."""

    code: str  # the app's locale code, used in screenshot names
    browser_locale: str  # what the browser context asks for (Accept-Language)
    html_lang: str  # the BCP 47 tag the app writes into <html lang>


ZH = Language(code="zh_Hans", browser_locale="zh-CN", html_lang="zh-Hans")
EN = Language(code="en", browser_locale="en-US", html_lang="en")
LANGUAGES = (ZH, EN)


@dataclass(frozen=True)
class Tab:
    """One tab of the bottom bar, with the words expected on it in each language."""

    key: str
    path: str
    label: dict[str, str]
    heading: dict[str, str]


TABS = (
    Tab(
        key="home",
        path="/",
        label={"zh_Hans": "首页", "en": "Home"},
        heading={"zh_Hans": "一件事一次办", "en": "One thing, done once"},
    ),
    Tab(
        key="services",
        path="/services",
        label={"zh_Hans": "办事", "en": "Services"},
        heading={"zh_Hans": "办事", "en": "Services"},
    ),
    Tab(
        key="wallet",
        path="/wallet",
        label={"zh_Hans": "证照", "en": "Licenses"},
        heading={"zh_Hans": "证照", "en": "Licenses"},
    ),
    Tab(
        key="messages",
        path="/messages",
        label={"zh_Hans": "消息", "en": "Messages"},
        heading={"zh_Hans": "消息", "en": "Messages"},
    ),
    Tab(
        key="me",
        path="/me",
        label={"zh_Hans": "我的", "en": "Me"},
        heading={"zh_Hans": "我的", "en": "Me"},
    ),
)
TAB_BY_KEY = {tab.key: tab for tab in TABS}

# Words of the settings UI that the tests click on.
LARGE_TEXT_BUTTON = {"zh_Hans": "大字版", "en": "Large text"}
STANDARD_TEXT_BUTTON = {"zh_Hans": "标准版", "en": "Standard text"}
LARGE_CHOICE = {"zh_Hans": "大字（更易阅读）", "en": "Large (easier to read)"}
STANDARD_CHOICE = {"zh_Hans": "标准", "en": "Standard"}
SAVE = {"zh_Hans": "保存", "en": "Save"}
NOT_FOUND_HEADING = {
    "zh_Hans": "找不到该页面或内容。",
    "en": "We could not find that page or item.",
}


class OpenPage(Protocol):
    """Opens ``path`` in a new browser context set up as asked; returns the page."""

    def __call__(
        self,
        path: str = "/",
        *,
        locale: str | None = ZH.browser_locale,
        large_text: bool = False,
        javascript: bool = True,
        viewport: tuple[int, int] = (390, 844),
        device_scale_factor: float = 1,
        expect_status: int = 200,
        host: str | None = None,
    ) -> Page: ...


def code_from_outbox(page: Page, masked: str) -> str:
    """Read the newest code for ``masked`` on the developer outbox page, in another tab."""
    outbox = page.context.new_page()
    outbox.goto("/dev/sms-outbox")
    code = outbox.locator("li", has_text=masked).first.locator(".code").inner_text().strip()
    outbox.close()
    return code


def truthy_env(name: str) -> bool:
    """Whether environment variable ``name`` is set to a yes-like value."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def require_chromium(path: str) -> str:
    """Return ``path`` if Chromium is there; else skip, or fail when REQUIRE_BROWSER is set."""
    candidate = Path(path)
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    reason = f"Chromium not found at {path}: apt-get install chromium fonts-noto-cjk"
    if truthy_env("REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (REQUIRE_BROWSER is set: failing, not skipping)", pytrace=False)
    pytest.skip(reason)


def is_csp_violation(console_text: str) -> bool:
    """Whether a console message is Chromium's report of something the Content-Security-Policy
    refused (an inline script or style, eval, an image, a form's target …)."""
    return "Content Security Policy" in console_text


@functools.cache
def _axe_source() -> str:
    return axe_script().read_text(encoding="utf-8")


def axe_script() -> Path:
    """The axe-core bundle installed by ``npm ci`` (or its copy under assets/vendor)."""
    for candidate in AXE_CANDIDATES:
        if candidate.is_file():
            return candidate
    pytest.fail("axe-core not found: run `make install` (npm ci) first")


def run_axe(page: Page) -> list[dict[str, Any]]:
    """Inject axe-core into ``page`` and return its WCAG 2.x A/AA violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # As the body of a function Playwright evaluates, which the page's Content-Security-
        # Policy does not govern: an inline <script> (add_script_tag) is refused, a <script src>
        # fails offline, and the tests keep the policy on (no bypass_csp) to see what it breaks.
        page.evaluate(f"() => {{\n{_axe_source()}\n}}")
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    violations: list[dict[str, Any]] = page.evaluate(
        "async (options) => (await axe.run(document, options)).violations", options
    )
    return violations


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One readable paragraph per axe violation: rule, impact, help and the failing nodes."""
    lines: list[str] = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} [{violation.get('impact')}]: {violation['help']}"
            f" ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' > '.join(map(str, node['target']))}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


# Returns a description of every form control that has no label a screen reader would read.
UNLABELLED_CONTROLS_JS = """
() => [...document.querySelectorAll('input, select, textarea')]
  .filter((el) => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
  .filter((el) => {
    const byLabel = [...(el.labels || [])].some((label) => label.textContent.trim() !== '');
    const byAria = (el.getAttribute('aria-label') || '').trim() !== '';
    const byRef = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .some((id) => (document.getElementById(id)?.textContent || '').trim() !== '');
    return !(byLabel || byAria || byRef);
  })
  .map((el) => el.outerHTML.slice(0, 160))
"""

# Returns every element that acts as a button or link without being one.
FAKE_CONTROLS_JS = """
() => {
  const native = 'a[href], button, input, select, textarea, summary, label, option';
  const acts = (el) => el.hasAttribute('onclick') || el.getAttribute('role') === 'button'
    || el.getAttribute('role') === 'link'
    || ['hx-get', 'hx-post', 'hx-put', 'hx-patch', 'hx-delete'].some((a) => el.hasAttribute(a))
    || getComputedStyle(el).cursor === 'pointer';
  return [...document.body.querySelectorAll('*')]
    .filter((el) => !el.matches(native) && !el.closest(native) && acts(el))
    .filter((el) => !(el.tagName === 'FORM'))
    .map((el) => el.outerHTML.slice(0, 160));
}
"""

# Returns visible text runs whose computed font size is below ``minimum`` px.
SMALL_TEXT_JS = """
(minimum) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const small = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || !el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) {
      continue;
    }
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < minimum) small.push(`${size}px: ${el.tagName.toLowerCase()} "${text.slice(0, 40)}"`);
  }
  return small;
}
"""

# Returns the computed font size of each paragraph-like block of running text in <main>.
BODY_TEXT_SIZES_JS = """
() => [...document.querySelectorAll('main p, main li, main .steps span, main legend, main label')]
  .filter((el) => el.textContent.trim() !== '')
  .map((el) => [el.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(el).fontSize)])
"""

# On a narrow screen: what sticks out sideways (WCAG 1.4.10 Reflow), and squeezed tab links.
REFLOW_JS = """
(tap) => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const sticksOut = (el) => el.checkVisibility() && el.getBoundingClientRect().right > width + 0.5;
  if (document.documentElement.scrollWidth > width) {
    problems.push(`the page is ${document.documentElement.scrollWidth}px wide`);
    const culprits = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      if (node.textContent.trim() && range.getBoundingClientRect().right > width + 0.5) {
        culprits.add(node.parentElement);
      }
    }
    // Boxes that stick out while none of their children do (an SVG counts as one box).
    document.body.querySelectorAll('*').forEach((el) => {
      const inner = el.tagName.toLowerCase() === 'svg' ? [] : [...el.children];
      if (!el.closest('svg > *') && sticksOut(el) && !inner.some(sticksOut)) culprits.add(el);
    });
    for (const el of [...culprits].slice(0, 6)) {
      const cls = el.getAttribute('class');
      const name = el.tagName.toLowerCase() + (cls ? `.${cls}` : '');
      const box = el.getBoundingClientRect();
      const right = Math.round(Math.max(box.right, box.left + el.scrollWidth));
      problems.push(`${name} "${el.textContent.trim().slice(0, 40)}" ends at ${right}px`);
    }
  }
  for (const link of document.querySelectorAll('.tab-bar a')) {
    const box = link.getBoundingClientRect();
    const label = link.textContent.trim();
    if (box.width < tap) problems.push(`tab "${label}" is ${Math.round(box.width)}px wide`);
  }
  return problems;
}
"""


def id_card_photo() -> bytes:
    """A made-up picture shaped like an ID card (grey photo box, text bars), as a JPEG."""
    image = Image.new("RGB", (640, 400), (214, 228, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle([(430, 90), (600, 300)], fill=(150, 150, 150))
    for y in range(90, 300, 40):
        draw.rectangle([(40, y), (380, y + 16)], fill=(60, 60, 60))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def sign_on_the_pad(tablet: Page) -> None:
    """Draw a zigzag signature on the tablet's signature pad with the mouse."""
    pad = tablet.locator("canvas[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    tablet.mouse.move(x + w * 0.1, y + h * 0.7)
    tablet.mouse.down()
    for i in range(1, 25):
        tablet.mouse.move(x + w * (0.1 + 0.03 * i), y + h * (0.5 + 0.3 * (-1) ** i * 0.6))
    tablet.mouse.up()


TABLET = (1024, 768)


def new_staff_page(
    open_page: OpenPage, server: AppServer, role: str, name: str = "测试员"
) -> tuple[Page, str]:
    """A new member of staff of ``role`` (made with the CLI), signed in with TOTP at tablet size.

    Returns the page and the username.
    """
    username = f"{role.replace('_', '-')}-{secrets.token_hex(3)}"
    printed = server.command(
        "staff", "create", "--username", username, "--name", name, "--role", role
    )
    password = re.search(r"Initial password: (\S+)", printed)
    assert password, printed
    page = open_page("/staff/sign-in", viewport=TABLET)
    page.locator("#username").fill(username)
    page.locator("#password").fill(password.group(1))
    page.locator("form[action='/staff/sign-in'] button[type=submit]").click()
    secret = page.locator("code.secret").first.inner_text().strip()
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("form[action='/staff/sign-in'] button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/staff/sign-in"))
    return page, username


def schedule_visit_today(supervisor: Page, phone: str, worker: str, reason: str = "老年人") -> None:
    """The supervisor schedules a visit today by ``worker`` (a username) for ``phone``.

    The worker is picked from the form's list, by the option whose label shows the username;
    the form then ends on its confirmation page, which says the same for any number. Both
    pages are checked with axe on the way.
    """
    supervisor.goto("/staff/visits/new")
    violations = run_axe(supervisor)
    assert not violations, describe_violations(violations)
    supervisor.get_by_label("居民手机号").fill(phone)
    option = supervisor.locator("#worker_id option", has_text=f"({worker})")
    supervisor.get_by_label("上门服务人员").select_option(option.get_attribute("value"))
    supervisor.get_by_label("日期").fill(datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat())
    supervisor.get_by_label(reason).check()
    supervisor.get_by_role("button", name="预约", exact=True).click()
    expect(supervisor).to_have_url(re.compile(r"/staff/visits/scheduled\?"))
    expect(supervisor.get_by_role("heading", name="上门服务已登记")).to_be_visible()
    violations = run_axe(supervisor)
    assert not violations, describe_violations(violations)
