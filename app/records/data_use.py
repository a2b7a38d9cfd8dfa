"""The person's data-use record (数据使用记录): the access log as the person reads it.

A member of staff who read on the person's behalf is shown by role and department only
("工作人员 (市民政局)"), never by their personal name. Staff finding the person by phone
number (``app.records.lookups``) are listed the same way, as a read of source ``account``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.enterprises.models import Enterprise
from app.identity.models import Department, Person
from app.records.models import AccessOutcome, DataAccess
from app.records.sources import source_named
from app.staff.models import Staff

PAGE_SIZE = 50  # entries a channel shows at a time; a full page means there may be older ones


class DataUseEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One read of one source, with what the page needs to say it in the reader's language."""

    accessed_at: datetime
    source: str
    fields: list[str]
    purpose_label: str
    outcome: AccessOutcome
    by_staff: bool
    staff_department: tuple[str, str] | None = None  # (zh, en)
    enterprise_name: str | None = None
    agent_name: str | None = None  # a relative or guardian who read acting for the person

    def source_label(self, locale: str) -> str:
        """The source's name (its code if the vocabulary no longer knows it)."""
        source = source_named(self.source)
        return source.label(locale) if source else self.source

    def field_labels(self, locale: str) -> list[str]:
        """The names of the fields read."""
        source = source_named(self.source)
        labels = []
        for name in self.fields:
            field = source.field(name) if source else None
            labels.append(field.label(locale) if field else name)
        return labels

    def department_name(self, locale: str) -> str | None:
        """The reading staff member's department, if they have one."""
        if self.staff_department is None:
            return None
        zh, en = self.staff_department
        return en if locale.startswith("en") else zh


async def data_use_entries(
    db: AsyncSession, person_id: UUID, *, limit: int, before: datetime | None
) -> list[DataUseEntry]:
    """The person's access log, newest first, ``limit`` rows older than ``before``.

    A ``before`` without an offset (typed by hand; the cursors handed out carry one) is read
    as UTC, as every stored moment is.
    """
    if before is not None and before.tzinfo is None:
        before = before.replace(tzinfo=UTC)
    agent = aliased(Person)
    query = (
        select(DataAccess, Department.name_zh, Department.name_en, Enterprise.name, agent.real_name)
        .outerjoin(Staff, Staff.id == DataAccess.staff_id)
        .outerjoin(agent, agent.id == DataAccess.agent_person_id)
        .outerjoin(Department, Department.id == Staff.department_id)
        .outerjoin(Enterprise, Enterprise.id == DataAccess.enterprise_id)
        .where(DataAccess.person_id == person_id)
    )
    if before is not None:
        query = query.where(DataAccess.accessed_at < before)
    query = query.order_by(DataAccess.accessed_at.desc(), DataAccess.id.desc()).limit(limit)
    rows = (await db.execute(query)).all()
    return [
        DataUseEntry(
            accessed_at=access.accessed_at,
            source=access.source,
            fields=list(access.fields),
            purpose_label=access.purpose_label,
            outcome=AccessOutcome(access.outcome),
            by_staff=access.staff_id is not None,
            staff_department=(name_zh, name_en) if name_zh and name_en else None,
            enterprise_name=enterprise_name,
            agent_name=(agent_name or "?") if access.agent_person_id is not None else None,
        )
        for access, name_zh, name_en, enterprise_name, agent_name in rows
    ]
