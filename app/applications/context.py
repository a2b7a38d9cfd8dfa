"""What every application service works with: one database session and the shared parts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.calendar import WorkingCalendar, china_today
from app.catalog.loader import LicenseType
from app.catalog.schema import Catalog
from app.config import Settings
from app.protection import DataProtector
from app.storage import FileStorage


class Rules(msgspec.Struct, frozen=True, kw_only=True):
    """The configurable rules of time limits (see README: configuration)."""

    yellow_share: float = 0.8  # a sub-case turns yellow once this share of its limit is used
    deferred_material_days: int = 5  # working days to bring materials accepted as missing (容缺)
    complaint_days: int = 5  # working days a supervisor has to answer a complaint

    @classmethod
    def from_settings(cls, settings: Settings) -> Rules:
        """The rules as configured."""
        return cls(
            yellow_share=settings.time_limit_yellow_share,
            deferred_material_days=settings.deferred_material_days,
            complaint_days=settings.complaint_answer_days,
        )


@dataclass
class Clock:
    """The current moment; tests fix it (``clock.fixed = …``) to walk through holidays."""

    fixed: datetime | None = None

    def now(self) -> datetime:
        """Now, in UTC."""
        return self.fixed or datetime.now(UTC)

    def today(self) -> date:
        """Today's date in China."""
        return china_today(self.now())


@dataclass
class CaseContext:
    """A session and the parts the application services share (one per request or job)."""

    db: AsyncSession
    catalog: Catalog
    protector: DataProtector
    calendar: WorkingCalendar
    storage: FileStorage
    rules: Rules = field(default_factory=Rules)
    clock: Clock = field(default_factory=Clock)
    # The e-license types results are issued as (the catalog's ``licenses.yaml``).
    license_types: Mapping[str, LicenseType] = field(default_factory=dict)
