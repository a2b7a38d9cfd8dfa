"""``python -m app wallet …``: rotate a department's signing key; run the expiry sweep now."""

from __future__ import annotations

from app.catalog.loader import catalog_at, department_names
from app.composition.build import database, protector_for
from app.config import Settings
from app.wallet.maintenance import expire_due_licenses, rotate_signing_key


class UnknownDepartment(ValueError):
    """The department code names no department."""


async def rotate_key(settings: Settings, department_code: str) -> tuple[str | None, str]:
    """Retire the department's current key and make a new one; (old kid, new kid)."""
    if department_code not in department_names():
        raise UnknownDepartment(department_code)
    async with database(settings) as sessionmaker, sessionmaker() as db, db.begin():
        return await rotate_signing_key(
            db, protector_for(settings), department_code, actor="operator:command-line"
        )


async def expire_licenses(settings: Settings) -> int:
    """Mark every issued license past its validity as expired; returns how many (idempotent)."""
    async with database(settings) as sessionmaker:
        return await expire_due_licenses(
            sessionmaker, protector_for(settings), catalog_at(settings.catalog_dir).licenses
        )
