"""Domain errors. Services raise these; each channel maps them to a response once.

Messages are gettext message ids (English source text), translated at the edge. Each error
also has a ``code``: a stable, machine-readable name for what went wrong, which clients may
branch on (the message is for people and may be reworded or translated). A class gives its
default; a service may name a more precise one (``RuleViolation(..., code="draft_step_missing")``).
Codes are snake_case, never renamed once published, and listed in ``docs/miniprogram.md``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from app.i18n import N_


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    default_message = N_("Something went wrong.")
    default_code: ClassVar[str] = "bad_request"

    def __init__(
        self, message: str | None = None, *, code: str | None = None, **details: Any
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.details = details
        super().__init__(self.message)


class NotFound(DomainError):
    """The object does not exist, or the caller has no right to know it does."""

    default_message = N_("Not found.")
    default_code: ClassVar[str] = "not_found"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    default_message = N_("You are not allowed to do this.")
    default_code: ClassVar[str] = "forbidden"


class Unauthenticated(DomainError):
    """The caller must sign in first."""

    default_message = N_("Please sign in first.")
    default_code: ClassVar[str] = "unauthenticated"


class Conflict(DomainError):
    """The request clashes with the current state (for example, it was already done)."""

    default_message = N_("This conflicts with the current state.")
    default_code: ClassVar[str] = "conflict"


class RuleViolation(DomainError):
    """Input is well-formed but breaks a business rule. ``fields`` maps field -> message."""

    default_message = N_("Please correct the highlighted fields.")
    default_code: ClassVar[str] = "rule_violation"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, str] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message, code=code, **details)
        self.fields = fields or {}


class BadRequest(DomainError):
    """The request lacks something every request of its kind must carry (e.g. a key)."""

    default_message = N_("The request is not valid.")
    default_code: ClassVar[str] = "bad_request"


class Unavailable(DomainError):
    """A dependency (database, Redis, a department system) cannot be reached now."""

    default_message = N_("The service is temporarily unavailable. Please try again shortly.")
    default_code: ClassVar[str] = "unavailable"


class RateLimited(DomainError):
    """Too many attempts in a short time; ``retry_after`` says how many seconds to wait."""

    default_message = N_("Too many requests. Please wait a moment and try again.")
    default_code: ClassVar[str] = "rate_limited"

    def __init__(
        self, message: str | None = None, *, code: str | None = None, retry_after: int = 60
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
