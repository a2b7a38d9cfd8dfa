"""``/staff/visit-requests/new``: staff record a resident's request for a home visit."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from app import errors
from app.assist.requests import VisitRequestService
from app.routes.shared.visit_requests import DEPENDENCIES, STAFF_NEW, form_page, parse_form
from app.web.access import Access
from app.web.subjects import current_staff


class StaffVisitRequestController(Controller):
    """``/staff/visit-requests/new``: a window clerk (or community worker) asks for a resident."""

    include_in_schema = False
    opt = {"access": Access.STAFF}  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get(STAFF_NEW)
    async def form(
        self, request: Request[Any, Any, Any], requests: NamedDependency[VisitRequestService]
    ) -> Template:
        """The staff form."""
        staff = await current_staff(request)
        if staff.role not in ("window_clerk", "supervisor"):
            raise errors.NotFound
        return form_page(requests, "request_form_staff", staff=staff, action=STAFF_NEW)

    @post(STAFF_NEW, status_code=303)
    async def ask(
        self, request: Request[Any, Any, Any], requests: NamedDependency[VisitRequestService]
    ) -> Redirect | Template:
        """Record the request; the resident is told."""
        staff = await current_staff(request)
        if staff.role not in ("window_clerk", "supervisor"):
            raise errors.NotFound
        parsed, raw = parse_form(await request.form())
        try:
            await requests.ask_as_staff(staff, parsed)
        except errors.RuleViolation as exc:
            raw["resident_phone"] = ""  # never echoed back into the page
            return form_page(requests, "request_form_staff", 422, staff=staff, form=raw,
                             errors=exc.fields, action=STAFF_NEW)  # fmt: skip
        return Redirect(f"{STAFF_NEW}?sent=1", status_code=303)
