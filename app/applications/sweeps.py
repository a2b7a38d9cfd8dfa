"""The worker's sweep of applications, on the parts the composition root built."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.applications.calendar import WorkingCalendar
from app.applications.context import CaseContext, Clock, Rules
from app.applications.supervision import sweep
from app.catalog.loader import LoadedCatalog
from app.config import Settings
from app.protection import DataProtector
from app.storage import FileStorage


async def run_sweep(
    settings: Settings,
    sessionmaker: async_sessionmaker[Any],
    *,
    protector: DataProtector,
    calendar: WorkingCalendar,
    catalog: LoadedCatalog,
    storage: FileStorage,
    clock: Clock | None = None,
) -> dict[str, int]:
    """One sweep in one transaction; what it changed, by kind."""
    async with sessionmaker() as db, db.begin():
        ctx = CaseContext(
            db=db,
            catalog=catalog.catalog,
            license_types=catalog.licenses,
            protector=protector,
            calendar=calendar,
            storage=storage,
            rules=Rules.from_settings(settings),
            clock=clock or Clock(),
        )
        result = await sweep(ctx)
    return msgspec.structs.asdict(result)
