"""A license's fields: their labels, their short codes on QR cards, and the sensitive ones.

Field keys are short identifiers (``name``, ``address`` …). Two keys hold sensitive personal
information and are never stored or shown in clear: ``id_number`` and ``phone``. Their stored
form is ``{"masked": "3101**********0418", "ciphertext": "v1.…"}``; cards may disclose only
the masked form. Any other value that looks like an ID or phone number is refused, so one
cannot slip into a license (and from there into a QR) under another name.

On a card, known keys travel as small integers (one CBOR byte instead of a word) to keep the
QR small; the table is part of the card format, so a code is never reused or renumbered.
"""

from __future__ import annotations

import re
from typing import Any

from app import errors
from app.i18n import N_
from app.numbers import validate_id_number
from app.phones import validate_phone
from app.privacy import mask_id_number, mask_phone, redact
from app.protection import DataProtector, SensitiveColumn, SensitiveKind

NUMBER_FIELD = "number"  # the license's own number, disclosable like a field

# key -> (code on cards, label). Append only: codes are part of the card format.
FIELD_TABLE: dict[str, tuple[int, str]] = {
    NUMBER_FIELD: (0, N_("License number")),
    "name": (1, N_("Name")),
    "sex": (2, N_("Sex")),
    "ethnicity": (3, N_("Ethnicity")),
    "birth_date": (4, N_("Date of birth")),
    "address": (5, N_("Address")),
    "id_number": (6, N_("ID number")),
    "phone": (7, N_("Phone")),
    "household_head": (8, N_("Head of household")),
    "relation": (9, N_("Relation to the head of household")),
    "enterprise_name": (10, N_("Enterprise name")),
    "credit_code": (11, N_("Unified social credit code")),
    "legal_representative": (12, N_("Legal representative")),
    "enterprise_type": (13, N_("Type of enterprise")),
    "registered_capital": (14, N_("Registered capital")),
    "established_on": (15, N_("Established on")),
    "business_scope": (16, N_("Business scope")),
    "birth_place": (17, N_("Place of birth")),
    "mother_name": (18, N_("Mother's name")),
    "father_name": (19, N_("Father's name")),
    "disability_category": (20, N_("Category of disability")),
    "disability_grade": (21, N_("Grade of disability")),
    "property_location": (22, N_("Location of the property")),
    "property_area": (23, N_("Floor area")),
    "property_use": (24, N_("Use")),
    "card_number": (25, N_("Card number")),
    "bank": (26, N_("Bank")),
}
CODE_OF = {key: code for key, (code, _) in FIELD_TABLE.items()}
KEY_OF_CODE = {code: key for key, code in CODE_OF.items()}

SENSITIVE: dict[str, SensitiveKind] = {
    "id_number": SensitiveKind.ID_NUMBER,
    "phone": SensitiveKind.PHONE,
}
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_FIELDS = 30
MAX_VALUE_LENGTH = 500

FIELD_KEY_INVALID = N_("Field names are lower-case letters, digits and underscores.")
FIELD_VALUE_INVALID = N_("Each field is text of at most 500 characters.")
NUMBER_IN_CLEAR = N_(
    "This field looks like an ID or phone number: put it under id_number or phone, "
    "where it is stored encrypted."
)
TOO_MANY_FIELDS = N_("A license has at most 30 fields.")


def column_for(key: str) -> SensitiveColumn:
    """The protected column a sensitive field is encrypted as (its name is authenticated)."""
    return SensitiveColumn(f"wallet_license.fields.{key}", SENSITIVE[key])


def label_of(key: str) -> str:
    """The message id of a field's label (the key itself for fields outside the table)."""
    entry = FIELD_TABLE.get(key)
    return entry[1] if entry else key


def protect_fields(raw: dict[str, str], protector: DataProtector) -> dict[str, Any]:
    """Check ``raw`` and return what is stored: sensitive values masked and encrypted.

    ``RuleViolation`` (naming the field) for a bad key or value, or for an ID or phone
    number outside its field.
    """
    if len(raw) > MAX_FIELDS:
        raise errors.RuleViolation(TOO_MANY_FIELDS)
    stored: dict[str, Any] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not _KEY.match(key) or key == NUMBER_FIELD:
            raise errors.RuleViolation(fields={str(key): FIELD_KEY_INVALID})
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_VALUE_LENGTH:
            raise errors.RuleViolation(fields={key: FIELD_VALUE_INVALID})
        if key in SENSITIVE:
            stored[key] = _protect(key, value, protector)
        elif redact(value) != value:
            raise errors.RuleViolation(fields={key: NUMBER_IN_CLEAR})
        else:
            stored[key] = value.strip()
    return stored


def _protect(key: str, value: str, protector: DataProtector) -> dict[str, str]:
    if SENSITIVE[key] is SensitiveKind.ID_NUMBER:
        clear = validate_id_number(value, field=key)
        masked = mask_id_number(clear)
    else:
        clear = validate_phone(value, field=key)
        masked = mask_phone(clear)
    protected = protector.protect(clear, column_for(key))
    return {"masked": masked, "ciphertext": protected.ciphertext, "index": protected.index}


def shown_value(stored: Any) -> str:
    """What a stored field shows on screen and on cards: sensitive ones masked, always."""
    if isinstance(stored, dict):
        return str(stored.get("masked", ""))
    return str(stored)


def signed_value(stored: Any) -> Any:
    """What the license's signature covers: the clear value, or for a sensitive one its mask
    and blind index (so the platform can match a number against it without keeping it in
    clear in the signed document)."""
    if isinstance(stored, dict):
        return {"masked": stored.get("masked", ""), "index": stored.get("index", "")}
    return stored
