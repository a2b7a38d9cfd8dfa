"""Time-based one-time codes (TOTP, RFC 6238) for staff: 6 digits, 30-second steps.

A code is accepted for the current step and one step either side (clock drift). The
sign-in service accepts only a step later than the last one it accepted, so a code that
was seen (shoulder-surfed, phished, logged by a proxy) cannot be used again.
"""

from __future__ import annotations

import hmac
import time

import pyotp

ISSUER = "OneThing"
STEP_SECONDS = 30
DRIFT_STEPS = 1


def new_secret() -> str:
    """A fresh base32 secret (160 bits, as RFC 4226 recommends)."""
    return str(pyotp.random_base32(length=32))


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (as text, or from a QR code)."""
    return str(pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER))


def current_step(now: float | None = None) -> int:
    """The TOTP time step of ``now`` (default: the current time)."""
    return int((time.time() if now is None else now) // STEP_SECONDS)


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The step ``code`` belongs to when it is valid now, else None.

    The caller refuses a step at or before the last one it accepted (a replay).
    """
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = current_step(now)
    found = None
    # Every candidate is computed and compared, so the time taken does not say which matched.
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(str(totp.generate_otp(candidate)), code) and found is None:
            found = candidate
    return found
