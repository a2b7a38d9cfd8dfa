"""Dependency provider of the records service, shared by the page and API channels."""

from __future__ import annotations

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from app.composition.runtime import Runtime
from app.records.service import RecordsService


def provide_records(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> RecordsService:
    """The shared-records service on the request's database session."""
    return RecordsService(db_session, runtime.records, runtime.protector)
