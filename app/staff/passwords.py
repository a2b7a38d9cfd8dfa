"""Staff passwords: scrypt hashes that carry their own parameters.

An encoded hash reads ``scrypt$n=32768,r=8,p=1$<salt>$<key>`` (base64url, no padding), so
the cost can be raised later: old hashes still verify with their own parameters and
``needs_rehash`` says when to store a new one. Hashing costs ~32 MiB and tens of
milliseconds of CPU, so the async helpers run it in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import os

from app.errors import RuleViolation
from app.i18n import N_

MIN_LENGTH = 12
MAX_LENGTH = 256  # long enough for any passphrase, short enough to bound the work
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_KEY_BYTES = 32
_SCHEME = "scrypt"

# Verified against for unknown usernames, so an answer takes as long whether or not the
# account exists. Its key is random bytes: no password matches it.
DUMMY_HASH = (
    "scrypt$n=32768,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$lWq4n7Ck2v7n2rXv7z9m1Qm0cQ1dJm3qXv0t5b8Jd2E"
)


def validate_new_password(password: str) -> None:
    """``RuleViolation`` on the ``password`` field when the password is too short or long."""
    if len(password) < MIN_LENGTH:
        raise RuleViolation(
            fields={
                "password": N_("Use at least 12 characters; a phrase of several words is best.")
            }
        )
    if len(password) > MAX_LENGTH:
        raise RuleViolation(fields={"password": N_("Use at most 256 characters.")})


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """A new salted hash of ``password``, with its parameters."""
    salt = os.urandom(_SALT_BYTES)
    key = _scrypt(password, salt, n=n, r=r, p=p)
    return f"{_SCHEME}$n={n},r={r},p={p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches (compared in constant time); False for a malformed hash."""
    parsed = _parse(encoded)
    if parsed is None or len(password) > MAX_LENGTH:
        return False
    (n, r, p), salt, expected = parsed
    return hmac.compare_digest(_scrypt(password, salt, n=n, r=r, p=p), expected)


def needs_rehash(encoded: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    parsed = _parse(encoded)
    return parsed is None or parsed[0] != (SCRYPT_N, SCRYPT_R, SCRYPT_P)


async def hash_password_async(password: str) -> str:
    """``hash_password`` in a worker thread."""
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password: str, encoded: str) -> bool:
    """``verify_password`` in a worker thread."""
    return await asyncio.to_thread(verify_password, password, encoded)


def _scrypt(password: str, salt: bytes, *, n: int, r: int, p: int) -> bytes:
    # scrypt needs 128·n·r bytes; OpenSSL's default ceiling (32 MiB) is just too low for n=2**15.
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, dklen=_KEY_BYTES, maxmem=256 * n * r + 2**20
    )


def _parse(encoded: str) -> tuple[tuple[int, int, int], bytes, bytes] | None:
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] != _SCHEME:
        return None
    try:
        params = dict(item.split("=", 1) for item in parts[1].split(","))
        n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
        salt, key = _unb64(parts[2]), _unb64(parts[3])
    except (KeyError, ValueError, binascii.Error):
        return None
    # Refuse absurd parameters from a tampered row rather than exhaust memory on them.
    if not (2 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
        return None
    return (n, r, p), salt, key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
