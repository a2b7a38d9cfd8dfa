"""Shared-record tables: consents, the data-access log and correction requests.

None of them holds an ID number or a credit code in clear, nor a record's value: whose
records were read is a person (and an enterprise) id, what was read is ``source.field``
names. All three are history: a consent is withdrawn, never deleted; the access log is
append-only; a correction request changes only its status.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import BigIntAuditBase, UUIDv7AuditBase


class RecordConsent(UUIDv7AuditBase):
    """A person's consent that these ``source.field`` records are read for one purpose."""

    __tablename__ = "record_consent"
    __table_args__ = (
        # One active consent per person and purpose; withdrawn ones stay as history.
        Index(
            "uq_record_consent_active",
            "person_id",
            "purpose_kind",
            "purpose_ref",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"))
    # Set when enterprise records are covered: the enterprise the person acts for.
    enterprise_id: Mapped[UUID | None] = mapped_column(ForeignKey("enterprise.id"), default=None)
    purpose_kind: Mapped[str] = mapped_column(String(32))
    purpose_ref: Mapped[str] = mapped_column(String(64))
    purpose_label: Mapped[str] = mapped_column(String(200))
    # The granted fields, "source.field", sorted.
    fields: Mapped[list[str]] = mapped_column(JSON)
    granted_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    @property
    def is_active(self) -> bool:
        """True until the person withdraws it (or grants a new one for the same purpose)."""
        return self.withdrawn_at is None

    def covers(self, source: str, field: str) -> bool:
        """Whether this consent names ``source.field``."""
        return f"{source}.{field}" in self.fields


class AccessOutcome(StrEnum):
    """What a read of one source came to."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


class DataAccess(BigIntAuditBase):
    """One read of one source about one person (and enterprise). Append-only (数据使用记录)."""

    __tablename__ = "data_access"
    __table_args__ = (Index("ix_data_access_person_accessed", "person_id", "accessed_at"),)

    # Whose data: the person, and the enterprise when the source holds enterprise records.
    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"))
    enterprise_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("enterprise.id"), default=None, index=True
    )
    # Who read: the person themself (staff_id empty), or a member of staff on their behalf.
    staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff.id"), default=None, index=True)
    # ... or a relative or guardian acting for them under an authorization (issue 8).
    agent_person_id: Mapped[UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    # The consent the read was made under; empty only for a member of staff finding the
    # person by phone number (source ``account``), which is done in the course of a duty
    # (scheduling a visit, recording a request), not on consent (``app.records.lookups``).
    consent_id: Mapped[UUID | None] = mapped_column(ForeignKey("record_consent.id"), default=None)
    source: Mapped[str] = mapped_column(String(64))  # a code of SOURCES, or ``account``
    fields: Mapped[list[str]] = mapped_column(JSON)  # field names of ``source``
    purpose_kind: Mapped[str] = mapped_column(String(32))
    purpose_ref: Mapped[str] = mapped_column(String(64))
    purpose_label: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[AccessOutcome] = mapped_column(String(16))
    accessed_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class CorrectionStatus(StrEnum):
    """Where a correction request stands at its source."""

    OPEN = "open"  # recorded; forwarded_at says whether the source has it yet
    RESOLVED = "resolved"  # the source corrected the record
    REJECTED = "rejected"  # the source found the record right


class RecordCorrection(UUIDv7AuditBase):
    """A person's report that a pre-filled value from a source is wrong ("report an error")."""

    __tablename__ = "record_correction"
    __table_args__ = (Index("ix_record_correction_person_created", "person_id", "created_at"),)

    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"))
    enterprise_id: Mapped[UUID | None] = mapped_column(ForeignKey("enterprise.id"), default=None)
    source: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(500))
    purpose_kind: Mapped[str] = mapped_column(String(32))
    purpose_ref: Mapped[str] = mapped_column(String(64))
    purpose_label: Mapped[str] = mapped_column(String(200))
    status: Mapped[CorrectionStatus] = mapped_column(String(16), default=CorrectionStatus.OPEN)
    # When the source accepted it, and its reference; both empty while it has not yet.
    forwarded_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    ticket: Mapped[str | None] = mapped_column(String(100), default=None)
