"""Real-name verification to level L2: the name and ID number matched with the population records.

Handled like a checklist: validate, rate-limit, ask the population records, then store.
Each ask is an access to the population records for a stated purpose, so every outcome is
written to the security log (never with the number). The ID number is stored encrypted, with
its blind index, only once the records matched it; it is then bound to one account only.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import RateLimited, RuleViolation, Unavailable
from app.i18n import N_
from app.identity.limits import RateLimiter
from app.identity.models import (
    PERSON_ID_NUMBER,
    Person,
    RealNameLevel,
    SecurityEvent,
    SecurityEventKind,
)
from app.identity.population import PopulationRecords, normalize_name
from app.identity.sign_in import SecurityLog
from app.numbers import validate_id_number
from app.protection import DataProtector

ATTEMPTS_PER_DAY = 5
NAME_MAX_LENGTH = 100
_DAY = 86400

NAME_REQUIRED = N_("Enter your name as it is written on your ID card.")
NAME_TOO_LONG = N_("The name can have at most 100 characters.")
NO_MATCH = N_("The name and ID number do not match the population records.")
NUMBER_TAKEN = N_(
    "This ID number is already verified on another account. If it is yours, please contact "
    "the service desk."
)
OTHER_NUMBER = N_(
    "Your account is already verified with another ID number. Please contact the service desk."
)
TOO_MANY_ATTEMPTS = N_(
    "You have tried to verify your real name too many times today. Please try again tomorrow."
)


class RealNameService:
    """Raise a person's real-name level to L2 by matching the population records."""

    def __init__(
        self,
        db: AsyncSession,
        *,
        limiter: RateLimiter,
        records: PopulationRecords,
        protector: DataProtector,
        security_log: SecurityLog,
    ) -> None:
        self._db = db
        self._limiter = limiter
        self._records = records
        self._protector = protector
        self._log = security_log

    async def verify_real_name(
        self, person: Person, name: str, raw_id_number: str, *, client_ip: str
    ) -> Person:
        """Match, then store the name, the protected ID number and level L2 (never lowering L3)."""
        clean_name, id_number = _validate(name, raw_id_number)
        protected = self._protector.protect(id_number, PERSON_ID_NUMBER)
        if person.id_number_index not in (None, protected.index):
            raise RuleViolation(OTHER_NUMBER, fields={"id_number": OTHER_NUMBER})
        await self._count_attempt(person, client_ip)
        try:
            matched = await self._records.verify(clean_name, id_number)
        except Unavailable:
            await self._refused(person, client_ip, "records unavailable")
            raise
        if not matched:
            await self._refused(person, client_ip, "no match")
            raise RuleViolation(NO_MATCH)
        # Asked only after a match, so the form cannot tell whether a number has an account.
        if await self._held_by_another(person, protected.index):
            await self._refused(person, client_ip, "number held by another account")
            raise RuleViolation(NUMBER_TAKEN, fields={"id_number": NUMBER_TAKEN})
        return await self._store(
            person, clean_name, protected.ciphertext, protected.index, client_ip
        )

    async def _store(
        self, person: Person, name: str, ciphertext: str, index: str, client_ip: str
    ) -> Person:
        stored = await self._db.get(Person, person.id)
        if stored is None:  # the session was valid a moment ago; the account is gone
            raise RuleViolation
        stored.real_name = name
        stored.id_number_ciphertext = ciphertext
        stored.id_number_index = index
        if stored.real_name_level == RealNameLevel.PHONE:  # L3 (in person) stays L3
            stored.real_name_level = RealNameLevel.RECORDS
        self._db.add(
            SecurityEvent(
                kind=SecurityEventKind.REAL_NAME_VERIFIED, person_id=person.id, client_ip=client_ip
            )
        )
        try:
            await self._db.flush()
        except IntegrityError:  # another account took the number at the same moment
            await self._refused(person, client_ip, "number held by another account")
            raise RuleViolation(NUMBER_TAKEN, fields={"id_number": NUMBER_TAKEN}) from None
        return stored

    async def _held_by_another(self, person: Person, index: str) -> bool:
        holder = await self._db.scalar(select(Person.id).where(Person.id_number_index == index))
        return holder is not None and holder != person.id

    async def _count_attempt(self, person: Person, client_ip: str) -> None:
        """At most ``ATTEMPTS_PER_DAY`` asks of the records per person: no guessing by trial."""
        try:
            await self._limiter.hit(
                f"real-name:{person.id}",
                limit=ATTEMPTS_PER_DAY,
                window_seconds=_DAY,
                message=TOO_MANY_ATTEMPTS,
            )
        except RateLimited:
            await self._refused(person, client_ip, "rate limited")
            raise

    async def _refused(self, person: Person, client_ip: str, reason: str) -> None:
        await self._log.record(
            SecurityEventKind.REAL_NAME_REFUSED,
            person_id=person.id,
            client_ip=client_ip,
            detail=reason,
        )


def _validate(raw_name: str, raw_id_number: str) -> tuple[str, str]:
    """The normalized name and ID number, or one RuleViolation naming every wrong field."""
    fields: dict[str, str] = {}
    name = normalize_name(raw_name)
    if not name:
        fields["name"] = NAME_REQUIRED
    elif len(name) > NAME_MAX_LENGTH:
        fields["name"] = NAME_TOO_LONG
    id_number = ""
    try:
        id_number = validate_id_number(raw_id_number)
    except RuleViolation as exc:
        fields.update(exc.fields)
    if fields:
        raise RuleViolation(fields=fields)
    return name, id_number
