"""A resident's applications (我的办件): submit a draft, follow it, supplement, withdraw, rate.

Every page finds the application through ``ApplicantCases.get``: someone else's is 404.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from app import errors
from app.applications.applicant import ApplicantCases
from app.applications.case_models import Application
from app.applications.context import CaseContext
from app.applications.draft_materials import DraftMaterials
from app.applications.drafts import DraftService
from app.applications.models import Draft
from app.applications.ratings import TAGS, Ratings
from app.applications.states import Actor
from app.applications.submission import Submission, Submissions
from app.applications.uploads import EMPTY
from app.assist.models import Scope
from app.identity.models import Person
from app.routes.resident.draft_form import FileForm, review_page
from app.routes.resident.drafts import DRAFT_DEPENDENCIES, applicant
from app.routes.shared.pages import FormBody, Repeated, UploadBody, repeated
from app.routes.shared.timeline import detail_context
from app.web.access import Access
from app.web.agency import act, agency_so_far, allowed_bundles, require_submit
from app.web.files import stored_file
from app.web.providers.applications import (
    provide_applicant_cases,
    provide_case_context,
    provide_submissions,
)

MINE = "/me/applications"


class SubmitForm(msgspec.Struct, kw_only=True):
    """The review page's submit form."""

    draft_id: UUID
    idempotency_key: str = ""
    delivery: str = ""
    address: str = ""
    commitment: str = ""


class RatingForm(msgspec.Struct, kw_only=True):
    """好差评."""

    stars: int = 0
    tags: Repeated = msgspec.field(default_factory=list)
    comment: str = ""


class SupplementForm(msgspec.Struct, kw_only=True):
    """A note to the reviewer with the supplement."""

    note: str = ""


def _url(application: Application) -> str:
    return f"{MINE}/{application.id}"


