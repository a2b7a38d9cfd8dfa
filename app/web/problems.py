"""Error responses, mapped once per channel.

JSON channels (the mini-program API, health checks, anything that asks for JSON) get
RFC 9457 problem details; pages get a localized error page. Clients never see a stack
trace; the log gets it, with personal data masked.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

import msgspec
import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE, HTTP_500_INTERNAL_SERVER_ERROR

from app import errors
from app.faults import backend_fault
from app.i18n import gettext as _
from app.web.access import access_of, sign_in_path_for

log = structlog.get_logger(__name__)

JSON_PREFIXES = (
    "/mp/", "/healthz", "/readyz", "/schema", "/verify", "/.well-known/", "/hooks/",
)  # fmt: skip
PROBLEM_JSON = "application/problem+json"


class FieldProblem(msgspec.Struct, kw_only=True):
    """One field of the request that was refused, and why."""

    field: str
    message: str


class Problem(msgspec.Struct, kw_only=True, rename="camel"):
    """RFC 9457 problem details, as every JSON error of the app is written.

    ``title`` and ``detail`` are for people, in the request's language; ``code`` is for
    programs: a stable snake_case name of what went wrong (``not_found``,
    ``validation_failed``, ``draft_step_missing`` …, listed in docs/miniprogram.md). For
    ``draft_step_missing``, ``step`` names the step of the draft to finish first; for a draft
    that was submitted already (``already_submitted``, or ``not_found`` when the draft itself
    is asked for), ``applicationId`` names the application it became.
    """

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str
    code: str
    step: str | None = None
    errors: list[FieldProblem] | None = None
    application_id: UUID | None = None


# What any operation of a JSON API may answer besides its success: a malformed request, no
# or an expired token, someone else's or a missing object, a conflict with the object's state,
# a rule of the service, a body too large, too many requests, a dependency down.
API_PROBLEMS = (400, 401, 403, 404, 409, 413, 422, 429, 503)


class NotUtf8(ValidationException):
    """A body, or a field of a form, whose text is not UTF-8: the client's mistake (400,
    ``validation_failed``), said in the request's language on the page and in the problem."""

    def __init__(self) -> None:
        message = _("What you sent contains text that is not valid UTF-8.")
        super().__init__(detail=message, extra=[{"key": "body", "message": message}])


# What each status means, with the codes it carries (the document's response descriptions).
_MEANINGS = {
    400: "The request does not match this document: a parameter, header or body member is "
    "missing or malformed (`validation_failed`, `errors` names them), or it lacks what every "
    "request of its kind needs (`bad_request`, `idempotency_key_invalid`).",
    401: "No access token, or an expired or revoked one (`unauthenticated`): refresh, or sign "
    "in again.",
    403: "The caller may not do this (`forbidden`).",
    404: "No such object, or not the caller's to see (`not_found`).",
    405: "The path does not take this method (`method_not_allowed`); `Allow` lists those it takes.",
    409: "It clashes with the object's current state (`conflict`, `already_submitted`, "
    "`idempotency_in_progress`).",
    413: "The body is larger than the service takes (`payload_too_large`).",
    415: "The body is not sent as `application/json` (`unsupported_media_type`).",
    422: "Well-formed, but a rule of the service refuses it and nothing was changed: "
    "`rule_violation` (`errors` names the fields and why), `draft_step_missing` (`step` names "
    "the step of the draft to finish first), `idempotency_key_reused`, `materials_missing`.",
    429: "Too many requests (`rate_limited`): wait `Retry-After` seconds.",
    503: "A system it depends on cannot be reached now (`unavailable`): retry after "
    "`Retry-After` seconds.",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI response specs: each status answers ``application/problem+json``."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            description=f"Problem details (RFC 9457). {_MEANINGS.get(status, '')}".strip(),
            generate_examples=False,
        )
        for status in statuses
    }


_DOMAIN_STATUS: dict[type[errors.DomainError], int] = {
    errors.BadRequest: 400,
    errors.NotFound: 404,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.Conflict: 409,
    errors.RuleViolation: 422,
    errors.Unavailable: 503,
    errors.RateLimited: 429,
}


# The code of an error that carries none of its own (a domain error has one, app/errors.py).
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "rule_violation",
    429: "rate_limited",
    503: "unavailable",
}
VALIDATION_FAILED = "validation_failed"
INTERNAL_ERROR = "internal_error"


def problem_code(exc: Exception, status: int) -> str:
    """The stable, machine-readable name of an error (the ``code`` of its problem details)."""
    if isinstance(exc, errors.DomainError):
        return exc.code
    if isinstance(exc, ValidationException):
        return VALIDATION_FAILED
    if status >= 500:
        return _STATUS_CODES.get(status, INTERNAL_ERROR)
    return _STATUS_CODES.get(status, "bad_request")


