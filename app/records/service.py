"""Reading shared records for a person: consent first, then the read, then the access log.

The rules (PIPL: a stated purpose, the minimum necessary, a record the person can see):

- A read names its purpose (a draft or an application) and reads only fields that an active
  consent of the person for that purpose names. Granting again replaces the consent;
  withdrawing ends it. Consents are history, never deleted.
- Person records are found by the person's verified ID number, so the person must have
  real-name level L2 or higher; enterprise records by the credit code of an enterprise the
  person is an active member of.
- Every source read writes one ``DataAccess`` row — who read (the person, or a member of
  staff on their behalf), whose data, which fields, for what, when, and the outcome — in the
  caller's session, so it commits with the caller's transaction.
- A source that cannot answer now is logged as unavailable and left out of the values;
  ``read_outcomes`` says which sources those were, so a form can say "try again later".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.enterprises.models import Enterprise, EnterpriseMember
from app.errors import Conflict, Forbidden, RuleViolation, Unavailable
from app.i18n import N_
from app.identity.models import PERSON_ID_NUMBER, Person, RealNameLevel
from app.protection import DataProtector
from app.records.data_use import PAGE_SIZE, DataUseEntry, data_use_entries
from app.records.exchange import CorrectionReport, RecordExchange, RecordSubject, RecordValue
from app.records.models import (
    AccessOutcome,
    CorrectionStatus,
    DataAccess,
    RecordConsent,
    RecordCorrection,
)
from app.records.schemas import FieldRequest, Purpose, RecordRead, by_source
from app.records.sources import SOURCES, SubjectKind
from app.text_input import INVISIBLE, has_invisible

# Purpose and FieldRequest live in app.records.schemas; callers may import them from here.
__all__ = ["FieldRequest", "Purpose", "RecordRead", "RecordsService"]

NOTE_MAX_LENGTH = 500

REAL_NAME_REQUIRED = N_(
    "Please verify your real name first (Me → Verify my real name): government records are "
    "found by your ID number."
)
NO_CONSENT = N_("You have not agreed that these records may be read for this purpose.")
ENTERPRISE_REQUIRED = N_(
    "These records belong to an enterprise: act for the enterprise first (Me → My enterprises)."
)
NOT_A_MEMBER = N_("You do not act for this enterprise.")
NOTHING_CHOSEN = N_("Choose at least one record to share.")
NOTE_REQUIRED = N_("Say what is wrong with this value.")
NOTE_TOO_LONG = N_("The note can have at most 500 characters.")
CONSENT_CHANGED = N_("Your consent was changed at the same moment. Please try again.")


def real_name_missing(person: Person) -> bool:
    """Whether ``person``'s own records cannot be read yet: they are found by a verified ID
    number, which real-name verification (level L2 and above) gives."""
    return person.real_name_level == RealNameLevel.PHONE or not person.id_number_ciphertext


def reads_person_records(sources: Iterable[str]) -> bool:
    """Whether any of these sources holds records about a person (not an enterprise)."""
    return any(SOURCES[code].subject is SubjectKind.PERSON for code in sources)


def _reads_enterprise(grouped: dict[str, list[str]]) -> bool:
    return any(SOURCES[code].subject is SubjectKind.ENTERPRISE for code in grouped)


def _reads_person(grouped: dict[str, list[str]]) -> bool:
    return reads_person_records(grouped)


class RecordsService:
    """Consents, reads and correction requests of shared records, on one database session."""

    def __init__(
        self, session: AsyncSession, exchange: RecordExchange, protector: DataProtector
    ) -> None:
        self._db = session
        self._exchange = exchange
        self._protector = protector

    async def grant_consent(
        self,
        person: Person,
        purpose: Purpose,
        requests: Sequence[FieldRequest],
        *,
        enterprise: Enterprise | None = None,
    ) -> RecordConsent:
        """Consent to reading exactly ``requests`` for ``purpose``; replaces an earlier one."""
        grouped = by_source(requests)
        if not grouped:
            raise RuleViolation(NOTHING_CHOSEN)
        if _reads_person(grouped):
            self._person_subject(person)  # refuses before anything is promised
        if _reads_enterprise(grouped):
            await self._check_enterprise(person, enterprise)
        now = datetime.now(UTC)
        await self._withdraw(person, purpose, now)
        consent = RecordConsent(
            person_id=person.id,
            enterprise_id=enterprise.id if enterprise and _reads_enterprise(grouped) else None,
            purpose_kind=purpose.kind,
            purpose_ref=purpose.ref,
            purpose_label=purpose.label,
            fields=sorted(
                f"{source}.{name}" for source, names in grouped.items() for name in names
            ),
            granted_at=now,
        )
        self._db.add(consent)
        try:
            await self._db.flush()
        except IntegrityError:  # another request granted for the same purpose meanwhile
            raise Conflict(CONSENT_CHANGED) from None
        return consent

    async def consent_for(self, person: Person, purpose: Purpose) -> RecordConsent | None:
        """The person's active consent for ``purpose``, if any."""
        found: RecordConsent | None = await self._db.scalar(
            select(RecordConsent).where(
                RecordConsent.person_id == person.id,
                RecordConsent.purpose_kind == purpose.kind,
                RecordConsent.purpose_ref == purpose.ref,
                RecordConsent.withdrawn_at.is_(None),
            )
        )
        return found

    async def withdraw_consent(self, person: Person, purpose: Purpose) -> None:
        """End the active consent for ``purpose`` (nothing happens when there is none)."""
        await self._withdraw(person, purpose, datetime.now(UTC))

    async def read(
        self,
        person: Person,
        purpose: Purpose,
        requests: Sequence[FieldRequest],
        *,
        enterprise: Enterprise | None = None,
        accessor_staff_id: UUID | None = None,
        accessor_person_id: UUID | None = None,
    ) -> dict[tuple[str, str], RecordValue]:
        """The consented values by ``(source, field)``; unavailable sources are left out."""
        result = await self.read_outcomes(
            person,
            purpose,
            requests,
            enterprise=enterprise,
            accessor_staff_id=accessor_staff_id,
            accessor_person_id=accessor_person_id,
        )
        return result.values

    async def read_outcomes(
        self,
        person: Person,
        purpose: Purpose,
        requests: Sequence[FieldRequest],
        *,
        enterprise: Enterprise | None = None,
        accessor_staff_id: UUID | None = None,
        accessor_person_id: UUID | None = None,
    ) -> RecordRead:
        """Read each source once, logging each read; see the module docstring for the rules."""
        grouped = by_source(requests)
        subjects = await self._subjects(person, grouped, enterprise)
        consent = await self._covering_consent(person, purpose, grouped, enterprise)
        values: dict[tuple[str, str], RecordValue] = {}
        outcomes: dict[str, AccessOutcome] = {}
        for source, fields in grouped.items():
            kind = SOURCES[source].subject
            try:
                found = await self._exchange.read(
                    subjects[kind], source, fields, purpose.describe()
                )
            except Unavailable:
                outcomes[source] = AccessOutcome.UNAVAILABLE
            else:
                values.update({(source, value.field): value for value in found})
                outcomes[source] = AccessOutcome.FOUND if found else AccessOutcome.NOT_FOUND
            self._db.add(
                DataAccess(
                    person_id=person.id,
                    enterprise_id=enterprise.id
                    if kind is SubjectKind.ENTERPRISE and enterprise
                    else None,
                    staff_id=accessor_staff_id,
                    agent_person_id=accessor_person_id,
                    consent_id=consent.id,
                    source=source,
                    fields=fields,
                    purpose_kind=purpose.kind,
                    purpose_ref=purpose.ref,
                    purpose_label=purpose.label,
                    outcome=outcomes[source],
                    accessed_at=datetime.now(UTC),
                )
            )
        await self._db.flush()
        return RecordRead(values=values, outcomes=outcomes)

    async def access_log(
        self, person: Person, *, limit: int = 100, before: datetime | None = None
    ) -> list[DataAccess]:
        """Reads of the person's records (and of enterprises they read for), newest first."""
        query = select(DataAccess).where(DataAccess.person_id == person.id)
        if before is not None:
            query = query.where(DataAccess.accessed_at < before)
        query = query.order_by(DataAccess.accessed_at.desc(), DataAccess.id.desc()).limit(limit)
        return list((await self._db.scalars(query)).all())

    async def data_use(
        self, person: Person, *, limit: int = PAGE_SIZE, before: datetime | None = None
    ) -> list[DataUseEntry]:
        """The access log as the person's "数据使用记录" page shows it, newest first."""
        return await data_use_entries(self._db, person.id, limit=limit, before=before)

    async def report_error(
        self,
        person: Person,
        source: str,
        field: str,
        note: str,
        purpose: Purpose,
        *,
        enterprise: Enterprise | None = None,
    ) -> RecordCorrection:
        """Record a correction request (open) and forward it to the source.

        When the source cannot be reached, the request stays recorded with ``forwarded_at``
        empty, so it is never lost; the person is not asked to report again.
        """
        grouped = by_source([FieldRequest(source, field)])
        clean_note = note.strip()
        if not clean_note:
            raise RuleViolation(fields={"note": NOTE_REQUIRED})
        if len(clean_note) > NOTE_MAX_LENGTH:
            raise RuleViolation(fields={"note": NOTE_TOO_LONG})
        if has_invisible(clean_note, multiline=True):
            raise RuleViolation(fields={"note": INVISIBLE})
        subjects = await self._subjects(person, grouped, enterprise)
        kind = SOURCES[source].subject
        correction = RecordCorrection(
            person_id=person.id,
            enterprise_id=enterprise.id if kind is SubjectKind.ENTERPRISE and enterprise else None,
            source=source,
            field=field,
            note=clean_note,
            purpose_kind=purpose.kind,
            purpose_ref=purpose.ref,
            purpose_label=purpose.label,
            status=CorrectionStatus.OPEN,
        )
        self._db.add(correction)
        await self._db.flush()  # its id is the reference the source de-duplicates by
        report = CorrectionReport(
            id=str(correction.id),
            source=source,
            field=field,
            note=clean_note,
            purpose=purpose.describe(),
        )
        try:
            correction.ticket = await self._exchange.report_correction(subjects[kind], report)
            correction.forwarded_at = datetime.now(UTC)
        except Unavailable:
            pass  # kept with forwarded_at empty (logged by the exchange)
        await self._db.flush()
        return correction

    async def _subjects(
        self, person: Person, grouped: dict[str, list[str]], enterprise: Enterprise | None
    ) -> dict[SubjectKind, RecordSubject]:
        subjects: dict[SubjectKind, RecordSubject] = {}
        if _reads_person(grouped):
            subjects[SubjectKind.PERSON] = self._person_subject(person)
        if _reads_enterprise(grouped):
            checked = await self._check_enterprise(person, enterprise)
            subjects[SubjectKind.ENTERPRISE] = RecordSubject(
                kind=SubjectKind.ENTERPRISE, number=checked.credit_code
            )
        return subjects

    def _person_subject(self, person: Person) -> RecordSubject:
        """The person as a record subject: their verified ID number (L2 and above)."""
        if real_name_missing(person) or person.id_number_ciphertext is None:
            raise RuleViolation(REAL_NAME_REQUIRED)
        number = self._protector.reveal(person.id_number_ciphertext, PERSON_ID_NUMBER)
        return RecordSubject(kind=SubjectKind.PERSON, number=number)

    async def _check_enterprise(self, person: Person, enterprise: Enterprise | None) -> Enterprise:
        """The enterprise, when the person is one of its active members."""
        if enterprise is None:
            raise RuleViolation(ENTERPRISE_REQUIRED)
        member = await self._db.scalar(
            select(EnterpriseMember.id).where(
                EnterpriseMember.enterprise_id == enterprise.id,
                EnterpriseMember.person_id == person.id,
                EnterpriseMember.removed_at.is_(None),
            )
        )
        if member is None or not enterprise.is_active:
            raise Forbidden(NOT_A_MEMBER)
        return enterprise

    async def _covering_consent(
        self,
        person: Person,
        purpose: Purpose,
        grouped: dict[str, list[str]],
        enterprise: Enterprise | None,
    ) -> RecordConsent:
        """The active consent that names every requested field, or ``Forbidden``."""
        consent = await self.consent_for(person, purpose)
        if consent is None:
            raise Forbidden(NO_CONSENT)
        if not all(consent.covers(s, f) for s, fields in grouped.items() for f in fields):
            raise Forbidden(NO_CONSENT)
        if _reads_enterprise(grouped) and (
            enterprise is None or consent.enterprise_id != enterprise.id
        ):
            raise Forbidden(NO_CONSENT)
        return consent

    async def _withdraw(self, person: Person, purpose: Purpose, now: datetime) -> None:
        active = await self.consent_for(person, purpose)
        if active is not None:
            active.withdrawn_at = now
            await self._db.flush()  # before a new one takes the purpose's unique slot
