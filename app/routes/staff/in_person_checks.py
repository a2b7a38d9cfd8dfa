"""Supervisors check in-person confirmations (``/staff/assist/checks``).

The queue of confirmations waiting for a check, one of them with the resident's signature
and ID-card photo (each image served only here, and each look written into the
authorization's history and so into the audit chain), and the decision: confirm, or reject
with a reason (the authorization ends at once and the resident is told). Anyone but a
supervisor gets 404. Thin: each handler calls ``InPersonChecks``.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app import errors
from app.assist.in_person import Evidence, InPersonChecks
from app.routes.shared.pages import NO_STORE, FormBody
from app.staff.models import Staff
from app.web.access import Access
from app.web.files import stored_file
from app.web.providers.applications import provide_case_context
from app.web.providers.assist import provide_in_person_checks

CHECKS = "/staff/assist/checks"


class CheckDecisionForm(msgspec.Struct, kw_only=True):
    """confirm | reject, and the reason of a rejection (the resident reads it)."""

    decision: str = ""
    reason: str = ""


def _page(name: str, status: int = 200, **context: Any) -> Template:
    return Template(
        template_name=f"assist/{name}.html",
        context={"errors": {}, "message": None, **context},
        status_code=status,
        headers=NO_STORE,
    )


class InPersonCheckController(Controller):
    """The supervisor's queue of in-person confirmations, one of them, and the decision."""

    include_in_schema = False
    # Any staff may reach the routes; InPersonChecks answers 404 to all but supervisors, so
    # that nobody else learns a check exists (the role guard would say 403).
    opt = {"access": Access.STAFF}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "cases": Provide(provide_case_context, sync_to_thread=False),
        "checks": Provide(provide_in_person_checks, sync_to_thread=False),
    }

    @get(CHECKS)
    async def queue(
        self, staff: NamedDependency[Staff], checks: NamedDependency[InPersonChecks]
    ) -> Template:
        """Confirmations waiting for a check, oldest first."""
        pending = await checks.pending(staff)
        return _page("checks", rows=pending, catalog=checks.catalog)

    @get(f"{CHECKS}/{{confirmation_id:uuid}}")
    async def one(
        self, staff: NamedDependency[Staff], confirmation_id: FromPath[UUID],
        checks: NamedDependency[InPersonChecks],
    ) -> Template:  # fmt: skip
        """One confirmation: the authorization, the resident, the signature and the photo."""
        view = await checks.check(staff, confirmation_id)
        return _page("check", row=view, catalog=checks.catalog)

    @get(f"{CHECKS}/{{confirmation_id:uuid}}/{{which:str}}")
    async def evidence(
        self, staff: NamedDependency[Staff], confirmation_id: FromPath[UUID],
        which: FromPath[str], checks: NamedDependency[InPersonChecks],
    ) -> Response[bytes]:  # fmt: skip
        """The signature or the ID photo (the look is recorded); never cached."""
        if which not in ("signature", "id_photo"):
            raise errors.NotFound
        chosen: Evidence = "signature" if which == "signature" else "id_photo"
        data, content_type = await checks.evidence(staff, confirmation_id, chosen)
        return stored_file(data, content_type)

    @post(f"{CHECKS}/{{confirmation_id:uuid}}", status_code=303)
    async def decide(
        self, staff: NamedDependency[Staff], confirmation_id: FromPath[UUID],
        data: Annotated[CheckDecisionForm, FormBody], checks: NamedDependency[InPersonChecks],
    ) -> Redirect | Template:  # fmt: skip
        """Confirm, or reject with a reason (the authorization ends; the resident is told)."""
        try:
            if data.decision == "confirm":
                await checks.confirm(staff, confirmation_id)
            elif data.decision == "reject":
                await checks.reject(staff, confirmation_id, data.reason)
            else:
                raise errors.BadRequest
        except errors.RuleViolation as exc:
            view = await checks.check(staff, confirmation_id)
            return _page("check", 422, row=view, catalog=checks.catalog, errors=exc.fields,
                         reason=data.reason)  # fmt: skip
        except errors.Conflict as exc:
            view = await checks.check(staff, confirmation_id)
            return _page("check", 409, row=view, catalog=checks.catalog, message=exc.message)
        return Redirect(CHECKS, status_code=303)
