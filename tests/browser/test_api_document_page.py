"""The API document's page (Swagger UI at /schema) works under the pages' policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import OpenPage

pytestmark = pytest.mark.browser


def test_the_api_document_renders_without_inline_script_or_style(open_page: OpenPage) -> None:
    # Litestar's own page set Swagger UI up in an inline <script>, which the policy refuses:
    # the page stayed blank. Any refusal is a CSP violation on the console (the fixture fails).
    page = open_page("/schema", viewport=(1280, 900))
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("OneThing API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
