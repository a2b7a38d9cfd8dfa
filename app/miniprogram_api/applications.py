"""``/mp/v1/applications``: submit a reviewed draft once, and follow my applications.

Submitting takes an ``Idempotency-Key`` header (8–64 letters, digits, ``-`` or ``_``): a
retry with the same key answers the application the first request made; the same key with
another body answers 422; no key answers 400.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body, FromPath, HeaderParameter

from app.applications.applicant import ApplicantCases
from app.applications.case_models import Application, Channel
from app.applications.drafts import DraftService
from app.applications.submission import Submission, Submissions
from app.applications.timeline import delivery_choice_label
from app.assist.models import Scope
from app.miniprogram_api.catalog import department_name, text
from app.miniprogram_api.contract import ACTING_FOR
from app.web.access import Access
from app.web.agency import Applicant, bearer_applicant, permitted, require, require_submit
from app.web.providers.applications import (
    provide_applicant_cases,
    provide_case_context,
    provide_draft_materials,
    provide_drafts,
    provide_submissions,
)

IDEMPOTENCY_KEY = HeaderParameter(
    name="Idempotency-Key",
    pattern=r"^[A-Za-z0-9_-]{8,64}$",  # app.applications.submission.KEY_PATTERN
    min_length=8,
    max_length=64,
    description=(
        "A key the client makes once per submission (8–64 letters, digits, `-` or `_`) and "
        "sends again on a retry: the same key answers the application the first request made; "
        "the same key with another body answers 422 `idempotency_key_reused`."
    ),
)


class SubmitBody(msgspec.Struct, kw_only=True, rename="camel"):
    """Submit a draft that has reached its review."""

    draft_id: UUID
    delivery: str
    address: str = ""
    commitment: bool = False
    channel: Literal["wechat", "alipay"] = "wechat"


class SubCaseBody(msgspec.Struct, kw_only=True, rename="camel"):
    """One matter's progress and clock."""

    matter_code: str
    department: str
    state: str
    card: str
    started_on: date | None
    due_on: date | None
    reasons: str | None
    id: UUID | None = None  # for ``…/sub-cases/{id}/supplement``
    matter_name: str = ""  # the matter in words, in the request's language
    department_name: str = ""  # the department in words, in the request's language


class ApplicationBody(msgspec.Struct, kw_only=True, rename="camel"):
    """An application and where it stands."""

    id: UUID
    number: str
    bundle_code: str
    state: str
    submitted_at: datetime
    delivery: str
    deferred_materials: list[str]
    commitment_due_on: date | None
    return_reasons: str | None
    sub_cases: list[SubCaseBody] = msgspec.field(default_factory=list)
    delivery_label: str = ""  # ``delivery`` in words, in the request's language


class ApplicationList(msgspec.Struct, kw_only=True, rename="camel"):
    """My applications, the newest first (without sub-cases)."""

    applications: list[ApplicationBody]


async def _mine(
    request: Request[Any, Any, Any], mine: ApplicantCases, application_id: UUID,
    scope: Scope = Scope.VIEW_RESULTS, step: str = "",
) -> tuple[Application, Applicant]:  # fmt: skip
    """The applicant's application: 404 for anyone else's, or outside an agent's
    authorization (``scope``, as the pages check it), with whom the request applies as."""
    applicant = await bearer_applicant(request)
    application = await mine.get(
        applicant.person.id, application_id, enterprise_id=applicant.enterprise_id
    )
    note = f"application {application.number} {step}".rstrip()
    await require(request, applicant, application.bundle_code, scope, note)
    return application, applicant


def _matter_name(mine: ApplicantCases | None, code: str) -> str:
    matter = mine.catalog.matters.get(code) if mine is not None else None
    return text(matter.name) if matter is not None else code


async def _body(application: Application, mine: ApplicantCases | None = None) -> ApplicationBody:
    cases = await mine.sub_cases(application) if mine is not None else []
    return ApplicationBody(
        id=application.id, number=application.number, bundle_code=application.bundle_code,
        state=application.state, submitted_at=application.submitted_at,
        delivery=application.delivery, delivery_label=delivery_choice_label(application.delivery),
        deferred_materials=list(application.deferred_materials),
        commitment_due_on=application.commitment_due_on,
        return_reasons=application.return_reasons,
        sub_cases=[
            SubCaseBody(matter_code=c.matter_code, department=c.department_code, state=c.state,
                        card=c.card, started_on=c.started_on, due_on=c.due_on, reasons=c.reasons,
                        id=c.id, matter_name=_matter_name(mine, c.matter_code),
                        department_name=department_name(c.department_code))
            for c in cases
        ],
    )  # fmt: skip


class ApplicationApi(Controller):
    """My applications through the mini-program."""

    parameters = ACTING_FOR  # documents (and checks) the header the handlers honour

    path = "/applications"
    tags = ["mini-program: applications"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "drafts": Provide(provide_drafts),
        "materials": Provide(provide_draft_materials, sync_to_thread=False),
        "cases": Provide(provide_case_context, sync_to_thread=False),
        "mine": Provide(provide_applicant_cases, sync_to_thread=False),
        "submissions": Provide(provide_submissions, sync_to_thread=False),
    }

    @post("/", status_code=201)
    async def submit(
        self, request: Request[Any, Any, Any], data: Annotated[SubmitBody, Body()],
        idempotency_key: Annotated[str, IDEMPOTENCY_KEY],
        submissions: NamedDependency[Submissions], mine: NamedDependency[ApplicantCases],
        drafts: NamedDependency[DraftService],
    ) -> ApplicationBody:  # fmt: skip
        """Submit once: a retry with the same key answers the same application."""
        applicant = await bearer_applicant(request)
        await require_submit(request, applicant.agency, drafts, data.draft_id)
        submission = Submission(draft_id=data.draft_id, delivery=data.delivery,
                                address=data.address, commitment=data.commitment,
                                channel=Channel(data.channel))  # fmt: skip
        application = await submissions.submit(
            applicant.person.id, submission, enterprise_id=applicant.enterprise_id,
            key=idempotency_key, agent_person_id=applicant.agent_person_id,
        )  # fmt: skip
        return await _body(application, mine)

    @get("/")
    async def mine_list(
        self, request: Request[Any, Any, Any], mine: NamedDependency[ApplicantCases]
    ) -> ApplicationList:
        """My applications, the newest first (an agent sees only those they may follow)."""
        applicant = await bearer_applicant(request)
        found = await mine.mine(applicant.person.id, enterprise_id=applicant.enterprise_id)
        allowed = await permitted(request, applicant, Scope.VIEW_RESULTS)
        if allowed is not None:
            found = [a for a in found if a.bundle_code in allowed]
        return ApplicationList(applications=[await _body(a) for a in found])

    @get("/{application_id:uuid}")
    async def one(
        self, request: Request[Any, Any, Any], application_id: FromPath[UUID],
        mine: NamedDependency[ApplicantCases],
    ) -> ApplicationBody:  # fmt: skip
        """One of my applications with each matter's progress (someone else's: 404)."""
        application, _ = await _mine(request, mine, application_id)
        return await _body(application, mine)
