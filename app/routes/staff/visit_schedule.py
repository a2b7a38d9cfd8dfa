"""``/staff/visits/new``: supervisors (and field workers) schedule a home visit."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Template

from app import errors
from app.applications.context import CaseContext
from app.assist.models import VisitReason
from app.assist.visits import PAST_DAY, VisitRequest, VisitService
from app.composition.runtime import Runtime
from app.routes.shared.pages import VISITS, assist_page
from app.web.access import Access
from app.web.providers.applications import provide_case_context
from app.web.subjects import current_staff


class VisitScheduleController(Controller):
    """``/staff/visits/new``: supervisors (anyone's) and field workers (their own) schedule."""

    include_in_schema = False
    opt = {"access": Access.STAFF}  # noqa: RUF012
    dependencies = {"cases": Provide(provide_case_context, sync_to_thread=False)}  # noqa: RUF012

    @get(f"{VISITS}/new")
    async def form(self, request: Request[Any, Any, Any]) -> Template:
        """The scheduling form."""
        staff = await current_staff(request)
        own = staff.username if staff.role == "field_worker" else ""
        return assist_page("schedule", staff=staff, reasons=[str(r) for r in VisitReason],
                     form={"worker": own})  # fmt: skip

    @post(f"{VISITS}/new", status_code=303)
    async def schedule(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime],
        cases: NamedDependency[CaseContext],
    ) -> Redirect | Template:  # fmt: skip
        """Schedule a visit; bad input re-renders the form with messages."""
        staff = await current_staff(request)
        form = await request.form()
        fields = {k: str(form.get(k, "")) for k in ("phone", "worker", "day", "reason", "note")}
        service = VisitService(cases.db, protector=runtime.protector, clock=cases.clock)
        try:
            day = _parse_day(fields["day"])
            await service.schedule(staff, VisitRequest(
                phone=fields["phone"], worker=fields["worker"], day=day, reason=fields["reason"],
                note=fields["note"]))  # fmt: skip
        except errors.RuleViolation as exc:
            return assist_page("schedule", 422, staff=staff, reasons=[str(r) for r in VisitReason],
                         form=fields, errors=exc.fields)  # fmt: skip
        return Redirect(VISITS if staff.role == "field_worker" else "/staff", status_code=303)


def _parse_day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise errors.RuleViolation(fields={"day": PAST_DAY}) from None
