"""``/mp/v1/applications/{id}/…``: what the applicant does after submitting, as the pages do.

Withdraw before acceptance, add a file asked for (补正, a reviewer's supplement, a promised
material 容缺), send a supplement, resubmit a returned application, and rate the finished one
(好差评: one or two stars open a complaint a supervisor must answer). The same services as
``/me/applications`` (``ApplicantCases``, ``Ratings``); someone else's application answers
404, a step its state does not allow 409.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Response

from app import errors
from app.applications.applicant import ApplicantCases
from app.applications.case_models import Application, Complaint, Rating
from app.applications.context import CaseContext
from app.applications.ratings import TAGS, Ratings
from app.applications.states import Actor
from app.applications.uploads import EMPTY
from app.assist.models import Scope
from app.i18n import gettext as _
from app.miniprogram_api.applications import ApplicationBody, _body
from app.miniprogram_api.applications import _mine as _application
from app.miniprogram_api.contract import ACTING_FOR
from app.miniprogram_api.draft_materials import (
    FILE_MEDIA_TYPE,
    MaterialFile,
    UploadBody,
    upload_body,
)
from app.web.access import Access
from app.web.files import stored_file
from app.web.providers.applications import provide_applicant_cases, provide_case_context


class SupplementCreate(msgspec.Struct, kw_only=True, rename="camel"):
    """The supplement a reviewer asked for is complete; a note for them, if any."""

    note: Annotated[str, msgspec.Meta(max_length=4000)] = ""


class RatingCreate(msgspec.Struct, kw_only=True, rename="camel"):
    """好差评: one to five stars, tags from ``GET …/rating``'s list, a comment."""

    stars: int = 0  # none chosen: the service's message, as on the page
    tags: Annotated[list[str], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)
    comment: Annotated[str, msgspec.Meta(max_length=4000)] = ""


class TagBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A tag a rating may carry."""

    code: str
    label: str


class ComplaintBody(msgspec.Struct, kw_only=True, rename="camel"):
    """The complaint a poor rating opened: due by, overdue, and the supervisor's answer."""

    state: str
    due_on: date
    overdue: bool
    answer: str | None
    answered_at: datetime | None


class RatingBody(msgspec.Struct, kw_only=True, rename="camel"):
    """The application's rating once given."""

    stars: int = 0  # none chosen: the service's message, as on the page
    tags: list[str]
    comment: str
    created_at: datetime


class RatingState(msgspec.Struct, kw_only=True, rename="camel"):
    """My rating of the application (none yet: null), its complaint, and the tags offered."""

    rating: RatingBody | None
    complaint: ComplaintBody | None
    tags: list[TagBody]


class WantedMaterials(msgspec.Struct, kw_only=True, rename="camel"):
    """Files that can be added now (material code -> the matters asking), and those added."""

    wanted: dict[str, list[str]]
    uploads: list[UploadBody]


def _rating_state(rating: Rating | None, complaint: Complaint | None) -> RatingState:
    return RatingState(
        rating=None if rating is None else RatingBody(
            stars=rating.stars, tags=list(rating.tags), comment=rating.comment,
            created_at=rating.created_at,
        ),
        complaint=None if complaint is None else ComplaintBody(
            state=complaint.state, due_on=complaint.due_on,
            overdue=complaint.overdue_at is not None, answer=complaint.answer,
            answered_at=complaint.answered_at,
        ),
        tags=[TagBody(code=code, label=_(label)) for code, label in TAGS.items()],
    )  # fmt: skip


async def _mine(
    request: Request[Any, Any, Any], mine: ApplicantCases, application_id: UUID,
    scope: Scope = Scope.VIEW_RESULTS, step: str = "",
) -> tuple[Application, Actor]:  # fmt: skip
    """The applicant's application (404 otherwise) and who acts, as its history records it.

    An agent's steps pass their authorization's ``scope`` first: following an application
    is ``view_results``, changing it ``submit``, as on the pages.
    """
    application, applicant = await _application(request, mine, application_id, scope, step)
    return application, applicant.actor


