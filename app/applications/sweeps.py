"""The worker's sweep of applications, with the parts it needs built from settings."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.applications.calendar import default_calendar, load_calendar
from app.applications.context import CaseContext, Clock, Rules
from app.applications.supervision import sweep
from app.catalog.loader import catalog_at
from app.config import Environment, Settings
from app.protection import DataProtector, load_protection_keys
from app.sealed_files import SealedFiles
from app.storage import LocalFileStorage


async def run_sweep(
    settings: Settings, sessionmaker: async_sessionmaker[Any], clock: Clock | None = None
) -> dict[str, int]:
    """One sweep in one transaction; what it changed, by kind."""
    calendar = (
        load_calendar(settings.holidays_file) if settings.holidays_file else default_calendar()
    )
    protector = DataProtector(
        load_protection_keys(
            settings.data_keys, settings.var_dir, production=settings.env is Environment.PRODUCTION
        )
    )
    catalog = catalog_at(settings.catalog_dir)
    async with sessionmaker() as db, db.begin():
        ctx = CaseContext(
            db=db,
            catalog=catalog.catalog,
            license_types=catalog.licenses,
            protector=protector,
            calendar=calendar,
            storage=SealedFiles(LocalFileStorage(settings.var_dir / "files"), protector),
            rules=Rules.from_settings(settings),
            clock=clock or Clock(),
        )
        result = await sweep(ctx)
    return msgspec.structs.asdict(result)
