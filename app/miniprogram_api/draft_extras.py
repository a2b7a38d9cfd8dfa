"""``/mp/v1/drafts/{id}``: the draft operations beside the main flow, as the pages have them.

Discard a draft (with its files), leave optional matters out or bring them back once the
form is reached, and report a wrong pre-filled value to the record's source (更正). The
same services as ``/me/drafts/{id}/…`` (``DraftService``, ``DraftMaterials``); a draft that
is not the applicant's answers 404, as everywhere in ``/mp/v1/drafts``.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import Body, FromPath, QueryParameter

from app import errors
from app.applications.draft_materials import DraftMaterials
from app.applications.drafts import DraftService, DraftValues
from app.catalog.answers import masked_value
from app.miniprogram_api.catalog import department_name, text
from app.miniprogram_api.contract import ACTING_FOR
from app.miniprogram_api.drafts import (
    MAX_KEYS,
    DraftBody,
    SourceBody,
    _applicant,
    _body,
    _draft,
)
from app.records.sources import SOURCES
from app.web.access import Access
from app.web.providers.applications import provide_draft_materials, provide_drafts
from app.web.templating import shown_field

FieldKey = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class MattersBody(msgspec.Struct, kw_only=True, rename="camel"):
    """The optional matters to leave out (the others are kept); the answers stay as they are."""

    deselected: Annotated[list[str], msgspec.Meta(max_length=MAX_KEYS)]


class CorrectionTarget(msgspec.Struct, kw_only=True, rename="camel"):
    """A pre-filled value that can be reported as wrong, and where it comes from."""

    field: str
    label: str
    value: str  # ID and phone numbers masked
    source: SourceBody
    value_label: str = ""  # ``value`` as a person reads it: an option's label, yes or no


class CorrectionCreate(msgspec.Struct, kw_only=True, rename="camel"):
    """ "This value is wrong": which pre-filled field, and what is wrong with it."""

    field: FieldKey
    note: Annotated[str, msgspec.Meta(max_length=4000)] = ""  # empty: the service says why


class CorrectionReceipt(msgspec.Struct, kw_only=True, rename="camel"):
    """The report was recorded and goes to the record's source; the form stays as it is."""

    field: str
    source: SourceBody


def _target(drafts: DraftService, values: DraftValues, key: str) -> CorrectionTarget:
    prefilled = values.prefilled.get(key)
    if prefilled is None:  # only a value a record filled can be reported
        raise errors.NotFound
    spec, definition = SOURCES[prefilled.source], drafts.catalog.fields[key]
    return CorrectionTarget(
        field=key, label=text(definition.label), value=masked_value(definition, prefilled.value),
        value_label=shown_field(definition, prefilled.value),
        source=SourceBody(source=prefilled.source, label=text(spec.label),
                          department=spec.department, as_of=prefilled.as_of,
                          department_name=department_name(spec.department)),
    )  # fmt: skip


class DraftExtraApi(Controller):
    """Discard, choose matters, report a wrong pre-filled value."""

    path = "/drafts/{draft_id:uuid}"
    tags = ["mini-program: drafts"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    parameters = ACTING_FOR  # documents (and checks) the header ``_applicant`` reads
    dependencies = {  # noqa: RUF012
        "drafts": Provide(provide_drafts),
        "materials": Provide(provide_draft_materials, sync_to_thread=False),
    }

    @delete("/", status_code=204)
    async def discard(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        drafts: NamedDependency[DraftService], materials: NamedDependency[DraftMaterials],
    ) -> None:  # fmt: skip
        """Delete the unsubmitted draft and its uploaded files (a submitted one: 404)."""
        await materials.discard(await _draft(request, drafts, draft_id))

    @put("/matters")
    async def choose_matters(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        data: Annotated[MattersBody, Body()], drafts: NamedDependency[DraftService],
    ) -> DraftBody:  # fmt: skip
        """Leave optional matters out or bring them back, keeping the answers (from the
        notice on; 422 for a matter that cannot be left out, nothing changed). New record
        fields ask for the consent again (``stage`` says where the draft now stands)."""
        draft = await _draft(request, drafts, draft_id, step="answers")
        await drafts.set_deselected(draft, data.deselected)
        return _body(drafts, draft)

    @get("/corrections")
    async def correction_target(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        field: Annotated[str, QueryParameter(min_length=1, max_length=200)],
        drafts: NamedDependency[DraftService],
    ) -> CorrectionTarget:  # fmt: skip
        """A pre-filled value that may be reported and its source (404 unless a record
        filled ``field``)."""
        draft = await _draft(request, drafts, draft_id)
        return _target(drafts, drafts.values(draft), field)

    @post("/corrections", status_code=202)
    async def report_error(
        self, request: Request[Any, Any, Any], draft_id: FromPath[UUID],
        data: Annotated[CorrectionCreate, Body()], drafts: NamedDependency[DraftService],
    ) -> CorrectionReceipt:  # fmt: skip
        """Report a wrong pre-filled value to its source (422 without a note); the source
        corrects its record and the form shows it once the records are read again."""
        applicant = await _applicant(request)
        draft = await _draft(request, drafts, draft_id, step="form")
        target = _target(drafts, drafts.values(draft), data.field)
        await drafts.report_error(draft, applicant.person, data.field, data.note)
        return CorrectionReceipt(field=target.field, source=target.source)
