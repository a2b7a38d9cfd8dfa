"""Masking of sensitive personal information (PIPL: ID numbers and phone numbers).

Display masks follow common practice in Chinese government systems: a phone keeps
3 + 4 digits (``138****5678``), an ID number keeps its region prefix and the last
four characters and always hides the birth date (``4301**********123X``).
"""

from __future__ import annotations

import re

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


def redact(text: str) -> str:
    """Mask every ID number and phone number found anywhere in free text."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _OLD_ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(1) + m.group(2) + m.group(3)), text)
