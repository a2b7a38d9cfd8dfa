"""Request signatures of the data exchange (数据共享交换平台): HMAC-SHA256 over the request.

The string to sign is five lines joined by ``\\n``::

    METHOD            upper case, e.g. POST
    PATH              the URL's path as sent, without the query (e.g. /exchange/v1/query)
    TIMESTAMP         unix seconds, decimal
    NONCE             a random string, never used twice
    hex(sha256(body)) lower-case hex digest of the exact body bytes

and the signature is ``base64(HMAC-SHA256(secret, string to sign))`` (standard alphabet,
padded). The secret is used as its UTF-8 bytes. The exchange refuses a timestamp more than
``MAX_SKEW_SECONDS`` from its clock and a nonce it has seen within that window, so a captured
request cannot be replayed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

APP_HEADER = "X-Exchange-App"
TIMESTAMP_HEADER = "X-Exchange-Timestamp"
NONCE_HEADER = "X-Exchange-Nonce"
SIGNATURE_HEADER = "X-Exchange-Signature"
MAX_SKEW_SECONDS = 300


def string_to_sign(method: str, path: str, timestamp: int, nonce: str, body: bytes) -> bytes:
    """The exact bytes that are signed (see the module docstring)."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{digest}".encode()


def sign(secret: str, method: str, path: str, timestamp: int, nonce: str, body: bytes) -> str:
    """``base64(HMAC-SHA256(secret, string_to_sign(...)))``."""
    mac = hmac.digest(
        secret.encode(), string_to_sign(method, path, timestamp, nonce, body), "sha256"
    )
    return base64.b64encode(mac).decode()


def signed_headers(
    *, app_id: str, secret: str, method: str, path: str, body: bytes, now: float
) -> dict[str, str]:
    """The four signature headers of one request, with a fresh nonce."""
    timestamp = int(now)
    nonce = secrets.token_hex(16)
    return {
        APP_HEADER: app_id,
        TIMESTAMP_HEADER: str(timestamp),
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: sign(secret, method, path, timestamp, nonce, body),
    }
