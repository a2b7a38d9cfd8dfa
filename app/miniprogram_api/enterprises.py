"""``/mp/v1/enterprises``: my enterprises and their members, for the mini-programs.

The same service and rules as the members page (``/enterprises/{id}/members``): the legal
representative or an administrator adds and removes agents, only the legal representative
names or removes administrators, and the legal representative (from the registry) is fixed.
A non-member gets 404 for any enterprise, a member without the right 403. Whom a request
acts for (``X-Acting-For``) does not matter here: the caller's own membership decides.

An enterprise comes from the market-regulation registry with its legal representative as
its first member; everyone else becomes a member when a manager adds them by mobile number
(they must have signed in once), and then finds the enterprise in ``GET /enterprises``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import Body, FromPath

from app.enterprises.models import MemberRole
from app.enterprises.service import EnterpriseService, MemberList, MyEnterprise
from app.web.access import Access
from app.web.providers.identity import provide_enterprises
from app.web.requests import client_ip
from app.web.subjects import required_bearer


class EnterpriseBody(msgspec.Struct, kw_only=True, rename="camel"):
    """An enterprise I belong to, and my role in it."""

    id: UUID
    credit_code: str
    name: str
    role: MemberRole


class EnterpriseList(msgspec.Struct, kw_only=True, rename="camel"):
    """My enterprises (active memberships only)."""

    enterprises: list[EnterpriseBody]


class MemberBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A member of the enterprise; the phone is masked. ``removable`` and
    ``roleChangeable`` say what I may do to this member."""

    person_id: UUID
    display_name: str
    masked_phone: str
    role: MemberRole
    added_at: datetime
    is_me: bool
    removable: bool = False
    role_changeable: bool = False


class MemberListBody(msgspec.Struct, kw_only=True, rename="camel"):
    """The enterprise and its active members; whether I may add agents."""

    enterprise: EnterpriseBody
    members: list[MemberBody]
    can_add_agents: bool = False


class AgentCreate(msgspec.Struct, kw_only=True, rename="camel"):
    """The new agent's mobile number: a person who has signed in once."""

    phone: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^1[3-9][0-9]{9}$",
            description="An 11-digit mainland mobile number, digits only (13800138000).",
        ),
    ]


class RoleUpdate(msgspec.Struct, kw_only=True, rename="camel"):
    """A member's new role: ``administrator`` or ``agent`` (the legal representative's role
    comes only from the registry: 422)."""

    role: MemberRole


def _enterprise(found: MyEnterprise) -> EnterpriseBody:
    return EnterpriseBody(
        id=found.id, credit_code=found.credit_code, name=found.name, role=found.role
    )


def _listing(listing: MemberList) -> MemberListBody:
    return MemberListBody(
        enterprise=_enterprise(listing.enterprise),
        members=[
            MemberBody(
                person_id=member.person_id, display_name=member.display_name,
                masked_phone=member.masked_phone, role=member.role, added_at=member.added_at,
                is_me=member.is_me, removable=member.removable,
                role_changeable=member.role_changeable,
            )
            for member in listing.members
        ],
        can_add_agents=listing.can_add_agents,
    )  # fmt: skip


class EnterpriseApi(Controller):
    """My enterprises and their members."""

    path = "/enterprises"
    tags = ["mini-program: enterprises"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {"enterprises": Provide(provide_enterprises, sync_to_thread=False)}  # noqa: RUF012

    @get("/")
    async def mine(
        self, request: Request[Any, Any, Any], enterprises: NamedDependency[EnterpriseService]
    ) -> EnterpriseList:
        """The enterprises I am an active member of, with my role."""
        person = await required_bearer(request)
        return EnterpriseList(
            enterprises=[_enterprise(found) for found in await enterprises.mine(person.id)]
        )

    @get("/{enterprise_id:uuid}/members")
    async def members(
        self, request: Request[Any, Any, Any], enterprise_id: FromPath[UUID],
        enterprises: NamedDependency[EnterpriseService],
    ) -> MemberListBody:  # fmt: skip
        """The members of an enterprise I belong to; 404 for any other."""
        person = await required_bearer(request)
        return _listing(await enterprises.members(enterprise_id, person.id))

    @post("/{enterprise_id:uuid}/members", status_code=201)
    async def add_agent(
        self, request: Request[Any, Any, Any], enterprise_id: FromPath[UUID],
        data: Annotated[AgentCreate, Body()], enterprises: NamedDependency[EnterpriseService],
    ) -> MemberListBody:  # fmt: skip
        """Add an agent (经办人) by mobile number (the legal representative or an
        administrator; 422 when no account uses the number, 409 when already a member)."""
        person = await required_bearer(request)
        await enterprises.add_agent(
            enterprise_id, person.id, data.phone, client_ip=client_ip(request)
        )
        return _listing(await enterprises.members(enterprise_id, person.id))

    @delete("/{enterprise_id:uuid}/members/{person_id:uuid}", status_code=204)
    async def remove_member(
        self, request: Request[Any, Any, Any], enterprise_id: FromPath[UUID],
        person_id: FromPath[UUID], enterprises: NamedDependency[EnterpriseService],
    ) -> None:  # fmt: skip
        """Remove a member: their rights end on their very next request (the legal
        representative: 422; an administrator by anyone but the legal representative: 403)."""
        person = await required_bearer(request)
        await enterprises.remove_member(
            enterprise_id, person.id, person_id, client_ip=client_ip(request)
        )

    @put("/{enterprise_id:uuid}/members/{person_id:uuid}/role")
    async def change_role(
        self, request: Request[Any, Any, Any], enterprise_id: FromPath[UUID],
        person_id: FromPath[UUID], data: Annotated[RoleUpdate, Body()],
        enterprises: NamedDependency[EnterpriseService],
    ) -> MemberListBody:  # fmt: skip
        """Make a member an administrator or an agent (the legal representative only: 403
        for anyone else)."""
        person = await required_bearer(request)
        await enterprises.change_role(
            enterprise_id, person.id, person_id, data.role, client_ip=client_ip(request)
        )
        return _listing(await enterprises.members(enterprise_id, person.id))
