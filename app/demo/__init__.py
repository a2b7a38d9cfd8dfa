"""Demo data for ``make run``: loaded once, idempotent (natural keys are upserted)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.commands.worker_areas import seed_demo_areas
from app.composition.build import create_engine, protector_for
from app.config import Settings
from app.demo.enterprises import load_demo_enterprises
from app.identity.models import Department
from app.wallet.demo import issue_demo_licenses

DATA_DIR = Path(__file__).resolve().parent
log = structlog.get_logger(__name__)


async def load_demo_data(settings: Settings) -> int:
    """Insert the demo records that are missing; returns how many were added."""
    engine = create_engine(settings)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            existing = set((await session.scalars(select(Department.code))).all())
            rows = tomllib.loads((DATA_DIR / "departments.toml").read_text("utf-8"))["department"]
            added = [Department(**row) for row in rows if row["code"] not in existing]
            session.add_all(added)
            enterprises_added = await load_demo_enterprises(
                session,
                protector_for(settings),
                tomllib.loads((DATA_DIR / "enterprises.toml").read_text("utf-8")),
            )
            await session.flush()
            licenses_added = await issue_demo_licenses(session, protector_for(settings))
            areas_added = await seed_demo_areas(session)
            await session.commit()
    finally:
        await engine.dispose()
    log.info(
        "demo data loaded",
        departments_added=len(added),
        enterprises_added=enterprises_added,
        licenses_added=licenses_added,
        worker_areas_added=areas_added,
    )
    return len(added) + enterprises_added + licenses_added + areas_added
