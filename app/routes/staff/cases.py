"""Staff work on applications: the window's queue (受理), a department's review queue with the
materials viewer (审批), and the supervisors' board (电子监察). Thin: each calls one service."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template

from app import errors
from app.applications.acceptance import WindowDesk
from app.applications.applicant import ApplicantCases
from app.applications.case_models import Application
from app.applications.context import CaseContext
from app.applications.dashboard import PERIODS, figures
from app.applications.ratings import Ratings
from app.applications.review import ReviewDesk
from app.applications.states import Actor
from app.applications.supervision import board
from app.routes.shared.pages import NO_STORE, FormBody
from app.routes.shared.timeline import card_label, detail_context, state_label
from app.staff.models import Staff
from app.web.access import Access
from app.web.files import stored_file
from app.web.providers.applications import provide_applicant_cases, provide_case_context

WINDOW = "/staff/window"

REVIEW = "/staff/review"

SUPERVISION = "/staff/supervision"

CASE_DEPENDENCIES = {
    "cases": Provide(provide_case_context, sync_to_thread=False),
    "files": Provide(provide_applicant_cases, sync_to_thread=False),
}


def _page(name: str, status: int = 200, **context: Any) -> Template:
    return Template(
        template_name=f"staff/{name}.html",
        context={"errors": {}, "message": None, "state_label": state_label,
                 "card_label": card_label, **context},
        status_code=status,
        headers=NO_STORE,
    )  # fmt: skip


async def _case_page(
    name: str, files: ApplicantCases, cases: CaseContext, application: Application,
    status: int = 200, **context: Any,
) -> Template:  # fmt: skip
    return _page(name, status, **await detail_context(files, cases, application), **context)


class ReasonsForm(msgspec.Struct, kw_only=True):
    """The reasons of a decision (return, reject, supplement) or of a complaint's answer;
    empty when the decision needs none (accept, approve). The service says when it is missing."""

    reasons: str = ""


async def _supervision(
    cases: CaseContext, weeks: int | None, status: int = 200, **context: Any
) -> Template:
    return _page("supervision", status, board=await board(cases), catalog=cases.catalog,
                 figures=await figures(cases, weeks or 0), periods=PERIODS, **context)  # fmt: skip


class WindowController(Controller):
    """``/staff/window``: applications waiting for acceptance."""

    include_in_schema = False
    opt = {"access": Access.STAFF_WINDOW_CLERK}  # noqa: RUF012
    dependencies = CASE_DEPENDENCIES

    @get(WINDOW)
    async def queue(self, cases: NamedDependency[CaseContext]) -> Template:
        """Submitted applications, oldest first."""
        waiting = await WindowDesk(cases).queue()
        return _page("window_queue", applications=waiting, catalog=cases.catalog)

    @get(f"{WINDOW}/{{application_id:uuid}}")
    async def case(
        self, application_id: FromPath[UUID], cases: NamedDependency[CaseContext],
        files: NamedDependency[ApplicantCases],
    ) -> Template:  # fmt: skip
        """One application with its form and files: accept, accept on commitment, or return."""
        application = await WindowDesk(cases).get(application_id)
        return await _case_page("window_case", files, cases, application)

    @get(f"{WINDOW}/{{application_id:uuid}}/uploads/{{upload_id:uuid}}")
    async def view_upload(
        self, application_id: FromPath[UUID], upload_id: FromPath[UUID],
        cases: NamedDependency[CaseContext], files: NamedDependency[ApplicantCases],
    ) -> Response[bytes]:  # fmt: skip
        """A file of the application."""
        application = await WindowDesk(cases).get(application_id)
        upload = await files.upload_of(application, upload_id)
        return stored_file(await files.content(upload), upload.content_type)

    @post(f"{WINDOW}/{{application_id:uuid}}/{{decision:str}}", status_code=303)
    async def decide(
        self, staff: NamedDependency[Staff], application_id: FromPath[UUID],
        decision: FromPath[str], data: Annotated[ReasonsForm, FormBody],
        cases: NamedDependency[CaseContext], files: NamedDependency[ApplicantCases],
    ) -> Redirect | Template:  # fmt: skip
        """``accept``, ``accept-on-commitment`` or ``return`` (with reasons)."""
        desk = WindowDesk(cases)
        application = await desk.get(application_id)
        actor = Actor.staff(staff.id)
        try:
            if decision == "accept":
                await desk.accept(application, actor)
            elif decision == "accept-on-commitment":
                await desk.accept_on_commitment(application, actor)
            elif decision == "return":
                await desk.return_for_supplement(application, actor, data.reasons)
            else:
                raise errors.NotFound
        except errors.RuleViolation as exc:
            return await _case_page("window_case", files, cases, application, 422,
                                    errors=exc.fields, message=exc.message)  # fmt: skip
        return Redirect(WINDOW, status_code=303)


class ReviewController(Controller):
    """``/staff/review``: the reviewer's department's sub-cases."""

    include_in_schema = False
    opt = {"access": Access.STAFF_REVIEWER}  # noqa: RUF012
    dependencies = CASE_DEPENDENCIES

    @get(REVIEW)
    async def queue(
        self, staff: NamedDependency[Staff], cases: NamedDependency[CaseContext]
    ) -> Template:
        """Sub-cases in review or waiting for a supplement, the earliest due first."""
        rows = await ReviewDesk(cases).queue(staff)
        return _page("review_queue", rows=rows, catalog=cases.catalog)

    @get(f"{REVIEW}/{{sub_case_id:uuid}}")
    async def case(
        self, staff: NamedDependency[Staff], sub_case_id: FromPath[UUID],
        cases: NamedDependency[CaseContext], files: NamedDependency[ApplicantCases],
    ) -> Template:  # fmt: skip
        """One sub-case with the application's form and the materials viewer."""
        sub_case, application = await ReviewDesk(cases).get(staff, sub_case_id)
        return await _case_page("review_case", files, cases, application, sub_case=sub_case)

    @get(f"{REVIEW}/{{sub_case_id:uuid}}/uploads/{{upload_id:uuid}}")
    async def view_upload(
        self, staff: NamedDependency[Staff], sub_case_id: FromPath[UUID],
        upload_id: FromPath[UUID], cases: NamedDependency[CaseContext],
        files: NamedDependency[ApplicantCases],
    ) -> Response[bytes]:  # fmt: skip
        """A file of the sub-case's application (other departments' answer 404)."""
        _, application = await ReviewDesk(cases).get(staff, sub_case_id)
        upload = await files.upload_of(application, upload_id)
        return stored_file(await files.content(upload), upload.content_type)

    @post(f"{REVIEW}/{{sub_case_id:uuid}}/{{decision:str}}", status_code=303)
    async def decide(
        self, staff: NamedDependency[Staff], sub_case_id: FromPath[UUID],
        decision: FromPath[str], data: Annotated[ReasonsForm, FormBody],
        cases: NamedDependency[CaseContext], files: NamedDependency[ApplicantCases],
    ) -> Redirect | Template:  # fmt: skip
        """``approve``, ``reject`` or ``supplement`` (the last two with reasons)."""
        desk = ReviewDesk(cases)
        sub_case, application = await desk.get(staff, sub_case_id)
        actor, reasons = Actor.staff(staff.id), data.reasons
        try:
            if decision == "approve":
                await desk.approve(sub_case, application, actor, reasons)
            elif decision == "reject":
                await desk.reject(sub_case, application, actor, reasons)
            elif decision == "supplement":
                await desk.ask_supplement(sub_case, application, actor, reasons)
            else:
                raise errors.NotFound
        except errors.RuleViolation as exc:
            return await _case_page("review_case", files, cases, application, 422,
                                    sub_case=sub_case, errors=exc.fields,
                                    message=exc.message)  # fmt: skip
        return Redirect(REVIEW, status_code=303)


