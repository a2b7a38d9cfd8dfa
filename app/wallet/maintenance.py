"""The wallet's maintenance outside a request: signing-key rotation and the expiry sweep."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import service as audit
from app.audit.models import AuditKind
from app.catalog.loader import LicenseType
from app.protection import DataProtector
from app.wallet.keys import KeyService
from app.wallet.service import WalletService


async def rotate_signing_key(
    db: AsyncSession, protector: DataProtector, department_code: str, *, actor: str
) -> tuple[str | None, str]:
    """Retire the department's current key and make a new one, audited; (old kid, new kid).

    The caller commits.
    """
    kids = await KeyService(db, protector=protector).rotate(department_code)
    await audit.record(
        db, AuditKind.KEY_ROTATED, actor=actor, subject=f"department:{department_code}",
        detail={"key": "license-signing", "retired": kids[0], "new": kids[1]},
    )  # fmt: skip
    return kids


async def expire_due_licenses(
    sessionmaker: async_sessionmaker[Any],
    protector: DataProtector,
    license_types: Mapping[str, LicenseType],
) -> int:
    """Mark every issued license past its validity as expired; returns how many (idempotent)."""
    async with sessionmaker() as db, db.begin():
        wallet = WalletService(db, protector=protector, license_types=license_types)
        return await wallet.expire_due()
