"""Security headers, set in one place for every response (docs/SECURITY.md, "Headers").

Every response: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy`` (unless the route
chose a stricter one) and, in production over https, ``Strict-Transport-Security``.
Pages (``text/html``) also get the Content-Security-Policy below and ``X-Frame-Options``;
JSON, files and streams get only the first set, which is all a browser reads on them.

The middleware sits outside routing, so 404 and 405 pages, the load-shedding 503 and
static files carry the headers too. A route that must widen the policy (the OpenID consent
page, whose form ends at the client's redirect URI) sends its own
``Content-Security-Policy``, built here by ``content_security_policy``; the middleware
leaves a policy it finds alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

CSP = "Content-Security-Policy"
REFERRER_POLICY = "strict-origin-when-cross-origin"
HSTS = "max-age=31536000; includeSubDomains"

# Each directive and why (docs/SECURITY.md repeats this for reviewers).
_DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),  # anything not named below: our own origin only
    ("script-src", "'self'"),  # files under /static only: no inline script, no eval
    ("style-src", "'self'"),  # app.css only: no <style> element, no style attribute
    ("img-src", "'self'"),  # QR codes are inline SVG markup, not data: images
    ("object-src", "'none'"),  # no plugins
    ("base-uri", "'none'"),  # an injected <base> cannot re-point relative URLs
    ("form-action", "'self'"),  # forms post to us (see content_security_policy)
    ("frame-ancestors", "'none'"),  # no framing (clickjacking), as X-Frame-Options: DENY
)
# An origin as a policy may name it: a scheme, a host and maybe a port; nothing that
# could end the directive (";", ",", whitespace, quotes).
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


def content_security_policy(*, form_action: Iterable[str] = (), data_images: bool = False) -> str:
    """The pages' policy; ``form_action`` adds origins a form on the page may end at.

    Chromium checks ``form-action`` on every redirect that follows a submission, not only on
    the form's own target, so a form that posts to us and is redirected to another site
    (an OpenID client's redirect URI) needs that site's origin here. Origins that are not
    plain ``scheme://host[:port]`` are left out. ``data_images`` allows ``data:`` images
    (Swagger UI's stylesheet draws its icons so).
    """
    extra = {
        "form-action": [origin for origin in dict.fromkeys(form_action) if _ORIGIN.match(origin)],
        "img-src": ["data:"] if data_images else [],
    }
    return "; ".join(" ".join([name, value, *extra.get(name, [])]) for name, value in _DIRECTIVES)


def policy_allowing_forms_to(uri: str | None) -> dict[str, str] | None:
    """The ``Content-Security-Policy`` header of a page whose forms may end at ``uri``, after
    our redirects (None when ``uri`` names no usable origin: the page keeps the default)."""
    origin = origin_of(uri) if uri else None
    return {CSP: content_security_policy(form_action=[origin])} if origin else None


def origin_of(uri: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URI, or None."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = parts.port
    except ValueError:
        return None
    origin = f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
    return origin if _ORIGIN.match(origin) else None


_PAGE_POLICY = content_security_policy().encode()
_NAMES = frozenset(
    {
        b"x-content-type-options",
        b"referrer-policy",
        b"strict-transport-security",
        b"x-frame-options",
        b"content-security-policy",
    }
)


class SecurityHeadersMiddleware:
    """Adds the security headers to each HTTP response's start message (about 1 µs).

    A plain ASGI wrapper rather than Litestar's ``ASGIMiddleware``: it runs for every
    request, so it skips that class's per-request checks (scope types, excluded paths, opt
    keys), and it relies on Litestar's header names being lower case, as ASGI asks.
    """

    def __init__(self, *, hsts: bool, data_images_under: tuple[str, ...] = ()) -> None:
        """``data_images_under``: path prefixes whose pages may show ``data:`` images."""
        every = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", REFERRER_POLICY.encode()),
        ]
        if hsts:
            every.append((b"strict-transport-security", HSTS.encode()))
        self._every = tuple(every)
        frames = (b"x-frame-options", b"DENY")
        self._pages = (*every, frames, (b"content-security-policy", _PAGE_POLICY))
        relaxed = content_security_policy(data_images=True).encode()
        self._pages_with_data_images = (*every, frames, (b"content-security-policy", relaxed))
        self._data_images_under = data_images_under

    def __call__(self, app: ASGIApp) -> ASGIApp:
        """``app`` with the headers added to its HTTP responses."""
        add_headers = self.add_headers

        async def with_headers(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:  # websockets: nothing to add
                await app(scope, receive, send)
                return

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    add_headers(message, scope["path"])
                await send(message)

            await app(scope, receive, send_with_headers)

        return with_headers

    def add_headers(self, message: HTTPResponseStartEvent, path: str) -> None:
        """Add the headers to a response's start ``message``; one a route set itself is kept."""
        headers = message.get("headers") or []
        if not isinstance(headers, list):
            headers = list(headers)
        message["headers"] = headers
        page = False
        present: set[bytes] = set()
        for name, value in headers:
            if name == b"content-type":
                page = value.startswith(b"text/html")
            elif name in _NAMES:
                present.add(name)
        if not page:
            ours = self._every
        elif self._data_images_under and path.startswith(self._data_images_under):
            ours = self._pages_with_data_images
        else:
            ours = self._pages
        if present:
            headers.extend(header for header in ours if header[0] not in present)
        else:
            headers.extend(ours)