class SupervisionController(Controller):
    """``/staff/supervision``: yellow and red cards, lapsed commitments, complaints."""

    include_in_schema = False
    opt = {"access": Access.STAFF_SUPERVISOR}  # noqa: RUF012
    dependencies = CASE_DEPENDENCIES

    @get(SUPERVISION)
    async def overview(
        self, cases: NamedDependency[CaseContext], weeks: FromQuery[int | None] = None
    ) -> Template:
        """What needs a supervisor's eye, and the figures of the last ``weeks`` weeks."""
        return await _supervision(cases, weeks)

    @post(f"{SUPERVISION}/complaints/{{complaint_id:uuid}}", status_code=303)
    async def answer(
        self, staff: NamedDependency[Staff], complaint_id: FromPath[UUID],
        data: Annotated[ReasonsForm, FormBody], cases: NamedDependency[CaseContext],
    ) -> Redirect | Template:  # fmt: skip
        """Answer a complaint; the applicant sees the answer."""
        actor = Actor.staff(staff.id)
        try:
            await Ratings(cases).answer(complaint_id, actor, data.reasons)
        except errors.RuleViolation as exc:
            problem = {str(complaint_id): exc.fields.get("reasons", exc.message)}
            return await _supervision(cases, None, 422, errors=problem)
        return Redirect(SUPERVISION, status_code=303)
