"""Dependency providers of the draft services, shared by the page and API channels."""

from __future__ import annotations

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.draft_materials import DraftMaterials
from app.applications.drafts import DraftService
from app.records.service import RecordsService
from app.runtime import Runtime


def provide_drafts(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> DraftService:
    """Drafts on the request's database session, reading records through the exchange."""
    return DraftService(
        db_session,
        catalog=runtime.catalog.catalog,
        protector=runtime.protector,
        records=RecordsService(db_session, runtime.records, runtime.protector),
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
