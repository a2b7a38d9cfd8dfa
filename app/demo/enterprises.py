"""Demo persons and enterprises, written through the same services as real ones."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.enterprises.models import Enterprise, MemberRole
from app.enterprises.service import EnterpriseService
from app.identity.persons import find_by_phone, find_or_create_by_phone
from app.protection import DataProtector

DEMO_CLIENT = "demo-data"  # the "address" security events of demo changes record


async def load_demo_enterprises(
    db: AsyncSession, protector: DataProtector, data: dict[str, Any]
) -> int:
    """Add the demo persons and the enterprises that are missing; returns enterprises added.

    ``data`` is ``enterprises.toml`` as parsed.
    """
    for person in data["person"]:
        await find_or_create_by_phone(db, protector, person["phone"])
    existing = set((await db.scalars(select(Enterprise.credit_code))).all())
    service = EnterpriseService(db, protector=protector)
    added = 0
    for row in data["enterprise"]:
        if row["credit_code"] in existing:
            continue
        enterprise = await service.register_from_registry(
            row["credit_code"], row["name"], row["legal_rep_phone"]
        )
        await _add_members(db, service, protector, enterprise, row)
        added += 1
    return added


async def _add_members(
    db: AsyncSession,
    service: EnterpriseService,
    protector: DataProtector,
    enterprise: Enterprise,
    row: dict[str, Any],
) -> None:
    # Added by the legal representative, as they would on the members page.
    representative = enterprise.legal_representative_id
    for phone in [*row.get("administrators", []), *row.get("agents", [])]:
        await service.add_agent(enterprise.id, representative, phone, client_ip=DEMO_CLIENT)
    for phone in row.get("administrators", []):
        person = await find_by_phone(db, protector, phone)
        assert person is not None  # noqa: S101 (added just above)
        await service.change_role(
            enterprise.id,
            representative,
            person.id,
            MemberRole.ADMINISTRATOR,
            client_ip=DEMO_CLIENT,
        )
