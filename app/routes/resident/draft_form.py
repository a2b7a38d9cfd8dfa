"""The merged form (一表申请), its autosave, materials (一套材料) and the review (pages)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Response, Template

from app import errors
from app.applications.draft_materials import DraftMaterials
from app.applications.drafts import STEP_MISSING_CODE, DraftService, DraftValues
from app.applications.models import Draft, DraftStage
from app.applications.uploads import EMPTY
from app.catalog.engine import merged_field_keys
from app.identity.models import Person
from app.routes.resident.drafts import DRAFT_DEPENDENCIES, find_draft, page, step_url
from app.routes.shared.drafts import answers_from
from app.routes.shared.pages import FormBody, UploadBody
from app.web.access import Access
from app.web.files import stored_file


class CorrectionForm(msgspec.Struct, kw_only=True):
    """Reporting a wrong pre-filled value: which field, and what is wrong with it."""

    field: str = ""
    note: str = ""


class FileForm(msgspec.Struct, kw_only=True):
    """One file for one material (none chosen: the materials page says so)."""

    file: UploadFile | None = None


def _typed(form: Any, drafts: DraftService, draft: Draft) -> dict[str, str]:
    # Not a form Struct: the merged form's fields are those of the matters selected for this
    # draft (catalog keys), so only the raw form can be read; only those keys are taken, and
    # ``DraftService.save_values`` checks each value against its field.
    keys = merged_field_keys(drafts.catalog, drafts.selection(draft).selected_codes)
    return {k: str(form.get(k)) for k in keys if k in form}


def _form_page(
    drafts: DraftService, draft: Draft, values: DraftValues, status: int = 200,
    name: str = "form", **context: Any,
) -> Template:  # fmt: skip
    selection = drafts.selection(draft)
    return page(name, drafts, draft, status, groups=drafts.form(draft), values=values,
                selection=selection, deselected=set(selection.deselected), **context)  # fmt: skip


def _correction_page(
    drafts: DraftService, draft: Draft, key: str, status: int = 200, **context: Any
) -> Template:
    prefilled = drafts.values(draft).prefilled.get(key)
    if prefilled is None:
        raise errors.NotFound
    field = drafts.catalog.fields[key]
    context.setdefault("note", "")
    return page("correction", drafts, draft, status, prefilled=prefilled, field=field, **context)


async def review_page(
    drafts: DraftService, materials: DraftMaterials, draft: Draft, status: int = 200,
    **context: Any,
) -> Template:  # fmt: skip
    """The review with the submit form; a fresh idempotency key each time it is shown."""
    needs = await materials.needs(draft)
    notice = drafts.notice(draft)
    context.setdefault("chosen", {"delivery": str(notice.deliveries[0]) if notice.deliveries
                                  else "", "address": "", "commitment": False})  # fmt: skip
    to_follow = [
        n for n in needs
        if n.material.required and n.material.may_defer and not n.proven and not n.uploads
    ]  # fmt: skip
    return _form_page(drafts, draft, drafts.values(draft), status, name="review", needs=needs,
                      notice=notice, to_follow=to_follow, idempotency_key=uuid4().hex,
                      **context)  # fmt: skip


class DraftFormController(Controller):
    """``/me/drafts/{id}/form``, ``/materials``, ``/review``."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012
    dependencies = DRAFT_DEPENDENCIES

    @get("/me/drafts/{draft_id:uuid}/form")
    async def form(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], drafts: NamedDependency[DraftService],
    ) -> Template | Redirect:  # fmt: skip
        """The merged form, pre-filled from the records the applicant agreed to."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        if not drafts.reached(draft, DraftStage.FORM):
            return Redirect(step_url(draft), status_code=303)
        return _form_page(drafts, draft, drafts.values(draft))

    @post("/me/drafts/{draft_id:uuid}/form", status_code=303)
    async def submit_form(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], drafts: NamedDependency[DraftService],
    ) -> Template | Redirect:  # fmt: skip
        """Check every field; on a problem the form comes back with messages, nothing saved."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        typed = _typed(await request.form(), drafts, draft)
        try:
            await drafts.save_values(draft, typed, complete=True)
        except errors.RuleViolation as exc:
            values = drafts.values(draft)
            values.values |= typed  # show what was typed, so it can be corrected in place
            return _form_page(drafts, draft, values, 422, errors=exc.fields)
        return Redirect(step_url(draft, DraftStage.MATERIALS), status_code=303)

    @post("/me/drafts/{draft_id:uuid}/autosave")
    async def autosave(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], drafts: NamedDependency[DraftService],
    ) -> Template | ClientRedirect:  # fmt: skip
        """htmx: save what is typed so far (incomplete is fine, malformed is not)."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        try:
            await drafts.save_values(draft, _typed(await request.form(), drafts, draft),
                                     complete=False)  # fmt: skip
        except errors.RuleViolation as exc:
            if exc.code == STEP_MISSING_CODE:  # the form is not open (any more): go where it is
                return ClientRedirect(step_url(draft))
            return page("_autosave", drafts, draft, 422, errors=exc.fields)
        return page("_autosave", drafts, draft, saved_at=datetime.now(UTC).timestamp())

    @post("/me/drafts/{draft_id:uuid}/matters")
    async def choose_matters(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], drafts: NamedDependency[DraftService],
    ) -> Template | Redirect | ClientRedirect:  # fmt: skip
        """Leave an optional matter out or bring it back: the form loses or regains its fields."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        form = await request.form()  # the merged form's own fields: see _typed
        typed = _typed(form, drafts, draft)
        _, deselect = answers_from(form)
        message = None
        try:
            await drafts.set_deselected(draft, deselect)
        except errors.RuleViolation as exc:
            message = next(iter(exc.fields.values()), exc.message)
        values = drafts.values(draft)
        values.values |= {k: v for k, v in typed.items() if v}
        if drafts.reached(draft, DraftStage.FORM):
            name = "_form" if request.headers.get("hx-request") else "form"
            return _form_page(drafts, draft, values, name=name, message=message)
        # A service taken back reads records the consent does not name: it is asked again,
        # and the consent page says why (the whole page changes, not just the form's body).
        target = f"{step_url(draft)}?more=1"
        if request.headers.get("hx-request"):
            return ClientRedirect(target)
        return Redirect(target, status_code=303)

    @post("/me/drafts/{draft_id:uuid}/corrections", status_code=303)
    async def report_error(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID],
        data: Annotated[CorrectionForm, FormBody], drafts: NamedDependency[DraftService],
    ) -> Template | Redirect:  # fmt: skip
        """ "This value is wrong": a correction request goes to the record's source."""
        applying_as, draft = await find_draft(request, person, drafts, draft_id)
        try:
            await drafts.report_error(draft, applying_as, data.field, data.note)
        except errors.RuleViolation as exc:
            return _correction_page(drafts, draft, data.field, 422, errors=exc.fields,
                                    note=data.note)  # fmt: skip
        return Redirect(f"{step_url(draft, DraftStage.FORM)}?reported=1", status_code=303)

    @get("/me/drafts/{draft_id:uuid}/corrections")
    async def correction_form(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], drafts: NamedDependency[DraftService], field: FromQuery[str] = "",
    ) -> Template:  # fmt: skip
        """The "report an error" form for one pre-filled field."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        return _correction_page(drafts, draft, field)

    @get("/me/drafts/{draft_id:uuid}/materials")
    async def materials(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID],
        drafts: NamedDependency[DraftService], materials: NamedDependency[DraftMaterials],
    ) -> Template | Redirect:  # fmt: skip
        """One set of materials: what is proven already, what to upload, what may follow."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        if not drafts.reached(draft, DraftStage.MATERIALS):
            return Redirect(step_url(draft), status_code=303)
        return page("materials", drafts, draft, needs=await materials.needs(draft))

    @post("/me/drafts/{draft_id:uuid}/materials/{code:str}", status_code=303)
    async def upload(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], code: FromPath[str], data: Annotated[FileForm, UploadBody],
        drafts: NamedDependency[DraftService], materials: NamedDependency[DraftMaterials],
    ) -> Template | Redirect:  # fmt: skip
        """Upload one file for one material (multipart); refused files change nothing."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        try:
            if data.file is None:
                raise errors.RuleViolation(fields={f"material:{code}": EMPTY})
            await materials.upload(draft, code, data.file.filename or "", await data.file.read())
        except errors.RuleViolation as exc:
            return page("materials", drafts, draft, 422, needs=await materials.needs(draft),
                        errors=exc.fields)  # fmt: skip
        return Redirect(step_url(draft, DraftStage.MATERIALS), status_code=303)

    @get("/me/drafts/{draft_id:uuid}/uploads/{upload_id:uuid}")
    async def view_upload(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], upload_id: FromPath[UUID], drafts: NamedDependency[DraftService],
        materials: NamedDependency[DraftMaterials],
    ) -> Response[bytes]:  # fmt: skip
        """The stored (cleaned) file, for its owner only."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        upload = await materials.get_upload(draft, upload_id)
        return stored_file(await materials.content(upload), upload.content_type)

    @post("/me/drafts/{draft_id:uuid}/uploads/{upload_id:uuid}/delete", status_code=303)
    async def remove_upload(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID], upload_id: FromPath[UUID], drafts: NamedDependency[DraftService],
        materials: NamedDependency[DraftMaterials],
    ) -> Redirect:  # fmt: skip
        """Remove one uploaded file."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        await materials.remove(draft, upload_id)
        return Redirect(step_url(draft, DraftStage.MATERIALS), status_code=303)

    @post("/me/drafts/{draft_id:uuid}/materials", status_code=303)
    async def finish_materials(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID],
        drafts: NamedDependency[DraftService], materials: NamedDependency[DraftMaterials],
    ) -> Template | Redirect:  # fmt: skip
        """On to the review once nothing required is missing."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        try:
            await materials.finish(draft)
        except errors.RuleViolation as exc:
            return page("materials", drafts, draft, 422, needs=await materials.needs(draft),
                        errors=exc.fields)  # fmt: skip
        return Redirect(step_url(draft, DraftStage.REVIEW), status_code=303)

    @get("/me/drafts/{draft_id:uuid}/review")
    async def review(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID],
        drafts: NamedDependency[DraftService], materials: NamedDependency[DraftMaterials],
    ) -> Template | Redirect:  # fmt: skip
        """Everything at a glance before submitting."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        if not drafts.reached(draft, DraftStage.REVIEW):
            return Redirect(step_url(draft), status_code=303)
        return await review_page(drafts, materials, draft)

    @post("/me/drafts/{draft_id:uuid}/discard", status_code=303)
    async def discard(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        draft_id: FromPath[UUID],
        drafts: NamedDependency[DraftService], materials: NamedDependency[DraftMaterials],
    ) -> Redirect:  # fmt: skip
        """Delete the draft and its uploads (the applicant's choice)."""
        _, draft = await find_draft(request, person, drafts, draft_id)
        await materials.discard(draft)
        return Redirect("/me/drafts", status_code=303)
