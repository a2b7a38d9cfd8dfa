"""A wrapper that keeps a secret out of reprs, logs and serialized payloads."""

from __future__ import annotations

import hmac
from typing import Final

_MASK: Final = "**********"


class Secret:
    """A secret string (session key, access token) that shows itself only when asked.

    ``repr`` and ``str`` print a mask, and msgspec refuses to encode it, so a struct that
    holds one cannot be logged or returned to a client by accident. ``reveal()`` is the one
    way to the value, which makes every use easy to find in review.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself: only for the request that needs it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{_MASK}')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        # Constant time, although equality is only used by tests and caches.
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)
