"""``/mp/v1/drafts/{id}/materials`` and ``…/review``: one set of materials, then the review.

The page flow's services (``DraftMaterials``): a material several matters ask for is listed
once; one a record found with consent or a current wallet license proves is not asked for;
one that may follow (容缺) can be left for later on a written commitment. Uploads are
multipart (a field ``file``), cleaned and sealed exactly as the page's: images re-encoded
without metadata, PDFs checked, anything else refused with nothing stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Response

from app import errors
from app.applications.draft_materials import DraftMaterials, MaterialNeed
from app.applications.drafts import DraftService
from app.applications.models import DraftStage, DraftUpload
from app.applications.uploads import EMPTY
from app.miniprogram_api.catalog import text
from app.miniprogram_api.contract import ACTING_FOR
from app.miniprogram_api.drafts import DraftBody, FormBody, _body, _draft, _form
from app.web.access import Access
from app.web.files import stored_file
from app.web.providers.applications import provide_draft_materials, provide_drafts

FILE_MEDIA_TYPE = "application/octet-stream"


class MaterialFile(msgspec.Struct, kw_only=True):
    """One file (multipart field ``file``): a JPEG or PNG photo, or a PDF."""

    file: UploadFile | None = None


class UploadBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A stored (cleaned) file of a material."""

    id: UUID
    material_code: str
    filename: str
    content_type: str
    size: int
    created_at: datetime


class MaterialNeedBody(msgspec.Struct, kw_only=True, rename="camel"):
    """A material of the selected matters: what proves it already, what is uploaded."""

    code: str
    name: str
    matters: list[str]
    required: bool
    may_defer: bool
    proven: bool
    proven_by: list[str]
    missing: bool
    to_follow: bool
    uploads: list[UploadBody]


class MaterialList(msgspec.Struct, kw_only=True, rename="camel"):
    """One set of materials (一套材料) for the draft's selection."""

    materials: list[MaterialNeedBody]


class ReviewBody(msgspec.Struct, kw_only=True, rename="camel"):
    """Everything at a glance before submitting: the form, the materials, how results come.

    ``toFollow`` are the materials left for later: submitting then needs ``commitment``.
    """

    draft: DraftBody
    form: FormBody
    materials: list[MaterialNeedBody]
    deliveries: list[str]
    to_follow: list[str]
    commitment_needed: bool
    total_fees_yuan: float
    promised_days: int


def upload_body(upload: DraftUpload) -> UploadBody:
    """What a client sees of a stored file (never its storage key)."""
    return UploadBody(
        id=upload.id, material_code=upload.material_code, filename=upload.filename,
        content_type=upload.content_type, size=upload.size, created_at=upload.created_at,
    )  # fmt: skip


def _to_follow(need: MaterialNeed) -> bool:
    material = need.material
    return material.required and material.may_defer and not need.proven and not need.uploads


def _needs(needs: list[MaterialNeed], proofs: list[str]) -> list[MaterialNeedBody]:
    return [
        MaterialNeedBody(
            code=n.material.code, name=text(n.material.name), matters=list(n.matters),
            required=n.material.required, may_defer=n.material.may_defer, proven=n.proven,
            proven_by=[p for p in n.material.proven_by if p in proofs], missing=n.missing,
            to_follow=_to_follow(n), uploads=[upload_body(u) for u in n.uploads],
        )
        for n in needs
    ]  # fmt: skip


class DraftMaterialApi(Controller):
    """Materials and the review of my drafts through the mini-program."""

    parameters = ACTING_FOR  # documents (and checks) the header the handlers honour

    path = "/drafts/{draft_id:uuid}"
    tags = ["mini-program: drafts"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "drafts": Provide(provide_drafts),
        "materials": Provide(provide_draft_materials, sync_to_thread=False),
    }

    @get("/materials")
    async def materials_needed(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        drafts: NamedDependency[DraftService], materials: NamedDependency[DraftMaterials],
    ) -> MaterialList:  # fmt: skip
        """What is needed, what records or wallet licenses already prove, what is uploaded."""
        draft = await _draft(request, drafts, draft_id)
        drafts.require_stage(draft, DraftStage.MATERIALS)
        return MaterialList(materials=_needs(await materials.needs(draft), draft.proofs))

    @post("/materials/{code:str}", status_code=201)
    async def upload(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID], code: FromPath[str],
        data: Annotated[MaterialFile, Body(media_type=RequestEncodingType.MULTI_PART)],
        drafts: NamedDependency[DraftService], materials: NamedDependency[DraftMaterials],
    ) -> UploadBody:  # fmt: skip
        """Upload one file for one material; a refused file (422) stores nothing."""
        draft = await _draft(request, drafts, draft_id, step="materials")
        if data.file is None:
            raise errors.RuleViolation(fields={f"material:{code}": EMPTY})
        content = await data.file.read()
        stored = await materials.upload(draft, code, data.file.filename or "", content)
        return upload_body(stored)

    @get("/uploads/{upload_id:uuid}", media_type=FILE_MEDIA_TYPE)
    async def upload_content(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        upload_id: FromPath[UUID], drafts: NamedDependency[DraftService],
        materials: NamedDependency[DraftMaterials],
    ) -> Response[bytes]:  # fmt: skip
        """The stored (cleaned) file; its type and name are in the materials' list."""
        draft = await _draft(request, drafts, draft_id)
        upload = await materials.get_upload(draft, upload_id)
        return stored_file(await materials.content(upload), FILE_MEDIA_TYPE)

    @delete("/uploads/{upload_id:uuid}", status_code=204)
    async def remove_upload(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        upload_id: FromPath[UUID], drafts: NamedDependency[DraftService],
        materials: NamedDependency[DraftMaterials],
    ) -> None:  # fmt: skip
        """Remove one uploaded file."""
        draft = await _draft(request, drafts, draft_id, step="materials")
        await materials.remove(draft, upload_id)

    @post("/review", status_code=200)
    async def finish_materials(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        drafts: NamedDependency[DraftService], materials: NamedDependency[DraftMaterials],
    ) -> DraftBody:  # fmt: skip
        """Materials done: on to the review once nothing required is missing (422 names each)."""
        draft = await _draft(request, drafts, draft_id, step="materials")
        await materials.finish(draft)
        return _body(drafts, draft)

    @get("/review")
    async def review(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        drafts: NamedDependency[DraftService], materials: NamedDependency[DraftMaterials],
    ) -> ReviewBody:  # fmt: skip
        """Everything at a glance before submitting (``POST /applications``)."""
        draft = await _draft(request, drafts, draft_id)
        drafts.require_stage(draft, DraftStage.REVIEW)
        needs = _needs(await materials.needs(draft), draft.proofs)
        notice = drafts.notice(draft)
        to_follow = [n.code for n in needs if n.to_follow]
        return ReviewBody(
            draft=_body(drafts, draft), form=_form(drafts, draft, drafts.values(draft)),
            materials=needs, deliveries=[str(d) for d in notice.deliveries],
            to_follow=to_follow, commitment_needed=bool(to_follow),
            total_fees_yuan=notice.total_fees_yuan, promised_days=notice.promised_days,
        )  # fmt: skip
