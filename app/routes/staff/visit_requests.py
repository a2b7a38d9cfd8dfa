"""``/staff/visit-requests/new``: staff record a resident's request for a home visit."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from app import errors
from app.assist.requests import VisitRequestService
from app.routes.shared.pages import FormBody
from app.routes.shared.visit_requests import (
    DEPENDENCIES,
    STAFF_NEW,
    VisitRequestFields,
    form_page,
    parse,
)
from app.staff.models import Staff
from app.web.access import Access


class StaffVisitRequestController(Controller):
    """``/staff/visit-requests/new``: a window clerk (or community worker) asks for a resident."""

    include_in_schema = False
    opt = {"access": Access.STAFF}  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get(STAFF_NEW)
    async def form(
        self, staff: NamedDependency[Staff], requests: NamedDependency[VisitRequestService]
    ) -> Template:
        """The staff form."""
        if staff.role not in ("window_clerk", "supervisor"):
            raise errors.NotFound
        return form_page(requests, "request_form_staff", staff=staff, action=STAFF_NEW)

    @post(STAFF_NEW, status_code=303)
    async def ask(
        self, staff: NamedDependency[Staff], data: Annotated[VisitRequestFields, FormBody],
        requests: NamedDependency[VisitRequestService],
    ) -> Redirect | Template:  # fmt: skip
        """Record the request; the resident is told. A number without an account gets the
        same redirect: the page is no oracle of who has an account."""
        if staff.role not in ("window_clerk", "supervisor"):
            raise errors.NotFound
        parsed, raw = parse(data)
        try:
            await requests.ask_as_staff(staff, parsed)
        except errors.RuleViolation as exc:
            raw["resident_phone"] = ""  # never echoed back into the page
            return form_page(requests, "request_form_staff", 422, staff=staff, form=raw,
                             errors=exc.fields, action=STAFF_NEW)  # fmt: skip
        return Redirect(f"{STAFF_NEW}?sent=1", status_code=303)
