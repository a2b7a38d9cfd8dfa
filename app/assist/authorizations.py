"""Authorizations (授权委托): a resident lets a field worker act for them, within a scope.

The checklist of every act under one (``require``): find an authorization of this agent for
this resident that is confirmed, unrevoked, inside its period and names the action and the
bundle — or answer ``NotFound``, so that without one the resident's data stays invisible.
Nothing is cached: a revocation or an expiry takes effect on the very next request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.context import Clock
from app.assist.models import (
    Authorization,
    AuthorizationEvent,
    AuthorizationEventKind,
    CheckStatus,
    Confirmation,
    InPersonConfirmation,
    Scope,
)
from app.catalog.schema import Bundle, Catalog
from app.errors import Conflict, NotFound, RuleViolation
from app.i18n import N_
from app.identity.codes import CodeService
from app.identity.models import PERSON_PHONE, Person
from app.platforms.sms import SmsGateway
from app.protection import DataProtector
from app.records.sources import SubjectKind
from app.staff.models import Staff, StaffRole

MAX_DAYS = 90
CODE_PURPOSE = "assist-authorization"
CHOOSE_BUNDLES = N_("Choose at least one service the authorization covers.")
CHOOSE_SCOPES = N_("Choose at least one thing the agent may do.")
BAD_DAYS = N_("The authorization lasts from 1 to 90 days.")
WRONG_CODE = N_("The code is wrong or has expired. Ask for a new one.")
GUARDIANSHIP_STAYS = N_(
    "A guardianship is ended by the guardian, or at a service window; not from here."
)
NOT_PENDING = N_("This authorization is no longer waiting for confirmation.")


class ConfirmationCodes:
    """One-time codes that confirm an authorization, sent to the resident's own phone."""

    def __init__(self, codes: CodeService, sms: SmsGateway) -> None:
        self._codes = codes
        self._sms = sms

    async def send(self, phone_index: str, phone: str, *, client_ip: str, locale: str) -> None:
        """Issue a code for the confirmation purpose and text it (rate limits apply; a text
        the gateway did not take lifts the resend wait)."""
        async with self._codes.issuing(
            phone_index, client_ip=client_ip, purpose=CODE_PURPOSE
        ) as code:
            await self._sms.send_code(phone, code, locale=locale or "zh_Hans")

    async def verify(self, phone_index: str, code: str) -> bool:
        """True once for the right code."""
        return await self._codes.verify(phone_index, code, purpose=CODE_PURPOSE)


class Agent(msgspec.Struct, frozen=True):
    """Who acts for the principal: a field worker (``staff``) or a ``person``."""

    kind: str  # "staff" | "person"
    id: UUID

    @classmethod
    def staff(cls, staff_id: UUID) -> Agent:
        """A field worker."""
        return cls("staff", staff_id)

    @classmethod
    def person(cls, person_id: UUID) -> Agent:
        """A relative or a guardian."""
        return cls("person", person_id)


class AuthorizationRequest(msgspec.Struct, kw_only=True, frozen=True):
    """What a field worker proposes at a visit: the services, the actions, how many days."""

    bundles: tuple[str, ...]
    scopes: tuple[str, ...]
    days: int = 7


class HistoryLine(msgspec.Struct, kw_only=True, frozen=True):
    """One line of an authorization's history as shown: an event, or a run of the same use."""

    kind: str
    note: str
    at: datetime
    until: datetime
    times: int = 1


def history_lines(events: list[AuthorizationEvent]) -> list[HistoryLine]:
    """The events in order, with consecutive identical uses by the same agent on one line.

    An agent opening the same page again and again (each open is a ``used`` event, kept whole
    in the database and the audit log) would otherwise bury the acts that matter.
    """
    lines: list[HistoryLine] = []
    last: AuthorizationEvent | None = None
    for event in events:
        if (
            last is not None and event.kind == AuthorizationEventKind.USED == last.kind
            and event.note == last.note and event.actor_id == last.actor_id
        ):  # fmt: skip
            lines[-1] = msgspec.structs.replace(
                lines[-1], until=event.at, times=lines[-1].times + 1
            )
        else:
            lines.append(HistoryLine(kind=event.kind, note=event.note, at=event.at, until=event.at))
        last = event
    return lines


