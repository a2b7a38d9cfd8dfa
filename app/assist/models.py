"""Tables of assisted service: authorizations (授权委托), their history, and home visits.

Authorizations and their events are history: an authorization is revoked or lapses, never
deleted, and every step (granted, confirmed, used, revoked, expired) appends an event the
resident sees on 我的 → 我的授权.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import BigIntAuditBase, UUIDv7AuditBase


class Scope(StrEnum):
    """What an authorization lets the agent do (for the bundles it names)."""

    PREPARE = "prepare"  # start drafts, answer, fill the form
    CONSENT = "consent"  # consent to record reads on the resident's behalf
    SUBMIT = "submit"  # submit the application
    VIEW_RESULTS = "view_results"  # follow the application and its results


class Confirmation(StrEnum):
    """How the resident confirmed the authorization."""

    SIGNED_IN = "signed_in"  # on their own device, signed in (the non-face path)
    SMS_CODE = "sms_code"  # at the visit, with a fresh code sent to their phone
    QR = "qr"  # at the visit, scanning the tablet's QR with their own phone, signed in there
    IN_PERSON = "in_person"  # signature on the tablet + ID-card photo; a supervisor checks later
    # Guardianships (no confirmation by the ward): the proof stands in for it.
    HOUSEHOLD_RECORD = "household_record"  # parent of a minor, per the household register
    STAFF_CHECKED = "staff_checked"  # a court's appointment, checked by a member of staff


class GuardianshipBasis(StrEnum):
    """Why a guardian acts for their ward without the ward's confirmation."""

    PARENT_OF_MINOR = "parent_of_minor"  # proven from the household register (户籍)
    COURT_APPOINTED = "court_appointed"  # an adult without capacity; the court's document


class AuthorizationEventKind(StrEnum):
    """What happened to an authorization."""

    GRANTED = "granted"  # proposed with its scope and period
    CONFIRMED = "confirmed"
    USED = "used"  # the agent acted under it (the note says what)
    REVOKED = "revoked"
    EXPIRED = "expired"  # first noticed past its period
    # An in-person confirmation's check by a supervisor, and each look at its evidence.
    CHECKED = "checked"  # the supervisor found the signature and ID photo right
    REJECTED = "rejected"  # the supervisor did not (the note is the reason): revoked at once
    EVIDENCE_VIEWED = "evidence_viewed"  # a supervisor opened the signature or the ID photo


class Authorization(UUIDv7AuditBase):
    """A resident (principal) lets an agent act for them, within a scope.

    The agent is a field worker (``agent_staff_id``) or a person — a relative, or a guardian
    (``agent_person_id``): exactly one of the two. A guardianship is an authorization with a
    ``basis`` and a recorded proof instead of the principal's confirmation.
    """

    __tablename__ = "assist_authorization"
    __table_args__ = (
        Index("ix_assist_authorization_agent_person", "agent_staff_id", "person_id"),
        Index("ix_assist_authorization_person_agent", "agent_person_id", "person_id"),
        CheckConstraint("(agent_staff_id IS NULL) <> (agent_person_id IS NULL)", name="one_agent"),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"), index=True)
    agent_staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff.id"), default=None)
    agent_person_id: Mapped[UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    # Guardianships only: the basis, and its proof — a record (source and date) or a
    # document with the member of staff who checked it.
    basis: Mapped[str | None] = mapped_column(String(24), default=None)  # GuardianshipBasis
    proof_note: Mapped[str] = mapped_column(String(200), default="")
    proof_on: Mapped[date | None] = mapped_column(Date, default=None)
    proof_upload_key: Mapped[str | None] = mapped_column(String(200), default=None)
    proof_checked_by_staff_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("staff.id"), default=None
    )
    granted_by_staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff.id"), default=None)
    bundles: Mapped[list[str]] = mapped_column(JSON)  # bundle codes, sorted
    scopes: Mapped[list[str]] = mapped_column(JSON)  # ``Scope`` values, sorted
    valid_from: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    confirmed_by: Mapped[str | None] = mapped_column(String(16), default=None)  # Confirmation
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    expired_noted: Mapped[bool] = mapped_column(default=False)

    def is_active(self, now: datetime) -> bool:
        """Confirmed, not revoked, and inside its period at ``now``."""
        return (
            self.confirmed_at is not None
            and self.revoked_at is None
            and self.valid_from <= now < self.valid_until
        )

    def covers(self, scope: Scope, bundle_code: str | None) -> bool:
        """Whether the scope names ``scope`` (and the bundle, when one is asked about)."""
        return str(scope) in self.scopes and (bundle_code is None or bundle_code in self.bundles)


class AuthorizationEvent(BigIntAuditBase):
    """One step in an authorization's life. Append-only."""

    __tablename__ = "assist_authorization_event"

    authorization_id: Mapped[UUID] = mapped_column(
        ForeignKey("assist_authorization.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # AuthorizationEventKind
    actor_kind: Mapped[str] = mapped_column(String(16))  # person | staff | system
    actor_id: Mapped[UUID | None] = mapped_column(default=None)
    note: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class VisitReason(StrEnum):
    """Why the resident is served at home."""

    ELDERLY = "elderly"
    DISABLED = "disabled"


class VisitStatus(StrEnum):
    """Where a visit stands."""

    SCHEDULED = "scheduled"
    DONE = "done"
    CANCELLED = "cancelled"


class HomeVisit(UUIDv7AuditBase):
    """A field worker's appointment at a resident's home (上门办)."""

    __tablename__ = "assist_home_visit"
    __table_args__ = (Index("ix_assist_home_visit_worker_day", "field_worker_id", "day"),)

    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"), index=True)
    field_worker_id: Mapped[UUID] = mapped_column(ForeignKey("staff.id"))
    scheduled_by_id: Mapped[UUID] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(16))  # VisitReason
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=VisitStatus.SCHEDULED)
    # The in-person identity check (L3): who checked, when.
    id_checked_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff.id"), default=None)
    id_checked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class CheckStatus(StrEnum):
    """Where a supervisor's check of an in-person confirmation stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class InPersonConfirmation(UUIDv7AuditBase):
    """The evidence of an in-person confirmation and its supervisor's check (one per authorization).

    The signature (PNG) and the ID-card photo are re-encoded, then stored encrypted under
    opaque keys (``evidence/<uuid>``); only a supervisor opens them, and each look is an
    ``evidence_viewed`` event in the authorization's history (and so in the audit chain).
    """

    __tablename__ = "assist_in_person_confirmation"

    authorization_id: Mapped[UUID] = mapped_column(
        ForeignKey("assist_authorization.id"), unique=True
    )
    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"), index=True)
    captured_by_id: Mapped[UUID] = mapped_column(ForeignKey("staff.id"))
    signature_key: Mapped[str] = mapped_column(String(64))
    id_photo_key: Mapped[str] = mapped_column(String(64))
    id_photo_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=CheckStatus.PENDING, index=True)
    checked_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff.id"), default=None)
    checked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    reason: Mapped[str] = mapped_column(String(500), default="")
