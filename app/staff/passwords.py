"""Staff passwords: Argon2id hashes (argon2-cffi), with the older scrypt ones still accepted.

New hashes are Argon2id in the PHC string format (``$argon2id$v=19$m=…,t=…,p=…$<salt>$<key>``),
which carries its own parameters: ``needs_rehash`` says when a stored hash was made with other
parameters, or is one of the legacy scrypt hashes (``scrypt$n=32768,r=8,p=1$<salt>$<key>``,
base64url without padding). Those still verify, and the staff sign-in replaces them with an
Argon2id hash once the account signs in. Hashing costs ~46 MiB and tens of milliseconds of CPU,
so the async helpers run it in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac

from argon2 import Parameters, PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

from app.errors import RuleViolation
from app.i18n import N_

MIN_LENGTH = 12
MAX_LENGTH = 256  # long enough for any passphrase, short enough to bound the work

# OWASP's first Argon2id setting (46 MiB, one pass, one lane): about the memory and time the
# scrypt hashes cost, and one lane per request, as sign-ins run side by side on few cores.
HASHER = PasswordHasher(time_cost=1, memory_cost=47104, parallelism=1)

# Verified against for unknown usernames, so an answer takes as long whether or not the
# account exists. Its key is random bytes: no password matches it.
DUMMY_HASH = (
    "$argon2id$v=19$m=47104,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
    "nVSDVBDZwX/wFyh8d49fSvoZ6l/bKL9CPTQVctHzbDo"
)

_ARGON2 = "$argon2"
_SCRYPT = "scrypt"
_SCRYPT_KEY_BYTES = 32


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


def hash_password(password: str) -> str:
    """A new salted Argon2id hash of ``password``, with its parameters."""
    return HASHER.hash(password)


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches (in constant time); False for a malformed hash.

    Takes today's Argon2id hashes and the legacy scrypt ones.
    """
    if len(password) > MAX_LENGTH:
        return False
    if encoded.startswith(_ARGON2):
        try:
            if not _sane(extract_parameters(encoded)):
                return False
            return HASHER.verify(encoded, password)
        except (VerificationError, InvalidHashError):
            return False
    return _verify_scrypt(password, encoded)


def needs_rehash(encoded: str) -> bool:
    """True when the hash is not Argon2id with today's parameters (so: legacy or malformed)."""
    if not encoded.startswith(_ARGON2):
        return True
    try:
        return HASHER.check_needs_rehash(encoded)
    except (InvalidHashError, ValueError):
        return True


async def hash_password_async(password: str) -> str:
    """``hash_password`` in a worker thread."""
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password: str, encoded: str) -> bool:
    """``verify_password`` in a worker thread."""
    return await asyncio.to_thread(verify_password, password, encoded)


def _sane(params: Parameters) -> bool:
    # Refuse absurd parameters from a tampered row rather than exhaust memory or time on them.
    return params.memory_cost <= 2**20 and params.time_cost <= 16 and params.parallelism <= 16


def _verify_scrypt(password: str, encoded: str) -> bool:
    """A legacy scrypt hash: only ever verified, never made any more."""
    parsed = _parse(encoded)
    if parsed is None:
        return False
    (n, r, p), salt, expected = parsed
    # scrypt needs 128·n·r bytes; OpenSSL's default ceiling (32 MiB) is just too low for n=2**15.
    key = hashlib.scrypt(
        password.encode(),
        salt=salt,
        n=n,
        r=r,
        p=p,
        dklen=_SCRYPT_KEY_BYTES,
        maxmem=256 * n * r + 2**20,
    )
    return hmac.compare_digest(key, expected)


def _parse(encoded: str) -> tuple[tuple[int, int, int], bytes, bytes] | None:
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] != _SCRYPT:
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


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
