"""Dependency providers of the spaces services."""

from __future__ import annotations

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from app.runtime import Runtime
from app.spaces.export import ExportService


def provide_export(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> ExportService:
    """The export service on the request's database session."""
    return ExportService(
        db_session, protector=runtime.protector, sessions=runtime.sessions, storage=runtime.storage
    )
