"""The API document's browsable page (Swagger UI) without inline script or style.

Litestar's ``SwaggerRenderPlugin`` writes the document and the UI's set-up into an inline
``<script>`` and the body's margin into a ``<style>``, both of which the pages'
Content-Security-Policy refuses. This page loads the same vendored files and a set-up
script of ours (``assets/js/swagger-init.js``), which reads the document's address and
the CSRF cookie and header names from the page.
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import SwaggerRenderPlugin

INIT_SCRIPT = "/static/js/swagger-init.js"


class SwaggerPage(SwaggerRenderPlugin):
    """Swagger UI as a page the Content-Security-Policy allows."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The UI's page; the UI fetches the document itself (``/schema/openapi.json``)."""
        csrf = request.app.csrf_config
        data = {
            "data-openapi-url": self.get_openapi_json_route(request),
            "data-csrf-cookie": csrf.cookie_name if csrf and not csrf.cookie_httponly else "",
            "data-csrf-header": csrf.header_name if csrf else "",
        }
        attributes = " ".join(f'{name}="{escape(value)}"' for name, value in data.items())
        title = escape(str(openapi_schema["info"]["title"]))
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title>{self.favicon}"
            f'<link rel="stylesheet" href="{escape(self.css_url)}">'
            f'<script src="{escape(self.js_url)}" defer></script>'
            f'<script src="{escape(self.standalone_preset_js_url)}" defer></script>'
            f'<script src="{INIT_SCRIPT}" defer></script>'
            f'</head><body><div id="swagger-container" {attributes}></div></body></html>'
        ).encode()
