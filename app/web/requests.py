"""Request ids, one access-log line per request (path only: query strings may hold data),
the declared body size limit, and bodies read strictly: JSON only as JSON, text only as UTF-8."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

import structlog
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import FormMultiDict, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import ClientException, HTTPException
from litestar.handlers import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.params import BodyKwarg
from litestar.status_codes import (
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
)
from litestar.types import (
    ASGIApp,
    Empty,
    Message,
    Receive,
    Scope,
    Send,
)

from app.web.problems import NotUtf8

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


_FORMS = {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}


class BoundedRequest(Request[Any, Any, Any]):
    """A request whose body is read strictly: what cannot be read is the client's 4xx, never a 500.

    - JSON is read only when the body says it is JSON (``application/json`` or ``…+json``):
      anything else is a 415, so a ``text/plain`` body cannot pass for JSON (a cross-site form
      can send ``text/plain`` without a preflight).
    - Text that is not UTF-8 — in a JSON string, a URL-encoded field or a multipart text part —
      is a 400 (``NotUtf8``). msgspec and Litestar's multipart reader raise
      ``UnicodeDecodeError``, which would answer 500; Litestar's URL-encoded reader replaces
      such bytes with U+FFFD, which would be stored.
    - JSON nested past the decoder's recursion limit is a 400: msgspec raises
      ``RecursionError`` (not a ``DecodeError``) for ``[[[[…]]]]`` a hundred thousand deep.
    """

    async def json(self) -> Any:
        """The decoded body; a body that is not JSON, or not UTF-8, is the caller's error."""
        kind = self.content_type[0]
        if kind != "application/json" and not kind.endswith("+json"):
            raise HTTPException(status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE)
        try:
            return await super().json()
        except RecursionError as exc:
            raise ClientException(detail="JSON nested too deeply") from exc
        except UnicodeDecodeError:
            raise NotUtf8() from None

    async def form(self) -> FormMultiDict:
        """The form's fields; a field that is not UTF-8 text is the caller's error."""
        kind = self.content_type[0]
        if kind == RequestEncodingType.URL_ENCODED and self._connection_state.form is Empty:
            self._connection_state.form = _strict_url_encoded(await self.body())
        try:
            return await super().form()
        except (UnicodeDecodeError, LookupError):  # LookupError: a part names an unknown charset
            raise NotUtf8() from None


def _strict_url_encoded(body: bytes) -> dict[str, Any]:
    """Litestar's URL-encoded reader, but refusing bytes that are not UTF-8 instead of
    replacing them, and reading unescaped UTF-8 as UTF-8 (Litestar reads it as Latin-1)."""
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise NotUtf8() from None
    fields: dict[str, list[str]] = {}
    for key, value in pairs:
        fields.setdefault(key, []).append(value)
    return {key: values if len(values) > 1 else values[0] for key, values in fields.items()}


async def read_forms_strictly(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """A guard, after each channel's access guard: a route that takes a form reads it through
    ``BoundedRequest.form`` first.

    Litestar's form extractors parse the body themselves (bypassing the request class) unless
    the form was read already. Here, after the access guard, an unauthenticated caller is
    still a 401 whatever it sent; routes that read their body raw (signed receipts) declare
    no form and are left alone; the CSRF middleware and ``request.form()`` already read
    through the request class.
    """
    data = handler.parsed_fn_signature.parameters.get("data")
    kwarg = data.kwarg_definition if data is not None else None
    if (
        isinstance(kwarg, BodyKwarg)
        and kwarg.media_type in _FORMS
        and isinstance(connection, Request)
    ):
        await connection.form()


def client_ip(request: Request[Any, Any, Any]) -> str:
    """The caller's address, for rate limits and the security log.

    The socket's peer: behind a reverse proxy this is the proxy until trusted forwarded
    headers are configured (uvicorn's --forwarded-allow-ips), which production must do.
    """
    return request.client.host if request.client else "unknown"
