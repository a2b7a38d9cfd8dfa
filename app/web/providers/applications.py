"""Dependency providers of the draft services, shared by the page and API channels."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.applicant import ApplicantCases
from app.applications.context import CaseContext
from app.applications.draft_materials import DraftMaterials
from app.applications.drafts import DraftService
from app.applications.submission import Submissions
from app.assist.acting import OnBehalfRecords
from app.composition.runtime import Runtime
from app.records.service import RecordsService
from app.web.agency import request_agency


async def provide_drafts(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    runtime: NamedDependency[Runtime],
) -> DraftService:
    """Drafts on the request's database session, reading records through the exchange.

    While a relative or guardian acts for a principal (on the pages or through the
    mini-program's ``X-Acting-For``), record reads are logged as theirs.
    """
    records = RecordsService(db_session, runtime.records, runtime.protector)
    agency = await request_agency(request)
    return DraftService(
        db_session,
        catalog=runtime.catalog.catalog,
        protector=runtime.protector,
        records=records
        if agency is None
        else OnBehalfRecords(records, None, person_id=agency.agent.id),
    )


def provide_draft_materials(
    db_session: NamedDependency[AsyncSession],
    runtime: NamedDependency[Runtime],
    drafts: NamedDependency[DraftService],
) -> DraftMaterials:
    """Materials of drafts, stored in the runtime's file storage."""
    return DraftMaterials(
        db_session,
        drafts=drafts,
        storage=runtime.storage,
        max_bytes=runtime.settings.max_upload_bytes,
        max_pixels=runtime.settings.max_upload_pixels,
    )


def provide_case_context(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> CaseContext:
    """The application services' shared parts, on the request's database session."""
    return CaseContext(
        db=db_session,
        catalog=runtime.catalog.catalog,
        protector=runtime.protector,
        calendar=runtime.calendar,
        storage=runtime.storage,
        rules=runtime.rules,
        license_types=runtime.catalog.licenses,
    )


def provide_applicant_cases(
    cases: NamedDependency[CaseContext], runtime: NamedDependency[Runtime]
) -> ApplicantCases:
    """The signed-in applicant's applications."""
    return ApplicantCases(
        cases,
        max_bytes=runtime.settings.max_upload_bytes,
        max_pixels=runtime.settings.max_upload_pixels,
    )


def provide_submissions(
    cases: NamedDependency[CaseContext],
    drafts: NamedDependency[DraftService],
    materials: NamedDependency[DraftMaterials],
) -> Submissions:
    """Submitting drafts."""
    return Submissions(cases, drafts=drafts, materials=materials)
