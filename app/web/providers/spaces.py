"""Dependency providers of the spaces services."""

from __future__ import annotations

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from app.benefits.rules import default_benefits
from app.benefits.service import BenefitService
from app.composition.runtime import Runtime
from app.enterprises.service import EnterpriseService
from app.records.service import RecordsService
from app.spaces.enterprise_space import EnterpriseSpaceService
from app.spaces.export import ExportService
from app.spaces.imports import LicenseImportService
from app.wallet.service import WalletService


def provide_export(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> ExportService:
    """The export service on the request's database session."""
    return ExportService(
        db_session, protector=runtime.protector, sessions=runtime.sessions,
        storage=runtime.storage, catalog=runtime.catalog,
    )  # fmt: skip


def provide_imports(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> LicenseImportService:
    """The license import service on the request's database session."""
    wallet = WalletService(
        db_session, protector=runtime.protector, license_types=runtime.catalog.licenses
    )
    records = RecordsService(db_session, runtime.records, runtime.protector)
    return LicenseImportService(db_session, records=records, wallet=wallet)


def provide_enterprise_space(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> EnterpriseSpaceService:
    """The enterprise space service on the request's database session."""
    return EnterpriseSpaceService(
        db_session,
        records=RecordsService(db_session, runtime.records, runtime.protector),
        enterprises=EnterpriseService(db_session, protector=runtime.protector),
        wallet=WalletService(
            db_session, protector=runtime.protector, license_types=runtime.catalog.licenses
        ),
    )


def provide_benefits(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> BenefitService:
    """The proactive-benefit service on the request's database session."""
    records = RecordsService(db_session, runtime.records, runtime.protector)
    return BenefitService(db_session, records=records, benefits=default_benefits())
