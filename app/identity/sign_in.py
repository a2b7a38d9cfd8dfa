"""Sign-in with an SMS one-time code: the only place its rules live.

The same answer is given whether or not an account exists for the number (a code is
"sent" either way), so the form cannot be used to find out who is registered. The first
successful sign-in creates the person at real-name level L1 (phone verified).
"""

from __future__ import annotations

from uuid import UUID

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import RateLimited, RuleViolation, Unavailable
from app.i18n import N_
from app.identity.codes import CodeService
from app.identity.models import Person, SecurityEvent, SecurityEventKind
from app.identity.persons import find_or_create_by_phone
from app.phones import validate_phone
from app.platforms.sms import SmsGateway
from app.privacy import mask_phone
from app.protection import DataProtector, SensitiveKind


class CodeSent(msgspec.Struct, kw_only=True):
    """What the page may show after a code was sent: the masked number, the code's lifetime."""

    masked_phone: str
    expires_in_seconds: int


class SignInService:
    """Ask for a code; sign in with it."""

    def __init__(
        self,
        db: AsyncSession,
        *,
        codes: CodeService,
        sms: SmsGateway,
        protector: DataProtector,
        security_log: SecurityLog,
    ) -> None:
        self._db = db
        self._codes = codes
        self._sms = sms
        self._protector = protector
        self._log = security_log

    async def request_code(self, raw_phone: str, *, client_ip: str, locale: str) -> CodeSent:
        """Send a code to the number (rate-limited per number and per address).

        Stored, then texted: the code and its security record are written before the gateway
        is asked, so with the database down the answer is 503 and nothing was texted. A
        failure before the text went out lifts the resend wait (``CodeService.issuing``).
        """
        phone = validate_phone(raw_phone)
        index = self._protector.blind_index(phone, SensitiveKind.PHONE)
        try:
            async with self._codes.issuing(index, client_ip=client_ip) as code:
                await self._record(SecurityEventKind.CODE_SENT, index, client_ip)
                await self._sms.send_code(phone, code, locale=locale)
        except RateLimited:
            await self._record(SecurityEventKind.CODE_REFUSED, index, client_ip, "rate limited")
            raise
        except Unavailable:  # the gateway did not take the text: code_sent said too much
            await self._record(SecurityEventKind.CODE_NOT_SENT, index, client_ip, "gateway")
            raise
        return CodeSent(masked_phone=mask_phone(phone), expires_in_seconds=self._codes.ttl_seconds)

    async def sign_in(self, raw_phone: str, code: str, *, client_ip: str) -> Person:
        """The person for this number once the code is right (created on first sign-in)."""
        phone = validate_phone(raw_phone)
        index = self._protector.blind_index(phone, SensitiveKind.PHONE)
        if not await self._codes.verify(index, code):
            await self._record(SecurityEventKind.SIGN_IN_FAILED, index, client_ip, "wrong code")
            raise RuleViolation(
                fields={"code": N_("The code is wrong or has expired. Ask for a new code.")}
            )
        person = await find_or_create_by_phone(self._db, self._protector, phone)
        if not person.is_active:
            await self._record(
                SecurityEventKind.SIGN_IN_FAILED, index, client_ip, "disabled", person.id
            )
            raise RuleViolation(
                N_("This account has been disabled. Please contact the service desk.")
            )
        # Success is recorded with the person it may create, in the request's transaction.
        self._db.add(
            SecurityEvent(
                kind=SecurityEventKind.SIGN_IN,
                person_id=person.id,
                phone_index=index,
                client_ip=client_ip,
            )
        )
        return person

    async def sign_out_everywhere(self, person: Person, *, client_ip: str) -> None:
        """Move the person's session epoch on: every session ends at its next request."""
        person.session_epoch += 1
        self._db.add(person)
        self._db.add(
            SecurityEvent(
                kind=SecurityEventKind.SIGN_OUT_EVERYWHERE,
                person_id=person.id,
                phone_index=person.phone_index,
                client_ip=client_ip,
            )
        )

    async def _record(
        self,
        kind: SecurityEventKind,
        phone_index: str | None,
        client_ip: str,
        detail: str = "",
        person_id: UUID | None = None,
    ) -> None:
        await self._log.record(
            kind, person_id=person_id, phone_index=phone_index, client_ip=client_ip, detail=detail
        )


class SecurityLog:
    """Writes security events in their own transaction.

    A refused sign-in rolls the request back, but its record must stay: the log commits
    on its own, at once.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def record(
        self,
        kind: SecurityEventKind,
        *,
        person_id: UUID | None = None,
        staff_id: UUID | None = None,
        phone_index: str | None = None,
        client_ip: str | None = None,
        detail: str = "",
    ) -> None:
        """Append one event."""
        async with self._sessionmaker() as db, db.begin():
            db.add(
                SecurityEvent(
                    kind=kind,
                    person_id=person_id,
                    staff_id=staff_id,
                    phone_index=phone_index,
                    client_ip=client_ip,
                    detail=detail,
                )
            )
