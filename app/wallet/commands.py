"""``python -m app wallet …``: rotate a department's signing key; run the expiry sweep now."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker

from app.audit import service as audit
from app.audit.models import AuditKind
from app.catalog.loader import catalog_at, department_names
from app.commands.registry import protector_for
from app.config import Settings
from app.db import create_engine
from app.wallet.keys import KeyService
from app.wallet.service import WalletService


class UnknownDepartment(ValueError):
    """The department code names no department."""


async def rotate_key(settings: Settings, department_code: str) -> tuple[str | None, str]:
    """Retire the department's current key and make a new one; (old kid, new kid)."""
    if department_code not in department_names():
        raise UnknownDepartment(department_code)
    engine = create_engine(settings)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            kids = await KeyService(db, protector=protector_for(settings)).rotate(department_code)
            await audit.record(
                db, AuditKind.KEY_ROTATED, actor="operator:command-line",
                subject=f"department:{department_code}",
                detail={"key": "license-signing", "retired": kids[0], "new": kids[1]},
            )  # fmt: skip
            await db.commit()
    finally:
        await engine.dispose()
    return kids


async def expire_licenses(settings: Settings) -> int:
    """Mark every issued license past its validity as expired; returns how many (idempotent)."""
    engine = create_engine(settings)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            wallet = WalletService(
                db,
                protector=protector_for(settings),
                license_types=catalog_at(settings.catalog_dir).licenses,
            )
            count = await wallet.expire_due()
            await db.commit()
    finally:
        await engine.dispose()
    return count
