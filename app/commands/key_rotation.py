"""Re-encrypting persons' numbers after a key rotation: ``python -m app keys reencrypt``.

A rotation puts the new key first in ``ONETHING_DATA_KEYS`` and keeps the old one after it;
this command then rewrites every ciphertext made under another key than the active one.
The index key stays the same, so blind indexes do not change. It works in batches, one
transaction each, and is idempotent: a second run changes nothing. Once it reports no
unreadable values, the old key can be removed from the setting.
"""

from __future__ import annotations

from uuid import UUID

import msgspec
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import service as audit
from app.audit.models import AuditKind
from app.composition.build import create_engine, protector_for
from app.config import Settings
from app.identity.models import PERSON_ID_NUMBER, PERSON_PHONE, Person
from app.protection import DataProtector, ProtectionError, SensitiveColumn

log = structlog.get_logger(__name__)

BATCH_SIZE = 500
_COLUMNS: tuple[tuple[str, SensitiveColumn], ...] = (
    ("phone_ciphertext", PERSON_PHONE),
    ("id_number_ciphertext", PERSON_ID_NUMBER),
)


class RotationReport(msgspec.Struct, kw_only=True, frozen=True):
    """How many values were re-encrypted, and how many could not be read (no personal data)."""

    active_key_id: str
    changed: int
    unreadable: int


async def reencrypt_person_numbers(
    settings: Settings, *, batch_size: int = BATCH_SIZE
) -> RotationReport:
    """Re-encrypt every person's numbers made under a non-active key, ``batch_size`` at a time."""
    protector = protector_for(settings)
    engine = create_engine(settings)
    changed = unreadable = 0
    last_id: UUID | None = None
    try:
        sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        while True:
            async with sessionmaker() as db, db.begin():
                query = select(Person).order_by(Person.id).limit(batch_size)
                if last_id is not None:
                    query = query.where(Person.id > last_id)
                persons = (await db.scalars(query)).all()
                batch = [_reencrypt(person, protector) for person in persons]
                batch_changed = sum(done for done, _ in batch)
                changed += batch_changed
                unreadable += sum(failed for _, failed in batch)
                if batch_changed:  # in the batch's transaction: both commit or neither
                    await _audit(db, protector, batch_changed)
            if len(persons) < batch_size:
                break
            last_id = persons[-1].id
    finally:
        await engine.dispose()
    return RotationReport(
        active_key_id=protector.keyring.active_key_id, changed=changed, unreadable=unreadable
    )


async def _audit(db: AsyncSession, protector: DataProtector, changed: int) -> None:
    await audit.record(
        db, AuditKind.KEYS_REENCRYPTED, actor="operator:command-line", subject="data-keys",
        detail={"active_key": protector.keyring.active_key_id, "changed": changed},
    )  # fmt: skip


def _reencrypt(person: Person, protector: DataProtector) -> tuple[int, int]:
    """(values changed, values unreadable) for one person."""
    changed = unreadable = 0
    for attribute, column in _COLUMNS:
        ciphertext: str | None = getattr(person, attribute)
        if not ciphertext:
            continue
        try:
            if protector.needs_reencryption(ciphertext):
                setattr(person, attribute, protector.reencrypt(ciphertext, column))
                changed += 1
        except ProtectionError as exc:
            # The person's id only: the value itself is personal data even when encrypted.
            log.warning("protected value unreadable", person_id=str(person.id), reason=str(exc))
            unreadable += 1
    return changed, unreadable
