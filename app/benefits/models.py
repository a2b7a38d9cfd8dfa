"""Benefit offers: one per benefit and subject, kept as history with the person's answer."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import UUIDv7AuditBase


class OfferStatus(StrEnum):
    """Where an offer stands; the person answers once, in one step."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DISPUTED = "disputed"  # the person says the record behind it is wrong
    WITHDRAWN = "withdrawn"  # staff upheld the objection: the record was wrong, no offer


class DisputeOutcome(StrEnum):
    """How staff answered an objection (异议处理), always with the reasons."""

    UPHELD = "upheld"  # the person is right: the offer is withdrawn, the record corrected
    REJECTED = "rejected"  # the record stands: the offer is open again to accept or decline


class BenefitOffer(UUIDv7AuditBase):
    """A benefit offered because records met its rule (免申即享).

    ``subject`` is ``person:<id>`` or ``enterprise:<id>``: one offer per benefit and subject,
    whatever the job's reruns (its uniqueness makes the job idempotent). ``reasons`` says why:
    for each condition, the source, field, holding department and the record's date — never
    the values themselves (the person sees them in their records, not copied here).
    """

    __tablename__ = "benefit_offer"
    __table_args__ = (
        UniqueConstraint("benefit_code", "subject", name="uq_benefit_offer_subject"),
        Index("ix_benefit_offer_person", "person_id", "offered_at"),
        Index("ix_benefit_offer_status", "status", "department_code"),
    )

    benefit_code: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(80))
    # The person offered to: the subject, or the member whose consent covered the enterprise.
    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"))
    enterprise_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("enterprise.id"), default=None, index=True
    )
    department_code: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    record_date: Mapped[date] = mapped_column(Date)
    status: Mapped[OfferStatus] = mapped_column(String(16), default=OfferStatus.OFFERED)
    offered_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    dispute_note: Mapped[str | None] = mapped_column(String(500), default=None)
    # Staff's answer to the objection: who, when, which way and why (shown to the person).
    dispute_outcome: Mapped[DisputeOutcome | None] = mapped_column(String(16), default=None)
    dispute_answer: Mapped[str | None] = mapped_column(String(500), default=None)
    dispute_answered_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    dispute_answered_by_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("staff.id"), default=None
    )
