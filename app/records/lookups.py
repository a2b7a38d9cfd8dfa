"""Staff finding a person by phone number: the one way to do it, logged and audited.

A member of staff types a resident's mobile number to schedule a visit or to record a visit
request for them. What that tells them — this number has an account, and whose — is a read
of the person's data, so it is treated like one:

- A number that belongs to an active account writes a ``DataAccess`` row (source
  ``account``, fields phone and name, the member of staff, the purpose), which the person
  sees on 数据使用记录 like any read by staff, and which the audit mirror makes a
  ``person_looked_up`` event.
- A number that belongs to no active account is a ``person_looked_up`` event too (subject
  ``nobody``, or the closed account): a look-up is recorded whether or not anyone was found.

Neither the number nor its blind index is stored. Callers must answer alike whatever this
finds, so that the answer is no oracle of who has an account (``app.assist.visits``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.models import AuditKind
from app.identity.models import Person
from app.protection import DataProtector, SensitiveKind
from app.records.models import AccessOutcome, DataAccess
from app.records.schemas import Purpose
from app.records.sources import ACCOUNT
from app.staff.models import Staff

FIELDS = ["phone", "name"]  # matched by the number; the name is then shown to staff


class StaffLookups:
    """Finding persons by phone number for staff, on the caller's session."""

    def __init__(self, db: AsyncSession, protector: DataProtector) -> None:
        self._db = db
        self._protector = protector

    async def find(self, staff: Staff, phone: str, purpose: Purpose) -> Person | None:
        """The active person with this (validated) number, the look-up logged; else None.

        ``purpose.ref`` names what the look-up is for (the visit or request about to be
        made with the person found); the caller's transaction carries both.
        """
        index = self._protector.blind_index(phone, SensitiveKind.PHONE)
        person = await self._db.scalar(select(Person).where(Person.phone_index == index))
        if person is None or not person.is_active:
            await audit.record(
                self._db, AuditKind.PERSON_LOOKED_UP, actor=f"staff:{staff.id}",
                subject=f"person:{person.id}" if person else "nobody",
                detail={"source": ACCOUNT.code, "purpose": purpose.kind,
                        "outcome": str(AccessOutcome.NOT_FOUND)},
            )  # fmt: skip
            return None
        access = DataAccess(
            person_id=person.id, staff_id=staff.id, consent_id=None, source=ACCOUNT.code,
            fields=list(FIELDS), purpose_kind=purpose.kind, purpose_ref=purpose.ref,
            purpose_label=purpose.label, outcome=AccessOutcome.FOUND, accessed_at=datetime.now(UTC),
        )  # fmt: skip
        self._db.add(access)
        await self._db.flush()  # the audit mirror appends its event in this flush
        return person
