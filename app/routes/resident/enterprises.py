"""My enterprises, the identity switcher, and an enterprise's members (pages)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app import errors
from app.composition.runtime import Runtime
from app.enterprises.acting import IdentitySwitcher
from app.enterprises.models import MemberRole
from app.enterprises.service import EnterpriseService
from app.identity.models import Person
from app.identity.sessions import SESSION_COOKIE
from app.routes.shared.pages import FormBody, safe_next
from app.web.access import Access
from app.web.providers.identity import provide_enterprises, provide_switcher
from app.web.requests import client_ip
from app.web.subjects import acting_enterprise


class SwitchForm(msgspec.Struct, kw_only=True):
    """Whom to act for: an enterprise's id, or empty for oneself."""

    enterprise_id: str = ""
    next: str = "/me"


class AgentForm(msgspec.Struct, kw_only=True):
    """The new agent's mobile number."""

    phone: str = ""


class RoleForm(msgspec.Struct, kw_only=True):
    """A member's new role."""

    role: MemberRole


class EnterpriseController(Controller):
    """``/me/enterprises``, ``/me/acting-as`` and ``/enterprises/{id}/members``."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012 (Litestar reads it as a class attribute)
    dependencies = {  # noqa: RUF012
        "enterprises": Provide(provide_enterprises, sync_to_thread=False),
        "switcher": Provide(provide_switcher, sync_to_thread=False),
    }

    @get("/me/enterprises", name="my-enterprises")
    async def mine(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        enterprises: NamedDependency[EnterpriseService],
    ) -> Template:
        """My enterprises and my role in each; whom I act for, and the switch."""
        return Template(
            template_name="enterprises/mine.html",
            context={
                "tab": "me",
                "enterprises": await enterprises.mine(person.id),
                "acting": await acting_enterprise(request),
                "next": "/me/enterprises",
            },
        )

    @post("/me/acting-as", status_code=303)
    async def switch(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        data: Annotated[SwitchForm, FormBody],
        switcher: NamedDependency[IdentitySwitcher],
        runtime: NamedDependency[Runtime],
    ) -> Redirect:
        """Act for one of my enterprises, or as myself; another enterprise answers 404."""
        current = await acting_enterprise(request)
        await switcher.switch(
            runtime.sessions.key_of(request.cookies.get(SESSION_COOKIE, "")),
            person.id,
            _optional_uuid(data.enterprise_id),
            current=current.id if current else None,
            client_ip=client_ip(request),
        )
        # One "acting as" at a time: choosing here ends acting for a relative (issue 8).
        await runtime.acting_person.set(
            runtime.sessions.key_of(request.cookies.get(SESSION_COOKIE, "")), None
        )
        return Redirect(safe_next(data.next), status_code=303)

    @get("/enterprises/{enterprise_id:uuid}/members", name="enterprise-members")
    async def members(
        self,
        person: NamedDependency[Person],
        enterprise_id: FromPath[UUID],
        enterprises: NamedDependency[EnterpriseService],
    ) -> Template:
        """The members of an enterprise I belong to (404 for any other)."""
        return await _members_page(enterprises, enterprise_id, person)

    @post("/enterprises/{enterprise_id:uuid}/members", status_code=303)
    async def add_agent(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        enterprise_id: FromPath[UUID],
        data: Annotated[AgentForm, FormBody],
        enterprises: NamedDependency[EnterpriseService],
    ) -> Redirect | Template:
        """Add an agent by mobile number; errors re-render the page with the reason."""
        try:
            await enterprises.add_agent(
                enterprise_id, person.id, data.phone, client_ip=client_ip(request)
            )
        except (errors.RuleViolation, errors.Conflict) as exc:
            return await _members_page(enterprises, enterprise_id, person, exc, phone=data.phone)
        return Redirect(f"/enterprises/{enterprise_id}/members", status_code=303)

    @post("/enterprises/{enterprise_id:uuid}/members/{person_id:uuid}/remove", status_code=303)
    async def remove_member(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        enterprise_id: FromPath[UUID],
        person_id: FromPath[UUID],
        enterprises: NamedDependency[EnterpriseService],
    ) -> Redirect | Template:
        """Remove a member: their rights end on their very next request."""
        try:
            await enterprises.remove_member(
                enterprise_id, person.id, person_id, client_ip=client_ip(request)
            )
        except errors.RuleViolation as exc:
            return await _members_page(enterprises, enterprise_id, person, exc)
        return Redirect(f"/enterprises/{enterprise_id}/members", status_code=303)

    @post("/enterprises/{enterprise_id:uuid}/members/{person_id:uuid}/role", status_code=303)
    async def change_role(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        enterprise_id: FromPath[UUID],
        person_id: FromPath[UUID],
        data: Annotated[RoleForm, FormBody],
        enterprises: NamedDependency[EnterpriseService],
    ) -> Redirect | Template:
        """Make a member an administrator or an agent (the legal representative only)."""
        try:
            await enterprises.change_role(
                enterprise_id, person.id, person_id, data.role, client_ip=client_ip(request)
            )
        except errors.RuleViolation as exc:
            return await _members_page(enterprises, enterprise_id, person, exc)
        return Redirect(f"/enterprises/{enterprise_id}/members", status_code=303)


async def _members_page(
    enterprises: EnterpriseService,
    enterprise_id: UUID,
    person: Person,
    problem: errors.DomainError | None = None,
    *,
    phone: str = "",
) -> Template:
    fields = problem.fields if isinstance(problem, errors.RuleViolation) else {}
    status = 200
    if problem is not None:
        status = 409 if isinstance(problem, errors.Conflict) else 422
    return Template(
        template_name="enterprises/members.html",
        context={
            "tab": "me",
            "listing": await enterprises.members(enterprise_id, person.id),
            "errors": fields,
            "message": problem.message if problem is not None and not fields else None,
            "phone": phone,
        },
        status_code=status,
    )


def _optional_uuid(value: str) -> UUID | None:
    if not value.strip():
        return None
    try:
        return UUID(value.strip())
    except ValueError:
        raise errors.NotFound from None  # as unknown as any enterprise one does not belong to
