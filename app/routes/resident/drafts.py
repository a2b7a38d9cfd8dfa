"""A resident's way through a bundle: start, questions, the one notice, consent (pages).

The merged form, materials and review are in ``app.routes.resident.draft_form``. Every page
finds the draft through ``DraftService.get`` (someone else's draft is 404) and sends the applicant
back to the furthest step reached when they open one further ahead.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app import errors
from app.applications.drafts import DraftService, real_name_first
from app.applications.models import Draft, DraftStage
from app.assist.models import Scope
from app.identity.models import Person
from app.routes.shared.drafts import answers_from
from app.routes.shared.pages import FormBody
from app.web.access import Access
from app.web.agency import ACTED_PATHS, act, acting_principal, agency_so_far, allowed_bundles
from app.web.providers.applications import provide_draft_materials, provide_drafts
from app.web.subjects import acting_enterprise

STAGE_PAGES = {
    DraftStage.QUESTIONS: "questions",
    DraftStage.NOTICE: "notice",
    DraftStage.CONSENT: "consent",
    DraftStage.FORM: "form",
    DraftStage.MATERIALS: "materials",
    DraftStage.REVIEW: "review",
}

DRAFT_DEPENDENCIES = {
    "drafts": Provide(provide_drafts),
    "materials": Provide(provide_draft_materials, sync_to_thread=False),
}


class StartForm(msgspec.Struct, kw_only=True):
    """Which bundle to start (a missing code answers as an unknown one does: 404)."""

    bundle: str = ""


class ConsentForm(msgspec.Struct, kw_only=True):
    """``agree`` or ``decline``; anything else re-renders the consent page with its message."""

    decision: str = ""


async def applicant(request: Request[Any, Any, Any], person: Person) -> tuple[Person, UUID | None]:
    """Whom ``person`` (the signed-in resident) applies as, and the enterprise (None: themself).

    While a relative or guardian acts for a principal (``app.web.agency``), the principal
    on the acted pages (each step then checks its scope and bundle); the agent elsewhere.
    """
    agency = await acting_principal(request)
    if agency is not None and request.url.path.startswith(ACTED_PATHS):
        return agency.principal, None
    if agency is not None:  # elsewhere (their own notices …) the agent is themself
        return person, None
    acting = await acting_enterprise(request)
    return person, acting.id if acting else None


_STEP_NOTES = {"questions": "answers", "notice": "notice read", "consent": "consent",
               "form": "form", "materials": "materials"}  # fmt: skip


async def find_draft(
    request: Request[Any, Any, Any], person: Person, drafts: DraftService, draft_id: UUID
) -> tuple[Person, Draft]:
    """The applicant's draft (404 for anyone else's, or outside an agent's authorization).

    ``person`` is the signed-in resident; the first of the pair is whom they apply as.
    """
    applying_as, enterprise_id = await applicant(request, person)
    draft = await drafts.get(applying_as, draft_id, enterprise_id=enterprise_id)
    if agency_so_far(request) is not None:
        last = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        step = _STEP_NOTES.get(last, "open") if request.method == "POST" else "open"
        if request.method == "POST" and last.startswith("material"):
            step = "materials"
        await act(request, draft.bundle_code, note=f"draft {draft.id} {step}")
    return applying_as, draft


def step_url(draft: Draft, stage: DraftStage | None = None) -> str:
    """The page of ``stage`` (default: the furthest reached) of ``draft``."""
    return f"/me/drafts/{draft.id}/{STAGE_PAGES[stage or draft.stage]}"


def page(
    name: str, drafts: DraftService, draft: Draft, status: int = 200, **context: Any
) -> Template:
    """A step page with what every step shows: the bundle, the steps, the current stage."""
    return Template(
        template_name=f"drafts/{name}.html",
        context={
            "tab": "services",
            "draft": draft,
            "bundle": drafts.bundle(draft),
            "catalog": drafts.catalog,
            "step": name,
            "reached": lambda stage: drafts.reached(draft, DraftStage(stage)),
            "errors": {},
            "message": None,
            **context,
        },
        status_code=status,
    )


def _cannot_start(exc: errors.RuleViolation, code: str) -> Template:
    return Template(
        template_name="drafts/cannot_start.html",
        context={"tab": "services", "message": exc.message, "code": code},
        status_code=422,
    )


class DraftController(Controller):
    """``/me/drafts``: start, list, questions, notice and consent."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012
    dependencies = DRAFT_DEPENDENCIES

    @post("/me/drafts", status_code=303)
    async def start(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        data: Annotated[StartForm, FormBody], drafts: NamedDependency[DraftService],
    ) -> Redirect | Template:  # fmt: skip
        """Start (or resume) the applicant's draft of a bundle."""
        applying_as, enterprise_id = await applicant(request, person)
        code = data.bundle
        await act(request, code, scope=Scope.PREPARE, note=f"start {code}")
        try:
            draft = await drafts.start(applying_as, code, enterprise_id=enterprise_id)
        except errors.RuleViolation as exc:
            return _cannot_start(exc, code)
        return Redirect(step_url(draft), status_code=303)

    @get("/me/drafts/new")
    async def new(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        drafts: NamedDependency[DraftService], bundle: FromQuery[str] = "",
    ) -> Template | Redirect:  # fmt: skip
        """Where "apply online" leads someone who had to sign in first (the guide's link, kept
        through the sign-in as ``next``): their open draft of the bundle, or one button that
        starts it. Starting stays a POST with its CSRF token: a link must not make a draft."""
        applying_as, enterprise_id = await applicant(request, person)
        found = await drafts.open_draft(applying_as, bundle, enterprise_id=enterprise_id)
        if found is not None:
            return Redirect(step_url(found), status_code=303)
        try:
            chosen = drafts.startable(bundle, enterprise_id=enterprise_id)
        except errors.RuleViolation as exc:  # an outline, or for the other kind of applicant
            return _cannot_start(exc, bundle)
        return Template(
            template_name="drafts/start.html",
            context={"tab": "services", "bundle": chosen,
                     "real_name_first": real_name_first(drafts.catalog, chosen, applying_as)},
        )  # fmt: skip

    @get("/me/drafts")
    async def mine(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        drafts: NamedDependency[DraftService],
    ) -> Template:  # fmt: skip
        """The applicant's unsubmitted drafts, to resume on any device."""
        applying_as, enterprise_id = await applicant(request, person)
        mine = await drafts.mine(applying_as, enterprise_id=enterprise_id)
        allowed = await allowed_bundles(request, Scope.PREPARE)
        if allowed is not None:  # an agent sees only the drafts they may prepare
            mine = [d for d in mine if d.bundle_code in allowed]
        return Template(
            template_name="drafts/mine.html",
            context={"tab": "services", "drafts": mine, "catalog": drafts.catalog,
                     "step_url": step_url},
        )  # fmt: skip

    @get("/me/drafts/{draft_id:uuid}")
    async def resume(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], drafts: NamedDependency[DraftService],
    ) -> Redirect:  # fmt: skip
        """Continue where the applicant left off."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        return Redirect(step_url(draft), status_code=303)

    @get("/me/drafts/{draft_id:uuid}/questions")
    async def questions(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], drafts: NamedDependency[DraftService],
    ) -> Template:  # fmt: skip
        """The questionnaire with the matters its answers select."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        _, _, selection = drafts.preview(draft, draft.answers, draft.deselected)
        return page("questions", drafts, draft, answers=draft.answers, selection=selection,
                    deselected=set(draft.deselected))  # fmt: skip

    @post("/me/drafts/{draft_id:uuid}/questions/preview")
    async def preview(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], drafts: NamedDependency[DraftService],
    ) -> Template:  # fmt: skip
        """htmx: the questionnaire re-rendered for answers so far (nothing is saved)."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        answers, deselect = answers_from(await request.form())  # dynamic names: see answers_from
        kept, _, selection = drafts.preview(draft, answers, deselect)
        return page("_questionnaire", drafts, draft, answers=kept, selection=selection,
                    deselected=set(selection.deselected))  # fmt: skip

    @post("/me/drafts/{draft_id:uuid}/questions", status_code=303)
    async def answer(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], drafts: NamedDependency[DraftService],
    ) -> Redirect | Template:  # fmt: skip
        """Save complete answers and the choice of matters, then show the notice."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        answers, deselect = answers_from(await request.form())  # dynamic names: see answers_from
        try:
            await drafts.answer(draft, answers, deselect)
        except errors.RuleViolation as exc:
            kept, _, selection = drafts.preview(draft, answers, deselect)
            message = None if exc.fields else exc.message
            return page("questions", drafts, draft, 422, answers=kept, selection=selection,
                        deselected=set(deselect), errors=exc.fields, message=message)  # fmt: skip
        return Redirect(step_url(draft, DraftStage.NOTICE), status_code=303)

    @get("/me/drafts/{draft_id:uuid}/notice")
    async def notice(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], drafts: NamedDependency[DraftService],
    ) -> Template | Redirect:  # fmt: skip
        """一次告知: everything about the selected matters on one page."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        if not drafts.reached(draft, DraftStage.NOTICE):
            return Redirect(step_url(draft), status_code=303)
        return page("notice", drafts, draft, notice=drafts.notice(draft),
                    reads_records=bool(drafts.record_requests(draft)))  # fmt: skip

    @post("/me/drafts/{draft_id:uuid}/notice", status_code=303)
    async def acknowledge(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], drafts: NamedDependency[DraftService],
    ) -> Redirect:  # fmt: skip
        """The notice is read: on to the consent (or the form when no record is read)."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        await drafts.acknowledge_notice(draft)
        return Redirect(step_url(draft), status_code=303)

    @get("/me/drafts/{draft_id:uuid}/consent")
    async def consent(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], drafts: NamedDependency[DraftService],
    ) -> Template | Redirect:  # fmt: skip
        """Which records would be read, which fields, for what: agree or decline."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        if not drafts.reached(draft, DraftStage.CONSENT):
            return Redirect(step_url(draft), status_code=303)
        return page("consent", drafts, draft, requests=drafts.record_requests(draft))

    @post("/me/drafts/{draft_id:uuid}/consent", status_code=303)
    async def decide(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID],
        data: Annotated[ConsentForm, FormBody], drafts: NamedDependency[DraftService],
    ) -> Redirect | Template:  # fmt: skip
        """Agree: read the records into the form. Decline: fill everything by hand."""
        applying_as, draft = await find_draft(request, person, drafts, draft_id)
        missing: list[str] = []
        try:
            if data.decision == "agree":
                missing = await drafts.grant_consent(draft, applying_as)
            elif data.decision == "decline":
                await drafts.decline_consent(draft)
            else:
                raise errors.RuleViolation
        except (errors.RuleViolation, errors.Unavailable) as exc:
            status = 503 if isinstance(exc, errors.Unavailable) else 422
            return page("consent", drafts, draft, status, message=exc.message,
                        requests=drafts.record_requests(draft))  # fmt: skip
        # Only source codes travel in the URL: which records were down, never any value.
        query = f"?unavailable={','.join(missing)}" if missing else ""
        return Redirect(step_url(draft, DraftStage.FORM) + query, status_code=303)