class ApplicationActionApi(Controller):
    """The applicant's steps on a submitted application."""

    parameters = ACTING_FOR  # documents (and checks) the header the handlers honour

    path = "/applications/{application_id:uuid}"
    tags = ["mini-program: applications"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "cases": Provide(provide_case_context, sync_to_thread=False),
        "mine": Provide(provide_applicant_cases, sync_to_thread=False),
    }

    @post("/withdraw", status_code=200)
    async def withdraw(
        self, request: Request[Any, Any, Any], application_id: FromPath[UUID],
        mine: NamedDependency[ApplicantCases],
    ) -> ApplicationBody:  # fmt: skip
        """Withdraw before acceptance (409 once accepted)."""
        application, actor = await _mine(request, mine, application_id, Scope.SUBMIT, "withdraw")
        await mine.withdraw(application, actor)
        return await _body(application, mine)

    @post("/resubmit", status_code=200)
    async def resubmit(
        self, request: Request[Any, Any, Any], application_id: FromPath[UUID],
        mine: NamedDependency[ApplicantCases],
    ) -> ApplicationBody:  # fmt: skip
        """Send a returned application again (409 unless it was returned)."""
        application, actor = await _mine(request, mine, application_id, Scope.SUBMIT, "resubmit")
        await mine.resubmit(application, actor)
        return await _body(application, mine)

    @get("/materials")
    async def wanted(
        self, request: Request[Any, Any, Any], application_id: FromPath[UUID],
        mine: NamedDependency[ApplicantCases],
    ) -> WantedMaterials:  # fmt: skip
        """What may be added now, and every file the application has."""
        application, _ = await _mine(request, mine, application_id)
        wanted = await mine.wanted_materials(application)
        return WantedMaterials(
            wanted={code: sorted(matters) for code, matters in wanted.items()},
            uploads=[upload_body(u) for u in await mine.uploads(application)],
        )

    @post("/materials/{code:str}", status_code=201)
    async def upload(
        self, request: Request[Any, Any, Any], application_id: FromPath[UUID],
        code: FromPath[str],
        data: Annotated[MaterialFile, Body(media_type=RequestEncodingType.MULTI_PART)],
        mine: NamedDependency[ApplicantCases],
    ) -> UploadBody:  # fmt: skip
        """Add a file asked for now (multipart ``file``), cleaned and sealed like the draft's."""
        application, actor = await _mine(request, mine, application_id, Scope.SUBMIT, "materials")
        if data.file is None:
            raise errors.RuleViolation(fields={f"material:{code}": EMPTY})
        content = await data.file.read()
        stored = await mine.upload(application, code, data.file.filename or "", content, actor)
        return upload_body(stored)

    @get("/uploads/{upload_id:uuid}", media_type=FILE_MEDIA_TYPE)
    async def upload_content(
        self, request: Request[Any, Any, Any], application_id: FromPath[UUID],
        upload_id: FromPath[UUID], mine: NamedDependency[ApplicantCases],
    ) -> Response[bytes]:  # fmt: skip
        """One of the application's files; its type and name are in ``…/materials``."""
        application, _ = await _mine(request, mine, application_id)
        upload = await mine.upload_of(application, upload_id)
        return stored_file(await mine.content(upload), FILE_MEDIA_TYPE)

    @post("/sub-cases/{sub_case_id:uuid}/supplement", status_code=200)
    async def supplement(
        self, request: Request[Any, Any, Any], application_id: FromPath[UUID],
        sub_case_id: FromPath[UUID], data: Annotated[SupplementCreate, Body()],
        mine: NamedDependency[ApplicantCases],
    ) -> ApplicationBody:  # fmt: skip
        """The supplement a reviewer asked for is complete: that item's review goes on."""
        application, actor = await _mine(request, mine, application_id, Scope.SUBMIT, "supplement")
        await mine.send_supplement(application, sub_case_id, actor, data.note)
        return await _body(application, mine)

    @get("/rating")
    async def rating(
        self, request: Request[Any, Any, Any], application_id: FromPath[UUID],
        mine: NamedDependency[ApplicantCases], cases: NamedDependency[CaseContext],
    ) -> RatingState:  # fmt: skip
        """My rating, the complaint it opened, and the tags to choose from."""
        application, _ = await _mine(request, mine, application_id)
        return _rating_state(*await Ratings(cases).of(application))

    @post("/rating", status_code=201)
    async def rate(
        self, request: Request[Any, Any, Any], application_id: FromPath[UUID],
        data: Annotated[RatingCreate, Body()], mine: NamedDependency[ApplicantCases],
        cases: NamedDependency[CaseContext],
    ) -> RatingState:  # fmt: skip
        """Rate the finished application once (409 before it finishes or a second time)."""
        application, applicant = await _application(
            request, mine, application_id, Scope.SUBMIT, "rating"
        )
        ratings = Ratings(cases)
        await ratings.rate(application, applicant.person.id, data.stars, data.tags, data.comment)
        return _rating_state(*await ratings.of(application))
