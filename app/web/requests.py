"""Request ids, one access-log line per request (path only: query strings may hold data),
and the declared body size limit."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import ClientException, HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE
from litestar.types import ASGIApp, Message, Receive, Scope, Send

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = structlog.get_logger("app.request")


class RequestIdMiddleware(ASGIMiddleware):
    """Give every request an id (a sane incoming ``X-Request-ID`` is kept) and log its outcome."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)["X-Request-ID"] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await next_app(scope, receive, send_with_id)
            finally:
                log.info(
                    "request",
                    method=scope.get("method"),
                    path=scope.get("path"),
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )


class DeclaredBodyLimitMiddleware(ASGIMiddleware):
    """Refuse a body whose declared ``Content-Length`` is over the limit, before reading it.

    Litestar enforces ``request_max_body_size`` only when a handler reads the body; this
    answers 413 at once for every route, whether or not it reads one. Bodies without a
    length (chunked) are still cut off by Litestar's own limit as they are read.
    """

    scopes = (ScopeType.HTTP,)

    def __init__(self, limit: int) -> None:
        self.limit = limit

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            raise HTTPException(status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        await next_app(scope, receive, send)


class BoundedRequest(Request[Any, Any, Any]):
    """A request whose JSON body nested past the decoder's recursion limit is a 400.

    msgspec raises ``RecursionError`` (not a ``DecodeError``) for a body like ``[[[[…]]]]``
    a hundred thousand levels deep; Litestar passes it on and it would answer 500.
    """

    async def json(self) -> Any:
        """The decoded body; a body nested too deeply is the caller's error."""
        try:
            return await super().json()
        except RecursionError as exc:
            raise ClientException(detail="JSON nested too deeply") from exc


def client_ip(request: Request[Any, Any, Any]) -> str:
    """The caller's address, for rate limits and the security log.

    The socket's peer: behind a reverse proxy this is the proxy until trusted forwarded
    headers are configured (uvicorn's --forwarded-allow-ips), which production must do.
    """
    return request.client.host if request.client else "unknown"


async def read_multipart_first(request: Request[Any, Any, Any]) -> None:
    """A ``before_request`` hook for multipart operations: a text part that is not UTF-8 is
    the client's mistake (400), not a server error.

    Litestar decodes every part without a filename as text while it reads the body for the
    handler, and lets ``UnicodeDecodeError`` escape; read here, the form is kept for the
    handler and the error becomes a client error.
    """
    try:
        await request.form()
    except UnicodeDecodeError:
        raise ClientException("A form field is not UTF-8 text.") from None
