"""What a passkey ceremony needs besides the database: the relying party, pending challenges.

A ceremony (registering a passkey, or signing in with one) takes two requests: the server
hands out options with a fresh challenge, the browser asks the authenticator, then posts
the result. Between the two the challenge waits in Redis for five minutes at most, under
a random ceremony id, and is taken out when the result arrives: each challenge is used
once, whatever the outcome.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import msgspec
from redis.asyncio import Redis
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

CEREMONY_SECONDS = 300
_PREFIX = "onething:passkey-ceremony:"


class RelyingParty(msgspec.Struct, kw_only=True, frozen=True):
    """The site passkeys belong to: ``id`` is its host (no port), ``origin`` what browsers send."""

    id: str
    origin: str

    @classmethod
    def from_origin(cls, origin: str) -> RelyingParty:
        """``https://onething.gov.cn:8443`` -> id ``onething.gov.cn`` (no port in the id)."""
        parts = urlsplit(origin.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) origin: {origin!r}")
        return cls(id=parts.hostname, origin=f"{parts.scheme}://{parts.netloc}")


class Purpose(StrEnum):
    """What a pending challenge may be used for."""

    REGISTER = "register"
    SIGN_IN = "sign-in"


class PendingCeremony(msgspec.Struct, kw_only=True):
    """A challenge waiting for its answer. Registration binds it to the person who asked."""

    purpose: Purpose
    challenge: bytes
    person_id: UUID | None = None
    user_handle: bytes = b""


class CeremonyOptions(msgspec.Struct, kw_only=True, rename="camel"):
    """What the browser gets: the ceremony id to post back, and the WebAuthn options (JSON)."""

    ceremony: str
    public_key: dict[str, Any]


class PasskeyRegistration(msgspec.Struct, kw_only=True):
    """The browser's answer to ``navigator.credentials.create()``, with the chosen name."""

    ceremony: str
    name: str = ""
    credential: dict[str, Any]


class PasskeyAssertion(msgspec.Struct, kw_only=True):
    """The browser's answer to ``navigator.credentials.get()``; ``next`` is where to go then."""

    ceremony: str
    credential: dict[str, Any]
    next: str = "/me"


class CeremonyStore:
    """Keeps pending challenges in Redis; each can be taken out once."""

    def __init__(self, redis: Redis, *, ttl_seconds: int = CEREMONY_SECONDS) -> None:
        self._redis = redis
        self.ttl_seconds = ttl_seconds

    async def begin(self, pending: PendingCeremony) -> str:
        """Store ``pending`` and return the ceremony id the browser will post back."""
        ceremony = secrets.token_urlsafe(24)
        await self._redis.set(
            _PREFIX + ceremony, msgspec.msgpack.encode(pending), ex=self.ttl_seconds
        )
        return ceremony

    async def take(self, ceremony: str, purpose: Purpose) -> PendingCeremony | None:
        """The pending ceremony, removed at once; None when unknown, expired, used or misused."""
        if not ceremony or len(ceremony) > 64:
            return None
        # GETDEL: two requests racing with the same ceremony id cannot both get the challenge.
        raw = await self._redis.getdel(_PREFIX + ceremony)
        if raw is None:
            return None
        pending = msgspec.msgpack.decode(raw, type=PendingCeremony)
        return pending if pending.purpose is purpose else None


def credential_id_of(credential: dict[str, Any]) -> str:
    """The credential id in its canonical base64url form ("" when it is not valid)."""
    raw = credential.get("id")
    if not isinstance(raw, str) or not raw or len(raw) > 1400:
        return ""
    try:
        return bytes_to_base64url(base64url_to_bytes(raw))
    except ValueError:
        return ""


def user_handle_of(credential: dict[str, Any]) -> str:
    """The user handle an assertion carries, canonical base64url ("" when absent or invalid)."""
    response = credential.get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    if not isinstance(handle, str) or not handle:
        return ""
    try:
        return bytes_to_base64url(base64url_to_bytes(handle))
    except ValueError:
        return ""


def transports_of(credential: dict[str, Any]) -> list[str]:
    """The known transports a new credential lists (hints for later sign-ins)."""
    response = credential.get("response")
    listed = response.get("transports") if isinstance(response, dict) else None
    if not isinstance(listed, list):
        return []
    known = {"ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"}
    return [t for t in listed if isinstance(t, str) and t in known][:7]
