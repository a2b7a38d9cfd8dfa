"""``/staff/guardianships``: window clerks check court-appointed guardianships (监护)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.assist.guardians import Guardianships
from app.identity.models import Person
from app.routes.shared.pages import FormBody
from app.routes.shared.relatives import DEPENDENCIES, STAFF
from app.staff.models import Staff
from app.web.access import Access
from app.web.files import stored_file


class EndForm(msgspec.Struct, kw_only=True):
    """Why the document is refused or the guardianship ends (kept to 200 characters)."""

    note: str = ""


class StaffGuardianshipController(Controller):
    """``/staff/guardianships``: court documents waiting for a clerk's or supervisor's check."""

    include_in_schema = False
    opt = {"access": Access.STAFF}  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get(STAFF)
    async def waiting(
        self, staff: NamedDependency[Staff], guardianships: NamedDependency[Guardianships],
        db_session: NamedDependency[AsyncSession],
    ) -> Template:  # fmt: skip
        """Court-appointed guardianships to check, oldest first (404 for other roles)."""
        rows = []
        for authorization in await guardianships.waiting(staff):
            guardian = await db_session.get(Person, authorization.agent_person_id)
            ward = await db_session.get(Person, authorization.person_id)
            rows.append((authorization, guardian, ward))
        return Template(
            template_name="assist/guardianships.html", context={"rows": rows},
            headers={"Cache-Control": "no-store"},
        )  # fmt: skip

    @get(f"{STAFF}/{{authorization_id:uuid}}/document")
    async def document(
        self, staff: NamedDependency[Staff], authorization_id: FromPath[UUID],
        guardianships: NamedDependency[Guardianships],
    ) -> Response[bytes]:  # fmt: skip
        """The uploaded court document (cleaned image or PDF), never cached."""
        content = await guardianships.document(staff, authorization_id)
        kind = "application/pdf" if content.startswith(b"%PDF") else "image/jpeg"
        if content.startswith(b"\x89PNG"):
            kind = "image/png"
        return stored_file(content, kind)

    @post(f"{STAFF}/{{authorization_id:uuid}}/confirm", status_code=303)
    async def confirm(
        self, staff: NamedDependency[Staff], authorization_id: FromPath[UUID],
        guardianships: NamedDependency[Guardianships],
    ) -> Redirect:  # fmt: skip
        """The document shows a court's appointment: the guardianship holds from now."""
        await guardianships.confirm(staff, authorization_id)
        return Redirect(STAFF, status_code=303)

    @post(f"{STAFF}/{{authorization_id:uuid}}/end", status_code=303)
    async def end(
        self, staff: NamedDependency[Staff], authorization_id: FromPath[UUID],
        data: Annotated[EndForm, FormBody], guardianships: NamedDependency[Guardianships],
    ) -> Redirect:  # fmt: skip
        """Refuse the document, or end a guardianship the court ended."""
        await guardianships.end(staff, authorization_id, data.note[:200])
        return Redirect(STAFF, status_code=303)
