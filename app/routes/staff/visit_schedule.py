"""``/staff/visits/new``: supervisors (and field workers) schedule a home visit."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Template

from app import errors
from app.applications.context import CaseContext
from app.assist.models import VisitReason
from app.assist.visits import PAST_DAY, VisitRequest, VisitService
from app.composition.runtime import Runtime
from app.routes.shared.pages import VISITS, FormBody, assist_page
from app.staff.models import Staff
from app.web.access import Access
from app.web.providers.applications import provide_case_context


class ScheduleForm(msgspec.Struct, kw_only=True):
    """The resident's phone, the field worker's username, the day, the reason, a note.
    The service says what is missing or wrong; the form re-renders with what was typed."""

    phone: str = ""
    worker: str = ""
    day: str = ""
    reason: str = ""
    note: str = ""


class VisitScheduleController(Controller):
    """``/staff/visits/new``: supervisors (anyone's) and field workers (their own) schedule."""

    include_in_schema = False
    opt = {"access": Access.STAFF}  # noqa: RUF012
    dependencies = {"cases": Provide(provide_case_context, sync_to_thread=False)}  # noqa: RUF012

    @get(f"{VISITS}/new")
    async def form(self, staff: NamedDependency[Staff]) -> Template:
        """The scheduling form."""
        own = staff.username if staff.role == "field_worker" else ""
        return assist_page("schedule", staff=staff, reasons=[str(r) for r in VisitReason],
                     form={"worker": own})  # fmt: skip

    @post(f"{VISITS}/new", status_code=303)
    async def schedule(
        self, staff: NamedDependency[Staff], data: Annotated[ScheduleForm, FormBody],
        runtime: NamedDependency[Runtime], cases: NamedDependency[CaseContext],
    ) -> Redirect | Template:  # fmt: skip
        """Schedule a visit; bad input re-renders the form with messages."""
        service = VisitService(cases.db, protector=runtime.protector, clock=cases.clock)
        try:
            day = _parse_day(data.day)
            await service.schedule(staff, VisitRequest(
                phone=data.phone, worker=data.worker, day=day, reason=data.reason,
                note=data.note))  # fmt: skip
        except errors.RuleViolation as exc:
            return assist_page("schedule", 422, staff=staff, reasons=[str(r) for r in VisitReason],
                         form=msgspec.structs.asdict(data), errors=exc.fields)  # fmt: skip
        return Redirect(VISITS if staff.role == "field_worker" else "/staff", status_code=303)


def _parse_day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise errors.RuleViolation(fields={"day": PAST_DAY}) from None
