"""Staff administration (administrators only): list accounts, create one, disable one."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.composition.runtime import Runtime
from app.routes.shared.pages import NO_STORE, FormBody
from app.staff.models import Staff, StaffRole
from app.staff.service import StaffCreate, StaffCreated, StaffService
from app.web.access import Access

ADMIN_PATH = "/staff/admin/staff"


class StaffForm(msgspec.Struct, kw_only=True):
    """The "new staff account" form. The initial password is always generated."""

    username: str = ""
    display_name: str = ""
    role: str = ""
    department_code: str = ""


def provide_staff_service(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> StaffService:
    """The staff service on the request's database session."""
    return StaffService(db_session, keyring=runtime.protector.keyring, sessions=runtime.sessions)


async def _listing(
    staff_service: StaffService,
    status: int = 200,
    *,
    admin: Staff,
    form: StaffForm | None = None,
    errors_: dict[str, str] | None = None,
    created: StaffCreated | None = None,
) -> Template:
    departments = await staff_service.departments_by_id()
    return Template(
        template_name="staff/admin_staff.html",
        context={
            "accounts": await staff_service.list_all(),
            "departments": departments,
            "department_choices": sorted(departments.values(), key=lambda d: d.sort_order),
            "roles": list(StaffRole),
            "form": form or StaffForm(),
            "errors": errors_ or {},
            "created": created,
            "admin": admin,
        },
        status_code=status,
        headers=NO_STORE,
    )


class StaffAdminController(Controller):
    """``/staff/admin/staff``."""

    include_in_schema = False
    opt = {"access": Access.STAFF_ADMINISTRATOR}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "staff_service": Provide(provide_staff_service, sync_to_thread=False)
    }

    @get(ADMIN_PATH, name="staff-admin")
    async def accounts(
        self, staff: NamedDependency[Staff], staff_service: NamedDependency[StaffService]
    ) -> Template:
        """Every staff account, and the form for a new one."""
        return await _listing(staff_service, admin=staff)

    @post(ADMIN_PATH, status_code=201)
    async def create(
        self,
        staff: NamedDependency[Staff],
        data: Annotated[StaffForm, FormBody],
        staff_service: NamedDependency[StaffService],
    ) -> Template:
        """Create an account and show its initial password, once."""
        try:
            created = await staff_service.create(
                StaffCreate(**msgspec.structs.asdict(data)), actor=f"staff {staff.username}"
            )
        except errors.RuleViolation as exc:
            return await _listing(staff_service, 422, admin=staff, form=data, errors_=exc.fields)
        return await _listing(staff_service, 201, admin=staff, created=created)

    @post(f"{ADMIN_PATH}/{{username:str}}/disable", status_code=303)
    async def disable(
        self,
        staff: NamedDependency[Staff],
        username: FromPath[str],
        staff_service: NamedDependency[StaffService],
    ) -> Redirect:
        """Disable an account; its sessions end at once."""
        await staff_service.disable(username, actor=f"staff {staff.username}", by=staff)
        return Redirect(ADMIN_PATH, status_code=303)
