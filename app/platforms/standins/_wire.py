"""What a stand-in reads and answers, and the sealed, self-contained codes it issues."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from typing import Any, NamedTuple

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12


class StandInRequest(NamedTuple):
    """One HTTP request, whichever server received it; ``path`` is below the base URL."""

    method: str
    path: str
    query: Mapping[str, str]
    content_type: str
    body: bytes


class Reply(NamedTuple):
    """What the stand-in answers."""

    status: int
    content_type: str
    body: bytes


class CodeSeal:
    """Seals what a code stands for into the code itself (AES-256-GCM, base64url).

    A code names its user and the moment it was issued, so any process holding the key
    can redeem it without a shared table; tampered or foreign codes do not open.
    """

    def __init__(self, key: bytes, purpose: str) -> None:
        self._cipher = AESGCM(hashlib.sha256(purpose.encode() + b"\0" + key).digest())
        self._purpose = purpose.encode()

    def seal(self, claims: Mapping[str, Any]) -> str:
        """A new code carrying ``claims`` (JSON values)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._cipher.encrypt(nonce, msgspec.json.encode(claims), self._purpose)
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, code: str) -> dict[str, Any] | None:
        """The claims of ``code``, or None when it is not one of ours."""
        try:
            raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
            plain = self._cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], self._purpose)
            claims = msgspec.json.decode(plain)
        except (binascii.Error, ValueError, InvalidTag, msgspec.DecodeError):
            return None
        return claims if isinstance(claims, dict) else None


def code_id(code: str) -> str:
    """A short, fixed-length name for a code's "used" mark."""
    return hashlib.sha256(code.encode()).hexdigest()[:32]


def json_reply(answer: Mapping[str, Any], content_type: str = "application/json") -> Reply:
    """HTTP 200 with ``answer`` as JSON, Chinese as UTF-8 text."""
    return Reply(200, content_type, msgspec.json.encode(answer))