def _titles() -> dict[int, str]:
    # A function, so that each title is translated into the request's language.
    return {
        400: _("The request is not valid."),
        401: _("Please sign in first."),
        403: _("You are not allowed to do this."),
        404: _("We could not find that page or item."),
        405: _("This action is not available here."),
        409: _("This conflicts with the current state."),
        413: _("What you sent is too large."),
        415: _("What you sent is not in a format this service reads."),
        422: _("Please correct the highlighted fields."),
        429: _("Too many requests. Please wait a moment and try again."),
        503: _("The service is temporarily unavailable. Please try again shortly."),
        500: _("Something went wrong on our side. Please try again later."),
    }


def wants_json(request: Request[Any, Any, Any]) -> bool:
    """JSON for API paths, and for clients that prefer JSON over HTML."""
    if request.url.path.startswith(JSON_PREFIXES):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _status_and_fields(exc: Exception) -> tuple[int, list[dict[str, str]]]:
    if isinstance(exc, errors.DomainError):
        status = next((code for kind, code in _DOMAIN_STATUS.items() if isinstance(exc, kind)), 400)
        fields = getattr(exc, "fields", {})
        return status, [{"field": k, "message": _(v)} for k, v in fields.items()]
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list) else []
        return 400, [
            {"field": str(item.get("key", "")), "message": str(item.get("message", ""))}
            for item in extra
            if isinstance(item, dict)
        ]
    if isinstance(exc, HTTPException):
        # Litestar 2.x answers an oversized multipart body with 400 "Request Entity Too Large".
        if exc.status_code == 400 and exc.detail == "Request Entity Too Large":
            return HTTP_413_REQUEST_ENTITY_TOO_LARGE, []
        return exc.status_code, []
    return HTTP_500_INTERNAL_SERVER_ERROR, []


def _extra_headers(exc: Exception, status: int) -> dict[str, str] | None:
    headers: dict[str, str] = {}
    if isinstance(exc, HTTPException) and exc.headers:
        # Litestar's own: above all ``Allow`` on a 405 (RFC 9110 requires it).
        headers.update(exc.headers)
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    elif status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="onething"'
    elif status in (429, 503):
        headers["Retry-After"] = "5"
    return headers or None


def _sign_in_path(request: Request[Any, Any, Any]) -> str:
    handler = request.scope.get("route_handler")
    return sign_in_path_for(access_of(handler) if handler is not None else None)


def _as_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Exception:
    """A database or Redis that is down or silent is a 503 (retry later), not a bug."""
    backend = backend_fault(exc)
    if backend is None:
        return exc
    log.warning("backend unavailable", backend=backend, error=type(exc).__name__,
                path=request.url.path)  # fmt: skip
    return errors.Unavailable()


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """For routes shared by pages and JSON clients, and for requests no route matched.

    The answer's format follows the path (``JSON_PREFIXES``) and the client's ``Accept``.
    """
    if wants_json(request):
        return handle_api_exception(request, exc)
    return handle_page_exception(request, exc)


def handle_api_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A JSON channel's errors: RFC 9457 problem details, always."""
    exc, status, title, detail, request_id, headers = _describe(request, exc)
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "requestId": request_id,
        "code": problem_code(exc, status),
    }
    step = exc.details.get("step") if isinstance(exc, errors.DomainError) else None
    if isinstance(step, str):
        body["step"] = step
    made = exc.details.get("application_id") if isinstance(exc, errors.DomainError) else None
    if isinstance(made, UUID):
        body["applicationId"] = str(made)
    _, fields = _status_and_fields(exc)
    if fields:
        body["errors"] = fields
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def handle_page_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A page channel's errors: the localized error page, or the sign-in for a signed-out caller.

    A client that asks for JSON alone (a script, a fetch) still gets problem details.
    """
    if wants_json(request):
        return handle_api_exception(request, exc)
    exc, status, title, detail, request_id, headers = _describe(request, exc)
    if isinstance(exc, errors.Unauthenticated):
        # A page that needs someone signed in sends them to the sign-in of the route's kind
        # (residents or staff), then back here — with its query: an OpenID authorization
        # request lives entirely in it.
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"{_sign_in_path(request)}?next={quote(here)}", status_code=303)
    return Template(
        template_name="errors/error.html",
        context={"status": status, "title": title, "detail": detail, "request_id": request_id},
        status_code=status,
        media_type=MediaType.HTML,
        headers=headers,
    )


def _describe(
    request: Request[Any, Any, Any], exc: Exception
) -> tuple[Exception, int, str, str, str, dict[str, str] | None]:
    """The error as both formats tell it: (error, status, title, detail, request id, headers)."""
    exc = _as_unavailable(request, exc)
    status, _fields = _status_and_fields(exc)
    if status >= 500 and not isinstance(exc, errors.Unavailable):
        log.exception("unhandled error", path=request.url.path)
    titles = _titles()
    title = titles.get(status, titles[500] if status >= 500 else titles[400])
    detail = _(exc.message) if isinstance(exc, errors.DomainError) else title
    if isinstance(exc, NotUtf8):
        detail = exc.detail  # already in the request's language
    request_id = structlog.contextvars.get_contextvars().get("request_id", "")
    return exc, status, title, detail, request_id, _extra_headers(exc, status)
