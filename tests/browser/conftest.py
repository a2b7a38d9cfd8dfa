"""Browser tests: the real server in a subprocess, Debian's Chromium driven by Playwright.

Everything heavy is package-scoped: one server and one browser for ``tests/browser``, torn
down before the rest of the suite runs (Playwright's sync API marks an event loop as running
in the main thread while it is alive, which pytest-asyncio's tests must not see). Each test
gets fresh browser contexts, so no cookie leaks from one test into another.

Under pytest-xdist they all run on one worker, in file order (the ``browser`` group of
tests/parallel.py): one server and one Chromium, and journeys that count demo data see only
each other's changes, as in a serial run.

Without Chromium every test here is skipped with the reason shown by ``-ra``; with
``REQUIRE_BROWSER=1`` (CI) they fail instead. ``CHROMIUM_PATH`` overrides where to look.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    expect,
    sync_playwright,
)

from tests.browser.server import AppServer, ServerError
from tests.browser.support import (
    CHROMIUM_ARGS,
    DEFAULT_CHROMIUM,
    ZH,
    OpenPage,
    is_csp_violation,
    require_chromium,
)

# A slow CI machine must not turn a correct page into a flaky failure.
expect.set_options(timeout=10_000)

# --- Chromium -------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def chromium_executable() -> str:
    """The Chromium binary; skips (or fails under REQUIRE_BROWSER=1) when it is missing."""
    return require_chromium(os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM)


@pytest.fixture(scope="package")
def playwright_driver(chromium_executable: str) -> Iterator[Playwright]:
    """Playwright's sync driver, alive for the browser tests only."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright_driver: Playwright, chromium_executable: str) -> Iterator[Browser]:
    """One headless Chromium for the whole package; tests open their own contexts."""
    launched = playwright_driver.chromium.launch(
        executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


# --- The app server -------------------------------------------------------------------------


def _browser_database_url(request: pytest.FixtureRequest) -> str | None:
    """A fresh database on the DATABASE_URL server (via the root fixture), or None: SQLite."""
    if not os.environ.get("DATABASE_URL", "").strip():
        return None
    make: Callable[[str], str] = request.getfixturevalue("fresh_database_url")
    return make("browser")


@pytest.fixture(scope="package")
def app_server(
    chromium_executable: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[AppServer]:
    """The app (migrate, demo-data, serve) booting in the background; stopped with SIGINT.

    Needs ``chromium_executable`` so that a missing Chromium skips before anything starts.
    With DATABASE_URL set it gets a fresh database on that server; REDIS_URL passes through.
    """
    server = AppServer(tmp_path_factory.mktemp("browser-app"), _browser_database_url(request))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def app_url(app_server: AppServer, browser: Browser) -> str:
    """The base URL of the running app, once ``GET /healthz`` answers 200 (30 s at most)."""
    try:
        return app_server.wait_until_ready()
    except ServerError as exc:
        pytest.fail(f"the app did not start: {exc}", pytrace=False)


# --- Pages ----------------------------------------------------------------------------------


@dataclass
class PageProblems:
    """What went wrong inside a page that no assertion looked at: script errors, 4xx assets,
    anything the Content-Security-Policy refused."""

    entries: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        """Record uncaught script errors, console errors and failed sub-resources in ``context``."""
        context.on("weberror", lambda error: self.entries.append(f"script error: {error.error}"))
        context.on("console", self._console)
        context.on("response", self._response)
        context.on("requestfailed", self._request_failed)

    def _console(self, message: ConsoleMessage) -> None:
        # Whatever the Content-Security-Policy refused: the page lost a script, a style or a
        # form's way out (Chromium reports each on the console, whatever its level).
        if is_csp_violation(message.text):
            where = message.page.url if message.page is not None else "?"
            self.entries.append(f"CSP violation on {where}: {message.text}")
        # The 404 document itself is reported as a failed resource; the response hook checks
        # sub-resources precisely, so these generic lines add nothing.
        elif message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.entries.append(f"console error: {message.text}")

    def _request_failed(self, request: Request) -> None:
        # ERR_ABORTED: the page moved on before a request (the favicon, say) finished.
        # ERR_INTERNET_DISCONNECTED: the test took the context offline on purpose.
        if request.failure not in ("net::ERR_ABORTED", "net::ERR_INTERNET_DISCONNECTED"):
            self.entries.append(f"{request.failure} for {request.resource_type} {request.url}")

    def _response(self, response: Response) -> None:
        request = response.request
        # A boosted form answered 422 (or 429) is the form re-rendered with its messages.
        if response.status in (422, 429) and request.headers.get("hx-request") == "true":
            return
        if response.status >= 400 and request.resource_type != "document":
            self.entries.append(f"{response.status} for {request.resource_type} {request.url}")


@pytest.fixture
def open_page(browser: Browser, app_url: str) -> Iterator[OpenPage]:
    """Factory of pages, each in its own context; fails the test on script or asset errors."""
    contexts: list[BrowserContext] = []
    problems = PageProblems()

    def open_(
        path: str = "/",
        *,
        locale: str | None = ZH.browser_locale,
        large_text: bool = False,
        javascript: bool = True,
        viewport: tuple[int, int] = (390, 844),
        device_scale_factor: float = 1,
        expect_status: int = 200,
        host: str | None = None,
    ) -> Page:
        # WebAuthn refuses an IP address as relying-party id: passkey tests ask for "localhost".
        base_url = app_url.replace("//127.0.0.1:", f"//{host}:") if host else app_url
        context = browser.new_context(
            base_url=base_url,
            locale=locale,
            java_script_enabled=javascript,
            viewport={"width": viewport[0], "height": viewport[1]},
            device_scale_factor=device_scale_factor,
            reduced_motion="reduce",
            color_scheme="light",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        problems.watch(context)
        if large_text:
            context.add_cookies([{"name": "display", "value": "large", "url": app_url}])
        page = context.new_page()
        response = page.goto(path)
        assert response is not None, f"no response for {path}"
        assert response.status == expect_status, f"GET {path}: {response.status}"
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not problems.entries, "problems inside the page:\n" + "\n".join(problems.entries)
