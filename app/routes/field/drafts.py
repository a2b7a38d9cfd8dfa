"""The resident's draft on the field worker's tablet: the same steps as the resident's own.

Each handler asks ``AssistedDesk.draft`` for the draft with the scope its step needs
(prepare, consent, submit): no active authorization naming it, no draft (404). The
services are the resident's own (``DraftService``, ``DraftMaterials``, ``Submissions``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID, uuid4

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from app import errors
from app.applications.models import Draft, DraftStage
from app.applications.uploads import EMPTY
from app.assist.acting import AssistedDesk
from app.assist.idempotency import IdempotencyKeys, fingerprint
from app.assist.models import Scope
from app.catalog.engine import merged_field_keys
from app.composition.runtime import Runtime
from app.routes.field.visits import FIELD_DEPENDENCIES, visit_url
from app.routes.shared.drafts import answers_from
from app.routes.shared.pages import NO_STORE, VISITS, FormBody
from app.web.access import Access

DRAFT = f"{VISITS}/{{visit_id:uuid}}/drafts/{{draft_id:uuid}}"


class StartForm(msgspec.Struct, kw_only=True):
    """The bundle to start a draft of (one the authorization names, or 404)."""

    bundle: str = ""


class ConsentForm(msgspec.Struct, kw_only=True):
    """agree | decline; anything else is refused."""

    decision: str = ""


class MaterialForm(msgspec.Struct, kw_only=True):
    """A material's photo; an empty file input arrives as none (refused with its message)."""

    file: UploadFile | None = None


class SubmitForm(msgspec.Struct, kw_only=True):
    """The review step's submit. Multipart: the tablet's outbox sends every save as FormData,
    live or replayed; a browser without the script posts it URL-encoded, which reads the same
    because the CSRF check has already parsed the form by its own content type."""

    idempotency_key: str = ""
    delivery: str = ""
    address: str = ""
    commitment: str = ""


def draft_url(visit_id: UUID, draft: Draft) -> str:
    """The tablet page of the draft (it shows the furthest step reached)."""
    return f"{VISITS}/{visit_id}/drafts/{draft.id}"


async def draft_page(
    desk: AssistedDesk, visit_id: UUID, draft: Draft, status: int = 200, **context: Any
) -> Template:
    """The current step of the draft, with what that step needs."""
    drafts = desk.drafts
    selection = drafts.selection(draft)
    step: dict[str, Any] = {"answers": draft.answers, "selection": selection,
                            "deselected": set(draft.deselected)}  # fmt: skip
    if drafts.reached(draft, DraftStage.NOTICE):
        step["notice"] = drafts.notice(draft)
        step["requests"] = drafts.record_requests(draft)
    if drafts.reached(draft, DraftStage.FORM):
        step["groups"] = drafts.form(draft)
        step["values"] = drafts.values(draft)
    if drafts.reached(draft, DraftStage.MATERIALS):
        step["needs"] = await desk.materials.needs(draft)
    return Template(
        template_name="assist/draft.html",
        context={"visit_id": visit_id, "draft": draft, "bundle": drafts.bundle(draft),
                 "replay_key": uuid4().hex,
                 "catalog": drafts.catalog, "errors": {}, "message": None, **step, **context},
        status_code=status, headers=NO_STORE,
    )  # fmt: skip


async def replay_safe(
    request: Request[Any, Any, Any], desk: AssistedDesk, runtime: Runtime,
    run: Callable[[], Awaitable[str | Template]],
) -> Redirect | Template:  # fmt: skip
    """Run a save once per Idempotency-Key (header, or the form's ``idempotency_key``).

    ``run`` returns where to send the tablet on success (stored for replays), or a page
    with errors (nothing changed: the key is released).
    """
    # The raw form on purpose: the fingerprint covers every field and file a save posted,
    # whichever route it is, so a replayed key with another body is told apart.
    form = await request.form()
    key = request.headers.get("idempotency-key") or str(form.get("idempotency_key", ""))
    parts: list[tuple[str, str | bytes]] = []
    for name, value in form.multi_items():
        if name in ("_csrf_token", "idempotency_key"):
            continue
        if isinstance(value, UploadFile):
            parts.append((name, await value.read()))
            await value.seek(0)
        else:
            parts.append((name, str(value)))
    keys = IdempotencyKeys(runtime.redis)
    scope = f"field:{desk.agent.id}:{request.url.path}"
    body = fingerprint(parts)
    done = await keys.claim(scope, key, body)
    if done is not None:
        return Redirect(done, status_code=303)
    try:
        result = await run()
    except BaseException:
        await keys.release(scope, key)
        raise
    if isinstance(result, Template):
        await keys.release(scope, key)
        return result
    await desk.commit()  # the replay record must never claim work a failed commit undid
    await keys.finish(scope, key, body, result)
    return Redirect(result, status_code=303)


