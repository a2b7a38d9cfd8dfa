"""Masking of sensitive personal information (PIPL: ID numbers and phone numbers).

Display masks follow common practice in Chinese government systems: a phone keeps
3 + 4 digits (``138****5678``), an ID number keeps its region prefix and the last
four characters and always hides the birth date (``4301**********123X``).
"""

from __future__ import annotations

import re
from collections.abc import Collection

# 18-character resident ID (GB 11643) or the old 15-digit form; phones are mainland mobiles.
# Look-arounds keep longer digit runs (order numbers, timestamps) from matching partially.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3})([0-9Xx])(?![0-9A-Za-z])")
_OLD_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{6})(\d{3})(?![0-9A-Za-z])")
# Letters around a digit run mean an identifier (a hex request id), not a phone number.
_PHONE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?(1[3-9]\d)(\d{4})(\d{4})(?![0-9A-Za-z])")


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``; anything shorter than 7 characters is hidden whole."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(id_number: str) -> str:
    """``43010219900101123X`` -> ``4301**********123X`` (the birth date is always hidden)."""
    value = id_number.strip()
    if len(value) < 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def redact(text: str, keep: Collection[str] = ()) -> str:
    """Mask every ID number and phone number found anywhere in free text, except those in
    ``keep`` (a person's own numbers, in an export they re-authenticated for)."""
    kept = {number.upper() for number in keep}

    def id_number(match: re.Match[str]) -> str:
        found = match.group(0)
        return found if found.upper() in kept else mask_id_number(found)

    def phone(match: re.Match[str]) -> str:
        digits = match.group(1) + match.group(2) + match.group(3)
        return match.group(0) if digits in kept else mask_phone(digits)

    text = _ID_NUMBER.sub(id_number, text)
    text = _OLD_ID_NUMBER.sub(id_number, text)
    return _PHONE.sub(phone, text)
