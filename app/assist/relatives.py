"""Relatives as agents: a resident names a relative, or a relative asks and the resident confirms.

A person is found by phone number *and* their verified real name, and the answer is the same
whether or not anyone matched (no existence oracle): the page says "if the name and the number
match a verified resident, they were told". A grant by the principal, signed in, holds at once
(the non-face path); a relative's request holds only once the principal confirms it — signed
in on their own device, or by reading the relative a code texted to the principal's phone.
The relative, signed in, then acts for the principal (``app.web.agency``) under the same
``AuthorizationService.require_agent`` checklist as a field worker.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.assist.authorizations import (
    WRONG_CODE,
    AuthorizationRequest,
    AuthorizationService,
    ConfirmationCodes,
)
from app.assist.models import Authorization, AuthorizationEventKind, Confirmation
from app.errors import NotFound, RuleViolation
from app.i18n import N_
from app.identity.models import PERSON_PHONE, Person
from app.identity.persons import find_by_phone
from app.notices.outbox import write_for_subject
from app.notices.texts import NoticeKind
from app.numbers import normalize_phone
from app.protection import DataProtector

NAME_AND_PHONE = N_("Enter the person's name and phone number.")


class RelativeRequest(msgspec.Struct, kw_only=True, frozen=True):
    """Whom (phone and real name, both must match) and what: services, actions, days."""

    phone: str
    name: str
    bundles: tuple[str, ...]
    scopes: tuple[str, ...]
    days: int = 30


class AgentOf(msgspec.Struct, kw_only=True, frozen=True):
    """An authorization in which the signed-in person is the agent, with the principal."""

    authorization: Authorization
    principal: Person
    active: bool


async def find_person(
    db: AsyncSession, protector: DataProtector, phone: str, name: str
) -> Person | None:
    """The verified person with this phone number and exactly this real name, else None."""
    digits = normalize_phone(phone)
    if not digits or not name.strip():
        return None
    person = await find_by_phone(db, protector, digits)
    if person is None or not person.is_active or person.real_name != name.strip():
        return None
    return person


class Relatives:
    """Granting, asking for and confirming authorizations between two persons."""

    def __init__(
        self, db: AsyncSession, *, authorizations: AuthorizationService, protector: DataProtector
    ) -> None:
        self._db = db
        self._authorizations = authorizations
        self._protector = protector

    def now(self) -> datetime:
        """The authorizations' clock."""
        return self._authorizations.now()

    def _checked(self, request: RelativeRequest) -> AuthorizationRequest:
        scope = AuthorizationRequest(bundles=request.bundles, scopes=request.scopes,
                                     days=request.days)  # fmt: skip
        problems = self._authorizations.check(scope)
        if not request.phone.strip() or not request.name.strip():
            problems["person"] = NAME_AND_PHONE
        if problems:
            raise RuleViolation(fields=problems)
        return scope

    def _new(
        self, principal_id: UUID, agent_id: UUID, scope: AuthorizationRequest
    ) -> Authorization:
        now = self._authorizations.now()
        authorization = Authorization(
            person_id=principal_id, agent_person_id=agent_id,
            bundles=sorted(set(scope.bundles)), scopes=sorted(set(scope.scopes)),
            valid_from=now, valid_until=now + timedelta(days=scope.days),
        )  # fmt: skip
        self._db.add(authorization)
        return authorization

    async def grant(self, principal: Person, request: RelativeRequest) -> None:
        """The principal, signed in, names a relative: it holds at once, and they are told.

        Returns nothing either way: whether the relative was found is not said.
        """
        scope = self._checked(request)
        relative = await find_person(self._db, self._protector, request.phone, request.name)
        if relative is None or relative.id == principal.id:
            return
        authorization = self._new(principal.id, relative.id, scope)
        await self._db.flush()
        service = self._authorizations
        service.event(authorization, AuthorizationEventKind.GRANTED, "person", principal.id)
        await service.confirm_as(authorization, Confirmation.SIGNED_IN, "person", principal.id)
        write_for_subject(
            self._db, NoticeKind.AUTHORIZATION_GIVEN, person_id=relative.id, params={},
            subject_key=f"authorization:{authorization.id}:given",
        )  # fmt: skip
        await self._db.flush()

    async def ask(self, relative: Person, request: RelativeRequest) -> Authorization | None:
        """A relative asks to act for a principal; nothing holds until the principal confirms.

        The page answers the same whether or not the principal was found; the returned
        authorization (None when not found) is for sending the principal a code.
        """
        scope = self._checked(request)
        principal = await find_person(self._db, self._protector, request.phone, request.name)
        if principal is None or principal.id == relative.id:
            return None
        authorization = self._new(principal.id, relative.id, scope)
        await self._db.flush()
        self._authorizations.event(
            authorization, AuthorizationEventKind.GRANTED, "person", relative.id
        )
        write_for_subject(
            self._db, NoticeKind.AUTHORIZATION_ASKED, person_id=principal.id, params={},
            subject_key=f"authorization:{authorization.id}:asked",
        )  # fmt: skip
        await self._db.flush()
        return authorization

    async def _asked_by(
        self, relative: Person, authorization_id: UUID
    ) -> tuple[Authorization, Person]:
        authorization = await self._db.get(Authorization, authorization_id)
        if authorization is None or authorization.agent_person_id != relative.id:
            raise NotFound
        principal = await self._db.get(Person, authorization.person_id)
        if principal is None:
            raise NotFound
        return authorization, principal

    async def send_code(
        self, relative: Person, authorization_id: UUID, *, codes: ConfirmationCodes,
        client_ip: str,
    ) -> None:  # fmt: skip
        """Text a code to the principal's own phone (they read it to the relative beside them)."""
        authorization, principal = await self._asked_by(relative, authorization_id)
        if authorization.confirmed_at is not None or authorization.revoked_at is not None:
            raise NotFound
        phone = self._protector.reveal(principal.phone_ciphertext, PERSON_PHONE)
        await codes.send(principal.phone_index, phone, client_ip=client_ip,
                         locale=principal.locale or "")  # fmt: skip

    async def confirm_with_code(
        self, relative: Person, authorization_id: UUID, code: str, *, codes: ConfirmationCodes
    ) -> Authorization:
        """The principal read the relative the code sent to the principal's phone: confirmed."""
        authorization, principal = await self._asked_by(relative, authorization_id)
        if not await codes.verify(principal.phone_index, code):
            raise RuleViolation(fields={"code": WRONG_CODE})
        return await self._authorizations.confirm_as(
            authorization, Confirmation.SMS_CODE, "person", principal.id
        )

    async def acting_for(self, agent: Person) -> list[AgentOf]:
        """Every authorization (and guardianship) naming ``agent``, newest first."""
        rows = await self._db.scalars(
            select(Authorization)
            .where(Authorization.agent_person_id == agent.id)
            .order_by(Authorization.created_at.desc())
        )
        now = self._authorizations.now()
        found = []
        for authorization in rows:
            principal = await self._db.get(Person, authorization.person_id)
            if principal is not None:
                found.append(AgentOf(authorization=authorization, principal=principal,
                                     active=authorization.is_active(now)))  # fmt: skip
        return found

    async def give_up(self, agent: Person, authorization_id: UUID) -> None:
        """The agent (relative or guardian) ends an authorization naming them."""
        authorization = await self._db.get(Authorization, authorization_id)
        if authorization is None or authorization.agent_person_id != agent.id:
            raise NotFound
        if authorization.revoked_at is None:
            authorization.revoked_at = self._authorizations.now()
            self._authorizations.event(
                authorization, AuthorizationEventKind.REVOKED, "person", agent.id, "by agent"
            )
            await self._db.flush()
