"""``/staff/visit-requests``: the supervisors' queue by area; assign, reschedule, cancel."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app import errors
from app.assist.areas import AREAS
from app.assist.assignment import Assignment, Dispatch
from app.assist.models import VisitReason
from app.assist.request_models import Slot
from app.assist.requests import VisitRequestService
from app.routes.shared.pages import NO_STORE, FormBody
from app.routes.shared.visit_requests import DEPENDENCIES
from app.staff.models import Staff
from app.web.access import Access

QUEUE = "/staff/visit-requests"


class AssignmentForm(msgspec.Struct, kw_only=True):
    """Who visits, on which day and half-day, and why (assign and reschedule; cancel and
    visited post none of it). An empty reason means elderly, the common case."""

    worker_id: str = ""
    day: str = ""
    slot: str = ""
    reason: str = ""


async def _page(dispatch: Dispatch, staff: Staff, request_id: UUID, day: date | None = None,
                status: int = 200, **context: Any) -> Template:  # fmt: skip
    request = await dispatch.open_request(staff, request_id)
    chosen = day or dispatch.requests.clock.today()
    return Template(
        template_name="assist/request_assign.html",
        context={"errors": {}, "form": {}, "message": None, "item": await dispatch.item(request),
                 "suggestions": await dispatch.suggestions(request, chosen), "day": chosen,
                 "areas": AREAS, "slots": [str(s) for s in Slot],
                 "reasons": [str(r) for r in VisitReason], "catalog": dispatch.requests.catalog,
                 **context},
        status_code=status, headers=NO_STORE,
    )  # fmt: skip


class DispatchController(Controller):
    """The supervisor's queue of visit requests."""

    include_in_schema = False
    opt = {"access": Access.STAFF_SUPERVISOR}  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get(QUEUE)
    async def queue(
        self, staff: NamedDependency[Staff], requests: NamedDependency[VisitRequestService],
        area: FromQuery[str] = "",
    ) -> Template:  # fmt: skip
        """Open requests, oldest first, of one area (``?area=``) or all."""
        area = area if area in AREAS else ""
        items = await Dispatch(requests).queue(staff, area)
        return Template(template_name="assist/requests_queue.html",
                        context={"items": items, "areas": AREAS, "area": area,
                                 "catalog": requests.catalog}, headers=NO_STORE)  # fmt: skip

    @get(f"{QUEUE}/{{request_id:uuid}}")
    async def show(
        self, staff: NamedDependency[Staff], request_id: FromPath[UUID],
        requests: NamedDependency[VisitRequestService], day: FromQuery[str] = "",
    ) -> Template:  # fmt: skip
        """One request: the address in clear, needs, and workers by load on the chosen day."""
        try:
            chosen = date.fromisoformat(day) if day else None
        except ValueError:
            chosen = None
        return await _page(Dispatch(requests), staff, request_id, chosen)

    @post(f"{QUEUE}/{{request_id:uuid}}/{{action:str}}", status_code=303)
    async def act(
        self, staff: NamedDependency[Staff], request_id: FromPath[UUID], action: FromPath[str],
        data: Annotated[AssignmentForm, FormBody], requests: NamedDependency[VisitRequestService],
    ) -> Redirect | Template:  # fmt: skip
        """``assign``, ``reschedule``, ``cancel`` or ``visited``."""
        dispatch = Dispatch(requests)
        assignment = Assignment(worker_id=data.worker_id, day=data.day, slot=data.slot,
                                reason=data.reason or VisitReason.ELDERLY)  # fmt: skip
        try:
            if action == "assign":
                await dispatch.assign(staff, request_id, assignment)
            elif action == "reschedule":
                await dispatch.reschedule(staff, request_id, assignment)
            elif action == "cancel":
                await dispatch.cancel(staff, request_id)
            elif action == "visited":
                await dispatch.visited(staff, request_id)
            else:
                raise errors.NotFound
        except errors.RuleViolation as exc:
            try:
                chosen: date | None = date.fromisoformat(data.day)
            except ValueError:
                chosen = None
            return await _page(dispatch, staff, request_id, chosen, 422,
                               form=msgspec.structs.asdict(data),
                               errors=exc.fields, message=exc.message)  # fmt: skip
        return Redirect(f"{QUEUE}/{request_id}", status_code=303)
