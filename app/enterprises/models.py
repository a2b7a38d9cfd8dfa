"""Enterprise tables: enterprises (企业) and their members with roles.

Membership is append-only history: removing a member or changing a role closes the row
(``removed_at``) and, for a role change, opens a new one; rows are never deleted, so the
record shows who could act for an enterprise at any moment, and who decided it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import UUIDv7AuditBase


class MemberRole(StrEnum):
    """What a member may do for the enterprise."""

    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人: from the registry, not chosen here
    ADMINISTRATOR = "administrator"  # 管理员: manages agents, named by the legal representative
    AGENT = "agent"  # 经办人: acts for the enterprise, manages no one


class Enterprise(UUIDv7AuditBase):
    """An enterprise as the market-regulation registry knows it."""

    __tablename__ = "enterprise"

    # 统一社会信用代码 (GB 32100), stored normalized; public information, not encrypted.
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_representative_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"), index=True)
    registered_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    deregistered_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )

    @property
    def is_active(self) -> bool:
        """False once the enterprise is deregistered (注销): nobody acts for it any more."""
        return self.deregistered_at is None


class EnterpriseMember(UUIDv7AuditBase):
    """One period in which a person held a role in an enterprise."""

    __tablename__ = "enterprise_member"
    __table_args__ = (
        # At most one open membership per person and enterprise; closed rows are history.
        Index(
            "uq_enterprise_member_active",
            "enterprise_id",
            "person_id",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
        Index("ix_enterprise_member_person", "person_id", "removed_at"),
    )

    enterprise_id: Mapped[UUID] = mapped_column(ForeignKey("enterprise.id"))
    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"))
    role: Mapped[MemberRole] = mapped_column(String(32))
    # None when the registry made the membership (the legal representative).
    added_by_person_id: Mapped[UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    added_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    removed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    removed_by_person_id: Mapped[UUID | None] = mapped_column(ForeignKey("person.id"), default=None)

    @property
    def is_active(self) -> bool:
        """True until the membership is removed (or replaced by a role change)."""
        return self.removed_at is None