class ApplicationController(Controller):
    """``/me/applications``."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        **DRAFT_DEPENDENCIES,
        "cases": Provide(provide_case_context, sync_to_thread=False),
        "mine": Provide(provide_applicant_cases, sync_to_thread=False),
        "submissions": Provide(provide_submissions, sync_to_thread=False),
    }

    @post(MINE, status_code=303)
    async def submit(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        data: Annotated[SubmitForm, FormBody], submissions: NamedDependency[Submissions],
        drafts: NamedDependency[DraftService], materials: NamedDependency[DraftMaterials],
    ) -> Redirect | Template:  # fmt: skip
        """Submit once; a second press with the same key shows the same application."""
        applying_as, enterprise_id = await applicant(request, person)
        agency = agency_so_far(request)
        await require_submit(request, agency, drafts, data.draft_id)
        submission = Submission(
            draft_id=data.draft_id,
            delivery=data.delivery,
            address=data.address,
            commitment=data.commitment == "yes",
        )
        try:
            application = await submissions.submit(
                applying_as.id,
                submission,
                enterprise_id=enterprise_id,
                key=data.idempotency_key,
                agent_person_id=agency.agent.id if agency else None,
            )
        except errors.RuleViolation as exc:
            try:
                draft = await drafts.get(applying_as, data.draft_id, enterprise_id=enterprise_id)
            except errors.NotFound:  # submitted already: the message says what happened
                raise exc from None
            return await _refused_review(drafts, materials, draft, exc, data)
        return Redirect(_url(application), status_code=303)

    @get(MINE)
    async def mine_list(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        mine: NamedDependency[ApplicantCases], cases: NamedDependency[CaseContext],
    ) -> Template:  # fmt: skip
        """The applicant's applications, the newest first."""
        applying_as, enterprise_id = await applicant(request, person)
        found = await mine.mine(applying_as.id, enterprise_id=enterprise_id)
        allowed = await allowed_bundles(request, Scope.VIEW_RESULTS)
        if allowed is not None:  # an agent sees only what they may follow
            found = [a for a in found if a.bundle_code in allowed]
        return Template(
            template_name="applications/mine.html",
            context={"tab": "services", "applications": found, "catalog": cases.catalog},
        )

    @get(f"{MINE}/{{application_id:uuid}}")
    async def detail(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        application_id: FromPath[UUID],
        mine: NamedDependency[ApplicantCases], cases: NamedDependency[CaseContext],
    ) -> Template:  # fmt: skip
        """Where the application stands: a timeline per matter with its clock."""
        application = await _find(request, person, mine, application_id)
        return await _detail(mine, cases, application)

    @post(f"{MINE}/{{application_id:uuid}}/withdraw", status_code=303)
    async def withdraw(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        application_id: FromPath[UUID], mine: NamedDependency[ApplicantCases],
    ) -> Redirect:  # fmt: skip
        """Withdraw before acceptance (409 once accepted)."""
        application = await _find(request, person, mine, application_id)
        await mine.withdraw(application, await _actor(request, person))
        return Redirect(_url(application), status_code=303)

    @post(f"{MINE}/{{application_id:uuid}}/materials/{{code:str}}", status_code=303)
    async def upload(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        application_id: FromPath[UUID], code: FromPath[str], data: Annotated[FileForm, UploadBody],
        mine: NamedDependency[ApplicantCases], cases: NamedDependency[CaseContext],
    ) -> Redirect | Template:  # fmt: skip
        """Add a file asked for (补正, a supplement, or a promised material)."""
        application = await _find(request, person, mine, application_id)
        try:
            if data.file is None:
                raise errors.RuleViolation(fields={f"material:{code}": EMPTY})
            await mine.upload(application, code, data.file.filename or "",
                              await data.file.read(), await _actor(request, person))  # fmt: skip
        except errors.RuleViolation as exc:
            return await _detail(mine, cases, application, 422, errors=exc.fields)
        return Redirect(_url(application), status_code=303)

    @get(f"{MINE}/{{application_id:uuid}}/uploads/{{upload_id:uuid}}")
    async def view_upload(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        application_id: FromPath[UUID],
        upload_id: FromPath[UUID], mine: NamedDependency[ApplicantCases],
    ) -> Response[bytes]:  # fmt: skip
        """One of the application's files, for the applicant only."""
        application = await _find(request, person, mine, application_id)
        upload = await mine.upload_of(application, upload_id)
        return stored_file(await mine.content(upload), upload.content_type)

    @post(f"{MINE}/{{application_id:uuid}}/resubmit", status_code=303)
    async def resubmit(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        application_id: FromPath[UUID], mine: NamedDependency[ApplicantCases],
    ) -> Redirect:  # fmt: skip
        """Send a returned application again."""
        application = await _find(request, person, mine, application_id)
        await mine.resubmit(application, await _actor(request, person))
        return Redirect(_url(application), status_code=303)

    @post(f"{MINE}/{{application_id:uuid}}/sub-cases/{{sub_case_id:uuid}}/supplement",
          status_code=303)  # fmt: skip
    async def supplement(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        application_id: FromPath[UUID],
        sub_case_id: FromPath[UUID], data: Annotated[SupplementForm, FormBody],
        mine: NamedDependency[ApplicantCases],
    ) -> Redirect:  # fmt: skip
        """The supplement a reviewer asked for is complete: review goes on."""
        application = await _find(request, person, mine, application_id)
        await mine.send_supplement(application, sub_case_id, await _actor(request, person),
                                   data.note)  # fmt: skip
        return Redirect(_url(application), status_code=303)

    @post(f"{MINE}/{{application_id:uuid}}/rating", status_code=303)
    async def rate(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        application_id: FromPath[UUID],
        data: Annotated[RatingForm, FormBody], mine: NamedDependency[ApplicantCases],
        cases: NamedDependency[CaseContext],
    ) -> Redirect | Template:  # fmt: skip
        """Rate the finished application once; a poor rating opens a complaint."""
        application = await _find(request, person, mine, application_id)
        applying_as, _ = await applicant(request, person)
        ratings = Ratings(cases)
        try:
            await ratings.rate(application, applying_as.id, data.stars, repeated(data.tags),
                               data.comment)  # fmt: skip
        except errors.RuleViolation as exc:
            return await _detail(mine, cases, application, 422, errors=exc.fields)
        return Redirect(_url(application), status_code=303)


async def _find(
    request: Request[Any, Any, Any], person: Person, mine: ApplicantCases, application_id: UUID
) -> Application:
    applying_as, enterprise_id = await applicant(request, person)
    application = await mine.get(applying_as.id, application_id, enterprise_id=enterprise_id)
    if agency_so_far(request) is not None:
        await act(request, application.bundle_code, note=f"application {application.number}")
    return application


async def _actor(request: Request[Any, Any, Any], person: Person) -> Actor:
    applying_as, enterprise_id = await applicant(request, person)
    agency = agency_so_far(request)
    if agency is not None:
        return Actor.person_for_person(agency.agent.id, applying_as.id)
    return Actor.applicant(applying_as.id, enterprise_id)


async def _detail(
    mine: ApplicantCases, cases: CaseContext, application: Application, status: int = 200,
    **context: Any,
) -> Template:  # fmt: skip
    rating, complaint = await Ratings(cases).of(application)
    return Template(
        template_name="applications/detail.html",
        context={"tab": "services", **await detail_context(mine, cases, application),
                 "wanted": await mine.wanted_materials(application), "rating": rating,
                 "complaint": complaint, "rating_tags": TAGS, "errors": {},
                 **context},
        status_code=status,
    )  # fmt: skip


async def _refused_review(
    drafts: DraftService, materials: DraftMaterials, draft: Draft,
    exc: errors.RuleViolation, data: SubmitForm,
) -> Template:  # fmt: skip
    chosen = {"delivery": data.delivery, "address": data.address,
              "commitment": data.commitment == "yes"}  # fmt: skip
    message = None if exc.fields else exc.message
    return await review_page(
        drafts, materials, draft, 422, errors=exc.fields, message=message, chosen=chosen
    )
