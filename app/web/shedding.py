"""Load shedding: a bounded number of requests in flight per process; the rest get 503 at once.

Under overload a server that queues every request answers all of them late, then times out
or runs out of memory, and a client sees a hang or a 500. Refusing what is over the bound
straight away (503 with ``Retry-After``, before routing, sessions or the database) keeps
the requests already in flight fast and tells clients to come back. The bound is per
process (``ONETHING_MAX_IN_FLIGHT_REQUESTS``; 0 turns shedding off): each process protects
its own event loop, so nothing is shared between processes.

Health checks are never shed (a load balancer must still see the process alive), nor are
static files (cheap, and a page without its styles is worse than a slow one), nor the live
progress streams (long-lived by design: they would hold a slot for minutes).
"""

from __future__ import annotations

import re
from html import escape

import msgspec
import structlog
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from app.i18n import gettext as _
from app.web.problems import JSON_PREFIXES, PROBLEM_JSON

RETRY_AFTER_SECONDS = 2
EXEMPT = re.compile(r"^/(healthz|readyz|static/)|/live$")
log = structlog.get_logger(__name__)


class LoadSheddingMiddleware(ASGIMiddleware):
    """Answer 503 problem details at once when ``limit`` requests are already in flight."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0
        self.shed = 0  # refused since start, for the log and tests

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if self.limit <= 0 or EXEMPT.search(scope["path"]):
            await next_app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            self.shed += 1
            if self.shed % 100 == 1:  # one line per hundred, not a flood of logs in a flood
                log.warning("shedding load", in_flight=self.in_flight, shed=self.shed)
            await _refuse(scope, send)
            return
        self.in_flight += 1
        try:
            await next_app(scope, receive, send)
        finally:
            self.in_flight -= 1


def _wants_json(scope: Scope) -> bool:
    # As app.web.problems.wants_json, from the raw scope: shedding comes before any Request exists.
    if scope["path"].startswith(JSON_PREFIXES):
        return True
    accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
    return "application/json" in accept and "text/html" not in accept


async def _refuse(scope: Scope, send: Send) -> None:
    title = _("The service is busy right now. Please try again in a moment.")
    request_id = scope.get("state", {}).get("request_id", "")
    if _wants_json(scope):
        body = msgspec.json.encode(
            {"type": "about:blank", "title": title, "status": 503, "detail": title,
             "instance": scope["path"], "requestId": request_id}
        )  # fmt: skip
        media_type = PROBLEM_JSON
    else:
        page = (
            '<!doctype html><meta charset="utf-8"><title>503</title>'
            f'<p role="alert">{escape(title)}</p>'
        )
        body, media_type = page.encode(), "text/html; charset=utf-8"
    headers = [
        (b"content-type", media_type.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
