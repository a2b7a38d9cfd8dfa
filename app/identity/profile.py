"""What the person sees of their own account: masked numbers, the real-name level."""

from __future__ import annotations

import msgspec

from app.identity.models import PERSON_ID_NUMBER, PERSON_PHONE, Person, RealNameLevel
from app.privacy import mask_id_number, mask_phone
from app.protection import DataProtector


class AccountSummary(msgspec.Struct, kw_only=True):
    """Shown on 我的 (Me); numbers are masked (full values only after re-authentication)."""

    real_name: str | None
    masked_phone: str
    masked_id_number: str | None
    real_name_level: RealNameLevel


def summarize(person: Person, protector: DataProtector) -> AccountSummary:
    """Decrypt, then mask at once: the clear values never leave this function."""
    id_number = (
        mask_id_number(protector.reveal(person.id_number_ciphertext, PERSON_ID_NUMBER))
        if person.id_number_ciphertext
        else None
    )
    return AccountSummary(
        real_name=person.real_name,
        masked_phone=mask_phone(protector.reveal(person.phone_ciphertext, PERSON_PHONE)),
        masked_id_number=id_number,
        real_name_level=person.real_name_level,
    )
