"""Mainland mobile numbers: validation (normalisation lives in ``app.numbers``)."""

from __future__ import annotations

import re

from app.errors import RuleViolation
from app.i18n import N_
from app.numbers import normalize_phone

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def validate_phone(raw: str, *, field: str = "phone") -> str:
    """The normalised number, or ``RuleViolation`` naming ``field``."""
    value = normalize_phone(raw)
    if not _MOBILE.match(value):
        raise RuleViolation(
            fields={field: N_("Enter an 11-digit mainland mobile number, such as 138 0013 8000.")}
        )
    return value
