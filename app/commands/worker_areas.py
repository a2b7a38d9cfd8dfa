"""Field workers' areas from the command line and the demo data.

``python -m app staff areas <username> <area>...`` sets the areas a field worker serves
(replacing the previous ones). ``python -m app demo-data`` gives every active field worker
who serves no area yet all the demo areas, so that a fresh demo can assign requests at once;
a worker who has areas is left alone, so running it again changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.assist.areas import AREAS
from app.assist.request_models import WorkerArea
from app.composition.build import create_engine
from app.config import Settings
from app.errors import NotFound, RuleViolation
from app.i18n import N_
from app.staff.models import Staff, StaffRole
from app.staff.service import normalize_username

UNKNOWN_AREA = N_("Unknown area.")


async def set_worker_areas(settings: Settings, username: str, areas: list[str]) -> None:
    """Replace the areas of the field worker ``username``."""
    unknown = sorted(set(areas) - set(AREAS))
    if unknown or not areas:
        raise RuleViolation(fields={"area": UNKNOWN_AREA}, unknown=unknown)
    engine = create_engine(settings)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db, db.begin():
            staff = await db.scalar(
                select(Staff).where(Staff.username == normalize_username(username))
            )
            if staff is None or staff.role != StaffRole.FIELD_WORKER:
                raise NotFound
            for row in await db.scalars(select(WorkerArea).where(WorkerArea.staff_id == staff.id)):
                await db.delete(row)
            await db.flush()
            db.add_all([WorkerArea(staff_id=staff.id, area=a) for a in sorted(set(areas))])
    finally:
        await engine.dispose()


async def seed_demo_areas(db: AsyncSession) -> int:
    """Every active field worker without an area serves all areas; returns rows added."""
    served = set((await db.scalars(select(WorkerArea.staff_id))).all())
    workers = (await db.scalars(
        select(Staff).where(Staff.role == StaffRole.FIELD_WORKER, Staff.disabled_at.is_(None))
    )).all()  # fmt: skip
    added = [WorkerArea(staff_id=w.id, area=a) for w in workers if w.id not in served
             for a in AREAS]  # fmt: skip
    db.add_all(added)
    return len(added)
