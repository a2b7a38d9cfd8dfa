"""Finding and creating persons by phone number: the one place a phone is encrypted for it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import PERSON_PHONE, Person, RealNameLevel
from app.protection import DataProtector, SensitiveKind


async def find_by_phone(db: AsyncSession, protector: DataProtector, phone: str) -> Person | None:
    """The person with this (validated) phone number, found by its blind index."""
    index = protector.blind_index(phone, SensitiveKind.PHONE)
    return await db.scalar(select(Person).where(Person.phone_index == index))


async def find_or_create_by_phone(db: AsyncSession, protector: DataProtector, phone: str) -> Person:
    """The person with this (validated, proven) phone number; created at level L1 if new."""
    person = await find_by_phone(db, protector, phone)
    if person is None:
        protected = protector.protect(phone, PERSON_PHONE)
        person = Person(
            phone_ciphertext=protected.ciphertext,
            phone_index=protected.index,
            real_name_level=RealNameLevel.PHONE,
        )
        db.add(person)
        await db.flush()
    return person