class AuthorizationView(msgspec.Struct, kw_only=True, frozen=True):
    """An authorization with its history, as the resident's page shows it."""

    authorization: Authorization
    agent_name: str
    events: list[AuthorizationEvent]
    active: bool

    @property
    def history(self) -> list[HistoryLine]:
        """The history as shown (runs of the same use on one line)."""
        return history_lines(self.events)


def person_bundles(catalog: Catalog) -> list[Bundle]:
    """The services a person may authorize someone for."""
    return [b for b in catalog.bundles.values() if b.modelled and b.audience is SubjectKind.PERSON]


class AuthorizationService:
    """Proposing, confirming, revoking and checking authorizations, on one session."""

    def __init__(self, db: AsyncSession, *, catalog: Catalog, clock: Clock | None = None) -> None:
        self._db = db
        self.catalog = catalog
        self._clock = clock or Clock()

    def now(self) -> datetime:
        """The service's clock."""
        return self._clock.now()

    async def propose(
        self, agent: Staff, person_id: UUID, request: AuthorizationRequest
    ) -> Authorization:
        """A new authorization for ``agent``, waiting for the resident to confirm it."""
        if agent.role != StaffRole.FIELD_WORKER:
            raise NotFound
        problems = self.check(request)
        if problems:
            raise RuleViolation(fields=problems)
        if await self._db.get(Person, person_id) is None:
            raise NotFound
        now = self.now()
        authorization = Authorization(
            person_id=person_id,
            agent_staff_id=agent.id,
            granted_by_staff_id=agent.id,
            bundles=sorted(set(request.bundles)),
            scopes=sorted(set(request.scopes)),
            valid_from=now,
            valid_until=now + timedelta(days=request.days),
        )
        self._db.add(authorization)
        await self._db.flush()
        self.event(authorization, AuthorizationEventKind.GRANTED, "staff", agent.id)
        await self._db.flush()
        return authorization

    def check(self, request: AuthorizationRequest) -> dict[str, str]:
        problems: dict[str, str] = {}
        if not request.bundles or any(b not in self.catalog.bundles for b in request.bundles):
            problems["bundles"] = CHOOSE_BUNDLES
        known = {str(s) for s in Scope}
        if not request.scopes or any(s not in known for s in request.scopes):
            problems["scopes"] = CHOOSE_SCOPES
        if not 1 <= request.days <= MAX_DAYS:
            problems["days"] = BAD_DAYS
        return problems

    async def send_code(
        self, agent: Staff, authorization_id: UUID, *, codes: ConfirmationCodes,
        protector: DataProtector, client_ip: str,
    ) -> None:  # fmt: skip
        """Send a fresh code to the resident's own phone (read aloud to the worker to confirm)."""
        _, person = await self._pending_of_agent(agent, authorization_id)
        phone = protector.reveal(person.phone_ciphertext, PERSON_PHONE)
        await codes.send(person.phone_index, phone, client_ip=client_ip, locale=person.locale or "")

    async def confirm_with_code(
        self, agent: Staff, authorization_id: UUID, code: str, *, codes: ConfirmationCodes
    ) -> Authorization:
        """The resident read the code sent to their phone to the worker: confirmed."""
        authorization, person = await self._pending_of_agent(agent, authorization_id)
        if not await codes.verify(person.phone_index, code):
            raise RuleViolation(fields={"code": WRONG_CODE})
        return await self.confirm_as(authorization, Confirmation.SMS_CODE, "person", person.id)

    async def confirm_signed_in(self, person: Person, authorization_id: UUID) -> Authorization:
        """The resident confirmed on their own device, signed in (no visit needed)."""
        return await self.confirm_as_principal(person, authorization_id, Confirmation.SIGNED_IN)

    async def confirm_as_principal(
        self, person: Person, authorization_id: UUID, how: Confirmation
    ) -> Authorization:
        """The resident, signed in on their own device, confirmed (``how``: signed in or QR)."""
        authorization = await self._of_person(person, authorization_id)
        if authorization.basis is not None:  # a guardianship's proof is checked by staff
            raise Conflict(NOT_PENDING)
        return await self.confirm_as(authorization, how, "person", person.id)

    async def confirm_in_person(self, agent: Staff, authorization_id: UUID) -> Authorization:
        """The resident signed on the agent's tablet (a supervisor checks the evidence later)."""
        authorization, person = await self._pending_of_agent(agent, authorization_id)
        del person  # the worker captured it; the resident signed on the tablet
        return await self.confirm_as(authorization, Confirmation.IN_PERSON, "staff", agent.id)

    async def pending_of_agent(
        self, agent: Staff, authorization_id: UUID
    ) -> tuple[Authorization, Person]:
        """The agent's authorization still waiting for confirmation, and its principal."""
        return await self._pending_of_agent(agent, authorization_id)

    async def of_person(self, person: Person, authorization_id: UUID) -> Authorization:
        """One of the resident's authorizations; ``NotFound`` for anyone else's."""
        return await self._of_person(person, authorization_id)

    async def confirm_as(
        self, authorization: Authorization, how: Confirmation, actor_kind: str, actor_id: UUID
    ) -> Authorization:
        now = self.now()
        if (
            authorization.confirmed_at is not None
            or authorization.revoked_at is not None
            or now >= authorization.valid_until
        ):
            raise Conflict(NOT_PENDING)
        authorization.confirmed_at = now
        authorization.confirmed_by = str(how)
        self.event(authorization, AuthorizationEventKind.CONFIRMED, actor_kind, actor_id, how)
        await self._db.flush()
        return authorization

    async def revoke(self, person: Person, authorization_id: UUID) -> Authorization:
        """End the authorization now (revoking twice changes nothing)."""
        authorization = await self._of_person(person, authorization_id)
        if authorization.basis is not None:
            raise Conflict(GUARDIANSHIP_STAYS)  # the guardian or a member of staff ends it
        if authorization.revoked_at is None:
            authorization.revoked_at = self.now()
            self.event(authorization, AuthorizationEventKind.REVOKED, "person", person.id)
            await self._db.flush()
        return authorization

    async def mine(self, person: Person) -> list[AuthorizationView]:
        """Every authorization the resident gave, newest first, each with its history."""
        found = await self._db.scalars(
            select(Authorization)
            .where(Authorization.person_id == person.id)
            .order_by(Authorization.created_at.desc())
        )
        views = []
        now = self.now()
        for authorization in found:
            await self._note_expiry(authorization, now)
            views.append(
                AuthorizationView(
                    authorization=authorization,
                    agent_name=await self.agent_name(authorization),
                    events=await self.events(authorization.id),
                    active=authorization.is_active(now),
                )
            )
        return views

    async def agent_name(self, authorization: Authorization) -> str:
        """The agent's name as the principal knows them (a worker's, or a person's real name)."""
        if authorization.agent_staff_id is not None:
            staff = await self._db.get(Staff, authorization.agent_staff_id)
            return staff.display_name if staff else ""
        if authorization.agent_person_id is None:
            return ""
        person = await self._db.get(Person, authorization.agent_person_id)
        return (person.real_name or "") if person else ""

    async def events(self, authorization_id: UUID) -> list[AuthorizationEvent]:
        """The authorization's history, oldest first."""
        rows = await self._db.scalars(
            select(AuthorizationEvent)
            .where(AuthorizationEvent.authorization_id == authorization_id)
            .order_by(AuthorizationEvent.id)
        )
        return list(rows)

    async def of_agent(self, agent: Staff, person_id: UUID) -> list[Authorization]:
        """The agent's authorizations from this resident (pending ones included), newest first."""
        rows = await self._db.scalars(
            select(Authorization)
            .where(Authorization.agent_staff_id == agent.id, Authorization.person_id == person_id)
            .order_by(Authorization.created_at.desc())
        )
        return list(rows)

    async def awaiting_check(self, authorization_ids: list[UUID]) -> set[UUID]:
        """Those confirmed in person whose supervisor's check is still pending."""
        if not authorization_ids:
            return set()
        rows = await self._db.scalars(
            select(InPersonConfirmation.authorization_id).where(
                InPersonConfirmation.authorization_id.in_(authorization_ids),
                InPersonConfirmation.status == CheckStatus.PENDING,
            )
        )
        return set(rows)

    async def require(
        self, agent_staff_id: UUID, person_id: UUID, scope: Scope, bundle_code: str | None,
        *, note: str = "",
    ) -> Authorization:  # fmt: skip
        """The active authorization covering this act, recorded as used; ``NotFound`` if none."""
        return await self.require_agent(
            Agent.staff(agent_staff_id), person_id, scope, bundle_code, note=note
        )

    async def require_agent(
        self, agent: Agent, person_id: UUID, scope: Scope, bundle_code: str | None,
        *, note: str = "",
    ) -> Authorization:  # fmt: skip
        """``require`` for a field worker or a person (relative or guardian) as the agent."""
        now = self.now()
        for authorization in await self._of(agent, person_id):
            await self._note_expiry(authorization, now)
            if authorization.is_active(now) and authorization.covers(scope, bundle_code):
                used = f"{scope}: {note}" if note else str(scope)
                self.event(authorization, AuthorizationEventKind.USED, agent.kind, agent.id,
                            used[:200])  # fmt: skip
                await self._db.flush()
                return authorization
        raise NotFound

    async def active_for(self, agent: Agent, person_id: UUID) -> list[Authorization]:
        """The agent's authorizations from this person that hold now (nothing recorded)."""
        now = self.now()
        found = []
        for authorization in await self._of(agent, person_id):
            await self._note_expiry(authorization, now)
            if authorization.is_active(now):
                found.append(authorization)
        return found

    async def _of(self, agent: Agent, person_id: UUID) -> list[Authorization]:
        column = (
            Authorization.agent_staff_id if agent.kind == "staff" else Authorization.agent_person_id
        )
        rows = await self._db.scalars(
            select(Authorization).where(column == agent.id, Authorization.person_id == person_id)
        )
        return list(rows)

    async def _note_expiry(self, authorization: Authorization, now: datetime) -> None:
        # Expiry needs no job: the first look past the period writes it into the history.
        if (
            not authorization.expired_noted
            and authorization.revoked_at is None
            and now >= authorization.valid_until
        ):
            authorization.expired_noted = True
            self.event(authorization, AuthorizationEventKind.EXPIRED, "system", None)
            await self._db.flush()

    async def _of_person(self, person: Person, authorization_id: UUID) -> Authorization:
        authorization = await self._db.get(Authorization, authorization_id)
        if authorization is None or authorization.person_id != person.id:
            raise NotFound
        return authorization

    async def _pending_of_agent(
        self, agent: Staff, authorization_id: UUID
    ) -> tuple[Authorization, Person]:
        authorization = await self._db.get(Authorization, authorization_id)
        if authorization is None or authorization.agent_staff_id != agent.id:
            raise NotFound
        person = await self._db.get(Person, authorization.person_id)
        if person is None:
            raise NotFound
        if authorization.confirmed_at is not None or authorization.revoked_at is not None:
            raise Conflict(NOT_PENDING)
        return authorization, person

    def event(
        self, authorization: Authorization, kind: AuthorizationEventKind, actor_kind: str,
        actor_id: UUID | None, note: str = "",
    ) -> None:  # fmt: skip
        self._db.add(
            AuthorizationEvent(
                authorization_id=authorization.id, kind=str(kind), actor_kind=actor_kind,
                actor_id=actor_id, note=note, at=self.now(),
            )
        )  # fmt: skip
