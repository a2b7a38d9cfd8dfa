"""A person's own account: bound WeChat/Alipay accounts, and seeing full numbers again.

Full ID and phone numbers are shown to their owner only after a fresh proof — a new SMS
code to their own phone — and only for a few minutes, on the device that proved it.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import msgspec
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.i18n import N_
from app.identity.codes import CodeService
from app.identity.models import (
    PERSON_ID_NUMBER,
    PERSON_PHONE,
    ExternalAccount,
    Person,
    SecurityEventKind,
)
from app.identity.sign_in import SecurityLog
from app.platforms.sms import SmsGateway
from app.protection import DataProtector

REVEAL_SECONDS = 300
_REVEAL = "onething:reveal:"
_PURPOSE = "reveal"


class FullNumbers(msgspec.Struct, kw_only=True):
    """The clear numbers, for the owner's eyes after re-authentication only."""

    phone: str
    id_number: str | None


class AccountService:
    """Bound accounts and re-authentication for the signed-in person."""

    def __init__(
        self,
        db: AsyncSession,
        *,
        redis: Redis,
        codes: CodeService,
        sms: SmsGateway,
        protector: DataProtector,
        security_log: SecurityLog,
    ) -> None:
        self._db = db
        self._redis = redis
        self._codes = codes
        self._sms = sms
        self._protector = protector
        self._log = security_log

    async def external_accounts(self, person: Person) -> Sequence[ExternalAccount]:
        """The WeChat and Alipay accounts bound to the person, oldest first."""
        rows = await self._db.scalars(
            select(ExternalAccount)
            .where(ExternalAccount.person_id == person.id)
            .order_by(ExternalAccount.created_at)
        )
        return rows.all()

    async def unbind(self, person: Person, account_id: UUID, *, client_ip: str) -> None:
        """Unbind one of the person's accounts; anyone else's answers NotFound."""
        account = await self._db.get(ExternalAccount, account_id)
        if account is None or account.person_id != person.id:
            raise errors.NotFound
        await self._db.delete(account)
        await self._log.record(
            SecurityEventKind.ACCOUNT_UNBOUND,
            person_id=person.id,
            client_ip=client_ip,
            detail=account.provider,
        )

    async def send_reveal_code(self, person: Person, *, client_ip: str, locale: str) -> None:
        """Send a fresh code to the person's own phone (rate-limited like sign-in codes)."""
        phone = self._protector.reveal(person.phone_ciphertext, PERSON_PHONE)
        async with self._codes.issuing(
            person.phone_index, client_ip=client_ip, purpose=_PURPOSE
        ) as code:
            await self._sms.send_code(phone, code, locale=locale)

    async def confirm_reveal(
        self, person: Person, session_key: str, code: str, *, client_ip: str
    ) -> None:
        """Open the full numbers on this session for a few minutes, if the code is right."""
        if not await self._codes.verify(person.phone_index, code, purpose=_PURPOSE):
            await self._log.record(
                SecurityEventKind.REVEAL_REFUSED, person_id=person.id, client_ip=client_ip
            )
            raise errors.RuleViolation(
                fields={"code": N_("The code is wrong or has expired. Ask for a new code.")}
            )
        await self._redis.set(_REVEAL + session_key, str(person.id), ex=REVEAL_SECONDS)
        await self._log.record(
            SecurityEventKind.NUMBERS_REVEALED, person_id=person.id, client_ip=client_ip
        )

    async def full_numbers(self, person: Person, session_key: str) -> FullNumbers | None:
        """The clear numbers while this session's re-authentication lasts, else None."""
        opened = await self._redis.get(_REVEAL + session_key)
        if opened is None or opened.decode() != str(person.id):
            return None
        id_number = (
            self._protector.reveal(person.id_number_ciphertext, PERSON_ID_NUMBER)
            if person.id_number_ciphertext
            else None
        )
        return FullNumbers(
            phone=self._protector.reveal(person.phone_ciphertext, PERSON_PHONE),
            id_number=id_number,
        )
