"""企业空间 (一企一档): one enterprise's profile, members, licenses and applications.

Only an active member sees it (anyone else: ``NotFound``). The profile is the platform's
own ``Enterprise`` row; with the member's consent it is completed from the market-regulation
registry (the ``enterprise-registry`` source) through ``RecordsService`` — so each view that
reads the registry is in the data-access log — until the member withdraws that consent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.applications.case_models import Application
from app.enterprises.models import Enterprise
from app.enterprises.service import EnterpriseService, MemberList
from app.identity.models import Department, Person
from app.records.models import AccessOutcome
from app.records.service import FieldRequest, Purpose, RecordsService
from app.records.sources import SOURCES
from app.wallet.models import License
from app.wallet.service import Holder, WalletService

REGISTRY = "enterprise-registry"
REGISTRY_FIELDS = [FieldRequest(REGISTRY, field.name) for field in SOURCES[REGISTRY].fields]
RECENT_APPLICATIONS = 20


class RegistryFact(msgspec.Struct, frozen=True, kw_only=True):
    """One registry field as the profile shows it (field name, for its label, and value)."""

    field: str
    value: str


class EnterpriseSpace(msgspec.Struct, kw_only=True):
    """Everything the enterprise space shows."""

    enterprise: Enterprise
    members: MemberList
    registry: list[RegistryFact] | None  # None: not shared; [] shared but nothing found
    registry_as_of: date | None
    registry_unavailable: bool
    licenses: list[License]
    applications: Sequence[Application]


class EnterpriseSpaceService:
    """The enterprise space of one member's view."""

    def __init__(
        self,
        db: AsyncSession,
        *,
        records: RecordsService,
        enterprises: EnterpriseService,
        wallet: WalletService,
    ) -> None:
        self._db = db
        self._records = records
        self._enterprises = enterprises
        self._wallet = wallet

    async def space(self, person: Person, enterprise_id: UUID) -> EnterpriseSpace:
        """The space; ``NotFound`` unless the person is an active member."""
        members = await self._enterprises.members(enterprise_id, person.id)
        enterprise = await self._enterprise(enterprise_id)
        space = EnterpriseSpace(
            enterprise=enterprise,
            members=members,
            registry=None,
            registry_as_of=None,
            registry_unavailable=False,
            licenses=await self._wallet.list_for(Holder.enterprise(enterprise.id)),
            applications=(
                await self._db.scalars(
                    select(Application)
                    .where(Application.enterprise_id == enterprise.id)
                    .order_by(Application.submitted_at.desc())
                    .limit(RECENT_APPLICATIONS)
                )
            ).all(),
        )
        consent = await self._records.consent_for(person, _purpose(enterprise))
        if consent is not None and consent.enterprise_id == enterprise.id:
            await self._read_registry(person, enterprise, space)
        return space

    async def share_registry(self, person: Person, enterprise_id: UUID) -> None:
        """Consent that the registry's record of the enterprise completes its profile."""
        await self._enterprises.members(enterprise_id, person.id)  # NotFound for non-members
        enterprise = await self._enterprise(enterprise_id)
        await self._records.grant_consent(
            person, _purpose(enterprise), REGISTRY_FIELDS, enterprise=enterprise
        )

    async def stop_sharing(self, person: Person, enterprise_id: UUID) -> None:
        """Withdraw that consent: the profile shows the platform's own row again."""
        await self._enterprises.members(enterprise_id, person.id)
        await self._records.withdraw_consent(
            person, _purpose(await self._enterprise(enterprise_id))
        )

    async def departments(self) -> dict[str, Department]:
        """Every department by code (to name license issuers)."""
        return await self._wallet.departments()

    async def _read_registry(
        self, person: Person, enterprise: Enterprise, space: EnterpriseSpace
    ) -> None:
        read = await self._records.read_outcomes(
            person, _purpose(enterprise), REGISTRY_FIELDS, enterprise=enterprise
        )
        space.registry_unavailable = read.outcomes.get(REGISTRY) is AccessOutcome.UNAVAILABLE
        found = [
            read.values[(REGISTRY, f.field)]
            for f in REGISTRY_FIELDS
            if (REGISTRY, f.field) in read.values
        ]
        space.registry = [RegistryFact(field=value.field, value=value.value) for value in found]
        space.registry_as_of = max((value.as_of for value in found), default=None)

    async def _enterprise(self, enterprise_id: UUID) -> Enterprise:
        enterprise = await self._db.get(Enterprise, enterprise_id)
        if enterprise is None:
            raise errors.NotFound
        return enterprise


def registry_label(field: str, locale: str) -> str:
    """The label of a registry field in ``locale`` (the field's name when it has none)."""
    found = SOURCES[REGISTRY].field(field)
    return found.label(locale) if found else field


def _purpose(enterprise: Enterprise) -> Purpose:
    return Purpose(
        kind="enterprise-space", ref=str(enterprise.id), label=f"企业空间 {enterprise.name}"[:200]
    )
