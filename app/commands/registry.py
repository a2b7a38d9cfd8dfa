"""Enterprises from the market-regulation registry, outside a request (CLI, demo data).

The registry itself is a shared-records source of a later issue; until then an operator
records an enterprise with ``python -m app enterprise create``.
"""

from __future__ import annotations

from uuid import UUID

import msgspec
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.composition.build import create_engine, protector_for
from app.config import Settings
from app.enterprises.service import EnterpriseService


class RegisteredEnterprise(msgspec.Struct, kw_only=True, frozen=True):
    """What the command reports: no personal data."""

    id: UUID
    credit_code: str
    name: str


async def register_enterprise(
    settings: Settings, *, credit_code: str, name: str, legal_representative_phone: str
) -> RegisteredEnterprise:
    """Record one enterprise and its legal representative's membership, in one transaction."""
    engine = create_engine(settings)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db, db.begin():
            service = EnterpriseService(db, protector=protector_for(settings))
            enterprise = await service.register_from_registry(
                credit_code, name, legal_representative_phone
            )
            return RegisteredEnterprise(
                id=enterprise.id, credit_code=enterprise.credit_code, name=enterprise.name
            )
    finally:
        await engine.dispose()
