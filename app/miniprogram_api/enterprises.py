"""``/mp/v1/enterprises``: my enterprises and their members, for the mini-programs.

Read-only for now. Acting for an enterprise through the API (the web's identity switcher)
is a later step: these calls answer for the person behind the bearer token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from app import errors
from app.enterprises.models import MemberRole
from app.enterprises.service import EnterpriseService, MyEnterprise
from app.identity.models import Person
from app.web.access import Access
from app.web.providers.identity import provide_enterprises
from app.web.subjects import bearer_person


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
    """A member of the enterprise; the phone is masked."""

    person_id: UUID
    display_name: str
    masked_phone: str
    role: MemberRole
    added_at: datetime
    is_me: bool


class MemberListBody(msgspec.Struct, kw_only=True, rename="camel"):
    """The enterprise and its active members."""

    enterprise: EnterpriseBody
    members: list[MemberBody]


def _enterprise(found: MyEnterprise) -> EnterpriseBody:
    return EnterpriseBody(
        id=found.id, credit_code=found.credit_code, name=found.name, role=found.role
    )


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
        person = await _person(request)
        return EnterpriseList(
            enterprises=[_enterprise(found) for found in await enterprises.mine(person.id)]
        )

    @get("/{enterprise_id:uuid}/members")
    async def members(
        self,
        request: Request[Any, Any, Any],
        enterprise_id: FromPath[UUID],
        enterprises: NamedDependency[EnterpriseService],
    ) -> MemberListBody:
        """The members of an enterprise I belong to; 404 for any other."""
        person = await _person(request)
        listing = await enterprises.members(enterprise_id, person.id)
        return MemberListBody(
            enterprise=_enterprise(listing.enterprise),
            members=[
                MemberBody(
                    person_id=member.person_id,
                    display_name=member.display_name,
                    masked_phone=member.masked_phone,
                    role=member.role,
                    added_at=member.added_at,
                    is_me=member.is_me,
                )
                for member in listing.members
            ],
        )


async def _person(request: Request[Any, Any, Any]) -> Person:
    # The guard has already required a bearer person on these routes.
    person = await bearer_person(request)
    if person is None:
        raise errors.Unauthenticated
    return person
