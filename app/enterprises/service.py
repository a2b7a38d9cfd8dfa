"""Enterprises and their members: the only place their rules live.

Who may do what (the issue "Unified identity"):

- the legal representative (法定代表人) comes from the market-regulation registry and cannot
  be removed or demoted here;
- the legal representative or an administrator adds and removes agents (经办人);
- only the legal representative names or removes administrators.

A caller who is not an active member of the enterprise gets ``NotFound``, exactly as for a
missing enterprise, so that enterprise ids cannot be probed. A member without the right gets
``Forbidden``. Every change is recorded as a security event naming who acted and for whom.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.enterprises.models import Enterprise, EnterpriseMember, MemberRole
from app.i18n import N_
from app.identity.models import PERSON_PHONE, Person, SecurityEvent, SecurityEventKind
from app.identity.persons import find_by_phone
from app.numbers import validate_credit_code
from app.phones import validate_phone
from app.privacy import mask_phone
from app.protection import DataProtector
from app.text_input import INVISIBLE, has_invisible

NO_ACCOUNT = N_("No account uses this mobile number. Ask the person to sign in once first.")
ALREADY_MEMBER = N_("This person is already a member of the enterprise.")
LEGAL_REPRESENTATIVE_FIXED = N_(
    "The legal representative comes from the enterprise registry and cannot be removed or "
    "changed here."
)
ROLE_NOT_ASSIGNABLE = N_("Choose administrator or agent.")
CREDIT_CODE_TAKEN = N_("An enterprise with this unified social credit code is already registered.")
NAME_REQUIRED = N_("Enter the enterprise's registered name (at most 200 characters).")

# Which roles may manage members of which roles.
_MANAGERS = frozenset({MemberRole.LEGAL_REPRESENTATIVE, MemberRole.ADMINISTRATOR})
# The roles given here; the legal representative's comes only from the registry.
_ASSIGNABLE = frozenset({MemberRole.ADMINISTRATOR, MemberRole.AGENT})


class MyEnterprise(msgspec.Struct, kw_only=True, frozen=True):
    """An enterprise as one of its members sees it, with that member's role."""

    id: UUID
    credit_code: str
    name: str
    role: MemberRole


class Member(msgspec.Struct, kw_only=True, frozen=True):
    """A member as listed to another member; the phone is masked."""

    person_id: UUID
    display_name: str
    masked_phone: str
    role: MemberRole
    added_at: datetime
    is_me: bool
    removable: bool  # by the member looking at the list
    role_changeable: bool  # by the member looking at the list


class MemberList(msgspec.Struct, kw_only=True, frozen=True):
    """The members page: the enterprise, its members, and what the viewer may do."""

    enterprise: MyEnterprise
    members: list[Member]
    can_add_agents: bool


def may_remove(actor: MemberRole, target: MemberRole) -> bool:
    """Whether a member with role ``actor`` may remove one with role ``target``."""
    if target == MemberRole.LEGAL_REPRESENTATIVE:
        return False
    if target == MemberRole.ADMINISTRATOR:
        return actor == MemberRole.LEGAL_REPRESENTATIVE
    return actor in _MANAGERS


def may_change_role(actor: MemberRole, target: MemberRole) -> bool:
    """Whether ``actor`` may move ``target`` between administrator and agent."""
    return actor == MemberRole.LEGAL_REPRESENTATIVE and target in _ASSIGNABLE