class FieldDraftController(Controller):
    """``/staff/visits/<visit>/drafts``: preparing and submitting for the resident."""

    include_in_schema = False
    opt = {"access": Access.STAFF_FIELD_WORKER}  # noqa: RUF012
    dependencies = FIELD_DEPENDENCIES

    @post(f"{VISITS}/{{visit_id:uuid}}/drafts", status_code=303)
    async def start(
        self, visit_id: FromPath[UUID], data: Annotated[StartForm, FormBody],
        desk: NamedDependency[AssistedDesk],
    ) -> Redirect:  # fmt: skip
        """Start (or resume) the resident's draft of a bundle the authorization names."""
        draft = await desk.start(visit_id, data.bundle)
        return Redirect(draft_url(visit_id, draft), status_code=303)

    @get(DRAFT)
    async def show(
        self, visit_id: FromPath[UUID], draft_id: FromPath[UUID],
        desk: NamedDependency[AssistedDesk],
    ) -> Template:  # fmt: skip
        """The furthest step reached."""
        _, draft = await desk.draft(visit_id, draft_id, Scope.PREPARE, note="open")
        return await draft_page(desk, visit_id, draft)

    @post(f"{DRAFT}/questions", status_code=303)
    async def answer(
        self, request: Request[Any, Any, Any], visit_id: FromPath[UUID],
        draft_id: FromPath[UUID], desk: NamedDependency[AssistedDesk],
    ) -> Redirect | Template:  # fmt: skip
        """The resident's answers, as the worker enters them."""
        _, draft = await desk.draft(visit_id, draft_id, Scope.PREPARE, note="answers")
        # The raw form on purpose: the questions' names (q.<key>) come from the catalog, so
        # no fixed Struct can list them; answers_from is the resident's pages' reader too.
        answers, deselect = answers_from(await request.form())
        try:
            await desk.drafts.answer(draft, answers, deselect)
        except errors.RuleViolation as exc:
            # The answers as given, so that the follow-up questions they open are shown
            # (the tablet has no live re-rendering of the questionnaire).
            return await draft_page(desk, visit_id, draft, 422, errors=exc.fields, answers=answers,
                                    message=None if exc.fields else exc.message)  # fmt: skip
        return Redirect(draft_url(visit_id, draft), status_code=303)

    @post(f"{DRAFT}/notice", status_code=303)
    async def acknowledge(
        self, visit_id: FromPath[UUID], draft_id: FromPath[UUID],
        desk: NamedDependency[AssistedDesk],
    ) -> Redirect:  # fmt: skip
        """The notice was read to the resident."""
        _, draft = await desk.draft(visit_id, draft_id, Scope.PREPARE, note="notice read")
        await desk.drafts.acknowledge_notice(draft)
        return Redirect(draft_url(visit_id, draft), status_code=303)

    @post(f"{DRAFT}/consent", status_code=303)
    async def consent(
        self, visit_id: FromPath[UUID], draft_id: FromPath[UUID],
        data: Annotated[ConsentForm, FormBody], desk: NamedDependency[AssistedDesk],
    ) -> Redirect:  # fmt: skip
        """Agree (scope: consent; reads are logged under the worker) or decline."""
        if data.decision == "agree":
            person, draft = await desk.draft(visit_id, draft_id, Scope.CONSENT, note="consent")
            await desk.drafts.grant_consent(draft, person)
        elif data.decision == "decline":
            _, draft = await desk.draft(visit_id, draft_id, Scope.PREPARE, note="no consent")
            await desk.drafts.decline_consent(draft)
        else:
            raise errors.RuleViolation
        return Redirect(draft_url(visit_id, draft), status_code=303)

    @post(f"{DRAFT}/form", status_code=303)
    async def save(
        self, request: Request[Any, Any, Any], visit_id: FromPath[UUID],
        draft_id: FromPath[UUID], desk: NamedDependency[AssistedDesk],
        runtime: NamedDependency[Runtime],
    ) -> Redirect | Template:  # fmt: skip
        """The form's values; complete, on to the materials. Replays apply once."""

        async def run() -> str | Template:
            _, draft = await desk.draft(visit_id, draft_id, Scope.PREPARE, note="form")
            # The raw form on purpose: the fields are the merged form of the matters chosen,
            # named by the catalog, so no fixed Struct can list them.
            form = await request.form()
            selected = desk.drafts.selection(draft).selected_codes
            keys = merged_field_keys(desk.drafts.catalog, selected)
            typed = {k: str(form.get(k)) for k in keys if k in form}
            try:
                await desk.drafts.save_values(draft, typed, complete=True)
            except errors.RuleViolation as exc:
                return await draft_page(desk, visit_id, draft, 422, errors=exc.fields)
            return draft_url(visit_id, draft)

        return await replay_safe(request, desk, runtime, run)

    @post(f"{DRAFT}/materials/{{code:str}}", status_code=303)
    async def upload(
        self, request: Request[Any, Any, Any], visit_id: FromPath[UUID],
        draft_id: FromPath[UUID], code: FromPath[str],
        data: Annotated[MaterialForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        desk: NamedDependency[AssistedDesk], runtime: NamedDependency[Runtime],
    ) -> Redirect | Template:  # fmt: skip
        """A photo of a material, taken with the tablet's camera. A replay stores it once."""

        async def run() -> str | Template:
            _, draft = await desk.draft(visit_id, draft_id, Scope.PREPARE, note=f"material {code}")
            file = data.file
            try:
                if file is None:
                    raise errors.RuleViolation(fields={f"material:{code}": EMPTY})
                await desk.materials.upload(draft, code, file.filename or "", await file.read())
            except errors.RuleViolation as exc:
                return await draft_page(desk, visit_id, draft, 422, errors=exc.fields)
            return draft_url(visit_id, draft)

        return await replay_safe(request, desk, runtime, run)

    @post(f"{DRAFT}/materials", status_code=303)
    async def finish_materials(
        self, visit_id: FromPath[UUID], draft_id: FromPath[UUID],
        desk: NamedDependency[AssistedDesk],
    ) -> Redirect | Template:  # fmt: skip
        """Materials done: on to the review."""
        _, draft = await desk.draft(visit_id, draft_id, Scope.PREPARE, note="materials")
        try:
            await desk.materials.finish(draft)
        except errors.RuleViolation as exc:
            return await draft_page(desk, visit_id, draft, 422, errors=exc.fields,
                                    message=exc.message)  # fmt: skip
        return Redirect(draft_url(visit_id, draft), status_code=303)

    @post(f"{DRAFT}/submit", status_code=303)
    async def submit(
        self, request: Request[Any, Any, Any], visit_id: FromPath[UUID],
        draft_id: FromPath[UUID],
        data: Annotated[SubmitForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        desk: NamedDependency[AssistedDesk], runtime: NamedDependency[Runtime],
    ) -> Redirect | Template:  # fmt: skip
        """Submit for the resident on the field channel; a replayed key makes nothing new."""

        async def run() -> str | Template:
            key = request.headers.get("idempotency-key") or data.idempotency_key
            try:
                application = await desk.submit(
                    visit_id, draft_id, delivery=data.delivery, address=data.address,
                    commitment=data.commitment == "yes", key=key,
                )  # fmt: skip
            except errors.RuleViolation as exc:
                if not exc.fields:  # a bad or reused key: the error page says what to do
                    raise
                _, draft = await desk.draft(visit_id, draft_id, Scope.SUBMIT, note="refused")
                return await draft_page(desk, visit_id, draft, 422, errors=exc.fields)
            return f"{visit_url(visit_id)}?submitted={application.number}"

        return await replay_safe(request, desk, runtime, run)
