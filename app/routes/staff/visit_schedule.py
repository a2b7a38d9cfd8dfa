"""``/staff/visits/new``: a supervisor schedules a home visit by the resident's phone number.

Supervisors only (the access rule): a field worker, like any other member of staff, gets the
answer of every page they have no right to. Whether the number has an account or not, a
valid form gets the same redirect to the same confirmation (``/staff/visits/scheduled``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.assist.areas import AREAS
from app.assist.models import VisitReason
from app.assist.visits import VisitRequest, VisitService
from app.composition.runtime import Runtime
from app.routes.shared.pages import VISITS, FormBody, assist_page
from app.staff.models import Staff
from app.web.access import Access

NEW = f"{VISITS}/new"
SCHEDULED = f"{VISITS}/scheduled"


def provide_visits(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> VisitService:
    """Home visits on the request's session."""
    return VisitService(db_session, protector=runtime.protector)


class ScheduleForm(msgspec.Struct, kw_only=True):
    """The resident's phone, the field worker (an id from the list), the day, the reason, a
    note. The service says what is missing or wrong; the form re-renders with what was typed
    (except the phone number, never echoed back into the page)."""

    phone: str = ""
    worker_id: str = ""
    day: str = ""
    reason: str = ""
    note: str = ""


class VisitScheduleController(Controller):
    """``/staff/visits/new`` and its confirmation: supervisors schedule visits."""

    include_in_schema = False
    opt = {"access": Access.STAFF_SUPERVISOR}  # noqa: RUF012
    dependencies = {"visits": Provide(provide_visits, sync_to_thread=False)}  # noqa: RUF012

    @get(NEW)
    async def form(
        self, staff: NamedDependency[Staff], visits: NamedDependency[VisitService]
    ) -> Template:
        """The scheduling form, the field worker picked from the active ones."""
        return await _form_page(visits, staff)

    @post(NEW, status_code=303)
    async def schedule(
        self, staff: NamedDependency[Staff], data: Annotated[ScheduleForm, FormBody],
        visits: NamedDependency[VisitService],
    ) -> Redirect | Template:  # fmt: skip
        """Schedule; bad input re-renders the form (422), anything else gets one redirect."""
        try:
            await visits.schedule(staff, VisitRequest(
                phone=data.phone, worker_id=data.worker_id, day=data.day, reason=data.reason,
                note=data.note))  # fmt: skip
        except errors.RuleViolation as exc:
            form = msgspec.structs.asdict(data) | {"phone": ""}
            return await _form_page(visits, staff, 422, form=form, errors=exc.fields)
        # The same answer whether or not the number has an account: no oracle.
        return Redirect(SCHEDULED, query_params={"day": data.day, "worker": data.worker_id},
                        status_code=303)  # fmt: skip

    @get(SCHEDULED)
    async def scheduled(
        self, staff: NamedDependency[Staff], visits: NamedDependency[VisitService],
        day: FromQuery[str] = "", worker: FromQuery[str] = "",
    ) -> Template:  # fmt: skip
        """The confirmation after scheduling: what was asked, and what it means."""
        chosen = await visits.field_worker(worker)
        try:
            shown = date.fromisoformat(day).isoformat()
        except ValueError:
            shown = ""
        return assist_page("scheduled", staff=staff, day=shown,
                           worker=chosen.display_name if chosen else "")  # fmt: skip


async def _form_page(
    visits: VisitService, staff: Staff, status: int = 200, **context: object
) -> Template:
    context.setdefault("form", {})
    return assist_page("schedule", status, staff=staff, workers=await visits.field_workers(),
                       areas=AREAS, reasons=[str(r) for r in VisitReason], **context)  # fmt: skip