class EnterpriseService:
    """Lists enterprises and members; adds, removes and re-roles members; registers enterprises.

    Not an advanced-alchemy repository service on purpose: its generic ``delete`` and
    ``update`` would bypass the append-only membership history and the role rules.
    """

    def __init__(self, db: AsyncSession, *, protector: DataProtector) -> None:
        self._db = db
        self._protector = protector

    async def mine(self, person_id: UUID) -> list[MyEnterprise]:
        """The active enterprises the person is an active member of, by name."""
        rows = await self._db.execute(
            select(Enterprise, EnterpriseMember.role)
            .join(EnterpriseMember, EnterpriseMember.enterprise_id == Enterprise.id)
            .where(
                EnterpriseMember.person_id == person_id,
                EnterpriseMember.removed_at.is_(None),
                Enterprise.deregistered_at.is_(None),
            )
            .order_by(Enterprise.name, Enterprise.id)
        )
        return [_my_enterprise(enterprise, role) for enterprise, role in rows.tuples()]

    async def membership(self, enterprise_id: UUID, person_id: UUID) -> MyEnterprise | None:
        """The enterprise with the person's role, if both are active; else None."""
        row = await self._db.execute(
            select(Enterprise, EnterpriseMember.role)
            .join(EnterpriseMember, EnterpriseMember.enterprise_id == Enterprise.id)
            .where(
                Enterprise.id == enterprise_id,
                EnterpriseMember.person_id == person_id,
                EnterpriseMember.removed_at.is_(None),
                Enterprise.deregistered_at.is_(None),
            )
        )
        found = row.tuples().first()
        return _my_enterprise(*found) if found else None

    async def members(self, enterprise_id: UUID, viewer_id: UUID) -> MemberList:
        """The active members, legal representative first; ``NotFound`` for a non-member."""
        mine = await self._require_member(enterprise_id, viewer_id)
        rows = await self._db.execute(
            select(EnterpriseMember, Person)
            .join(Person, Person.id == EnterpriseMember.person_id)
            .where(
                EnterpriseMember.enterprise_id == enterprise_id,
                EnterpriseMember.removed_at.is_(None),
            )
            .order_by(EnterpriseMember.added_at, EnterpriseMember.id)
        )
        order = list(MemberRole)
        members = sorted(
            (self._member(row, person, mine.role, viewer_id) for row, person in rows.tuples()),
            key=lambda member: order.index(member.role),
        )
        return MemberList(enterprise=mine, members=members, can_add_agents=mine.role in _MANAGERS)

    async def add_agent(
        self, enterprise_id: UUID, actor_id: UUID, raw_phone: str, *, client_ip: str
    ) -> None:
        """Make the person with this phone an agent; they must already have an account."""
        mine = await self._require_member(enterprise_id, actor_id)
        if mine.role not in _MANAGERS:
            raise errors.Forbidden
        phone = validate_phone(raw_phone)
        person = await find_by_phone(self._db, self._protector, phone)
        if person is None:
            raise errors.RuleViolation(fields={"phone": NO_ACCOUNT})
        if await self._active_row(enterprise_id, person.id) is not None:
            raise errors.Conflict(ALREADY_MEMBER)
        self._db.add(_new_member(enterprise_id, person.id, MemberRole.AGENT, actor_id))
        try:
            await self._db.flush()
        except IntegrityError:
            # Another manager added the same person a moment ago (the unique active index).
            await self._db.rollback()
            raise errors.Conflict(ALREADY_MEMBER) from None
        detail = f"person={person.id} role={MemberRole.AGENT}"
        self._record(SecurityEventKind.MEMBER_ADDED, actor_id, enterprise_id, client_ip, detail)

    async def remove_member(
        self, enterprise_id: UUID, actor_id: UUID, person_id: UUID, *, client_ip: str
    ) -> None:
        """End a membership; the person's rights end on their very next request."""
        mine = await self._require_member(enterprise_id, actor_id)
        if mine.role not in _MANAGERS:
            raise errors.Forbidden
        row = await self._require_row(enterprise_id, person_id)
        if row.role == MemberRole.LEGAL_REPRESENTATIVE:
            raise errors.RuleViolation(LEGAL_REPRESENTATIVE_FIXED)
        if not may_remove(mine.role, MemberRole(row.role)):
            raise errors.Forbidden
        row.removed_at = datetime.now(UTC)
        row.removed_by_person_id = actor_id
        detail = f"person={person_id} role={row.role}"
        self._record(SecurityEventKind.MEMBER_REMOVED, actor_id, enterprise_id, client_ip, detail)

    async def change_role(
        self,
        enterprise_id: UUID,
        actor_id: UUID,
        person_id: UUID,
        role: MemberRole,
        *,
        client_ip: str,
    ) -> None:
        """Move a member between administrator and agent (the legal representative only)."""
        mine = await self._require_member(enterprise_id, actor_id)
        if mine.role != MemberRole.LEGAL_REPRESENTATIVE:
            raise errors.Forbidden
        row = await self._require_row(enterprise_id, person_id)
        if row.role == MemberRole.LEGAL_REPRESENTATIVE:
            raise errors.RuleViolation(LEGAL_REPRESENTATIVE_FIXED)
        if role not in _ASSIGNABLE:
            raise errors.RuleViolation(fields={"role": ROLE_NOT_ASSIGNABLE})
        if row.role == role:
            return
        # History is append-only: the old period closes, a new one opens with the new role.
        now = datetime.now(UTC)
        row.removed_at, row.removed_by_person_id = now, actor_id
        await self._db.flush()  # close before opening: the active-membership index is unique
        self._db.add(_new_member(enterprise_id, person_id, role, actor_id, at=now))
        detail = f"person={person_id} {row.role}->{role}"
        self._record(
            SecurityEventKind.MEMBER_ROLE_CHANGED, actor_id, enterprise_id, client_ip, detail
        )

    async def register_from_registry(
        self, credit_code: str, name: str, legal_representative_phone: str
    ) -> Enterprise:
        """Record an enterprise as the registry describes it, its legal representative a member.

        Stands in for the market-regulation registry feed (a later shared-records source);
        used by the demo data and ``python -m app enterprise create``.
        """
        code = validate_credit_code(credit_code)
        clean_name = " ".join(name.split())
        if not clean_name or len(clean_name) > 200:
            raise errors.RuleViolation(fields={"name": NAME_REQUIRED})
        if has_invisible(clean_name):  # typed by an operator: the same rule as any typed text
            raise errors.RuleViolation(fields={"name": INVISIBLE})
        phone = validate_phone(legal_representative_phone, field="legal_rep_phone")
        person = await find_by_phone(self._db, self._protector, phone)
        if person is None:
            raise errors.RuleViolation(fields={"legal_rep_phone": NO_ACCOUNT})
        if await self._db.scalar(select(Enterprise.id).where(Enterprise.credit_code == code)):
            raise errors.Conflict(CREDIT_CODE_TAKEN)
        now = datetime.now(UTC)
        enterprise = Enterprise(
            credit_code=code, name=clean_name, legal_representative_id=person.id, registered_at=now
        )
        self._db.add(enterprise)
        await self._db.flush()
        self._db.add(
            _new_member(enterprise.id, person.id, MemberRole.LEGAL_REPRESENTATIVE, None, at=now)
        )
        await self._db.flush()
        return enterprise

    async def _require_member(self, enterprise_id: UUID, person_id: UUID) -> MyEnterprise:
        mine = await self.membership(enterprise_id, person_id)
        if mine is None:
            raise errors.NotFound
        return mine

    async def _require_row(self, enterprise_id: UUID, person_id: UUID) -> EnterpriseMember:
        row = await self._active_row(enterprise_id, person_id)
        if row is None:
            raise errors.NotFound
        return row

    async def _active_row(self, enterprise_id: UUID, person_id: UUID) -> EnterpriseMember | None:
        return await self._db.scalar(
            select(EnterpriseMember).where(
                EnterpriseMember.enterprise_id == enterprise_id,
                EnterpriseMember.person_id == person_id,
                EnterpriseMember.removed_at.is_(None),
            )
        )

    def _member(
        self, row: EnterpriseMember, person: Person, viewer_role: MemberRole, viewer_id: UUID
    ) -> Member:
        masked = mask_phone(self._protector.reveal(person.phone_ciphertext, PERSON_PHONE))
        role = MemberRole(row.role)
        return Member(
            person_id=person.id,
            display_name=person.real_name or masked,
            masked_phone=masked,
            role=role,
            added_at=row.added_at,
            is_me=person.id == viewer_id,
            removable=may_remove(viewer_role, role) and person.id != viewer_id,
            role_changeable=may_change_role(viewer_role, role),
        )

    def _record(
        self,
        kind: SecurityEventKind,
        actor_id: UUID,
        enterprise_id: UUID,
        client_ip: str,
        detail: str,
    ) -> None:
        # In the request's transaction: the change and its record commit together.
        self._db.add(
            SecurityEvent(
                kind=kind,
                person_id=actor_id,
                enterprise_id=enterprise_id,
                client_ip=client_ip,
                detail=detail,
            )
        )


def _my_enterprise(enterprise: Enterprise, role: MemberRole) -> MyEnterprise:
    return MyEnterprise(
        id=enterprise.id,
        credit_code=enterprise.credit_code,
        name=enterprise.name,
        role=MemberRole(role),
    )


def _new_member(
    enterprise_id: UUID,
    person_id: UUID,
    role: MemberRole,
    added_by: UUID | None,
    *,
    at: datetime | None = None,
) -> EnterpriseMember:
    return EnterpriseMember(
        enterprise_id=enterprise_id,
        person_id=person_id,
        role=role,
        added_by_person_id=added_by,
        added_at=at or datetime.now(UTC),
    )
