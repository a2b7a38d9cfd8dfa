"""Application tables (办件): the application, its sub-cases, its history, ratings, complaints.

The form's values and a mailing address are stored sealed (encrypted as one document bound
to the application), never as clear columns. History is append-only.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from advanced_alchemy.base import BigIntAuditBase, BigIntBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.applications.states import SUSPENDED_NOTE, ApplicationState, SubCaseState
from app.db.base import UUIDv7AuditBase
from app.notices.models import Notice


class Channel(StrEnum):
    """Where the application came in."""

    WEB = "web"
    WECHAT = "wechat"
    ALIPAY = "alipay"
    WINDOW = "window"
    FIELD = "field"


class Card(StrEnum):
    """电子监察: a sub-case's time-limit warning."""

    NONE = "none"
    YELLOW = "yellow"  # a configurable share of its limit is used
    RED = "red"  # overdue


class ApplicationSerial(BigIntBase):
    """One row per application: its id is the serial part of the readable number."""

    __tablename__ = "application_serial"


class Application(UUIDv7AuditBase):
    """An application (办件) for one bundle, submitted once."""

    __tablename__ = "application"
    __table_args__ = (
        # A retried submit (same actor, same key) can never make a second application.
        UniqueConstraint("acted_by_id", "idempotency_key", name="uq_application_idempotency"),
        Index("ix_application_owner", "person_id", "enterprise_id"),
    )

    number: Mapped[str] = mapped_column(String(32), unique=True)  # YJS-20261123-000123
    # The applicant: a person, or an enterprise (then person_id is the member acting for it).
    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"))
    enterprise_id: Mapped[UUID | None] = mapped_column(ForeignKey("enterprise.id"), default=None)
    # Who pressed "submit": the applicant themself, an enterprise's agent, or a delegate.
    acted_by_kind: Mapped[str] = mapped_column(String(16))
    acted_by_id: Mapped[UUID] = mapped_column()
    acting: Mapped[str] = mapped_column(String(16), default="self")  # self | agent | delegate
    bundle_code: Mapped[str] = mapped_column(String(64))
    matter_codes: Mapped[list[str]] = mapped_column(JSON)
    draft_id: Mapped[UUID] = mapped_column(ForeignKey("draft.id"), unique=True)
    sealed_form: Mapped[str] = mapped_column(Text)
    proofs: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Materials left to follow on the applicant's written commitment (容缺).
    deferred_materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    channel: Mapped[Channel] = mapped_column(String(16))
    delivery: Mapped[str] = mapped_column(String(16))
    sealed_address: Mapped[str | None] = mapped_column(Text, default=None)
    state: Mapped[ApplicationState] = mapped_column(String(16), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    commitment_text: Mapped[str | None] = mapped_column(Text, default=None)
    commitment_due_on: Mapped[date | None] = mapped_column(Date, default=None)
    commitment_reminded_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    commitment_lapsed_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    commitment_fulfilled_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    return_reasons: Mapped[str | None] = mapped_column(Text, default=None)
    submitted_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    @property
    def commitment_open(self) -> bool:
        """Accepted on a commitment whose materials have not all arrived."""
        return bool(self.deferred_materials) and self.commitment_fulfilled_at is None


class SubCase(UUIDv7AuditBase):
    """One matter of an application, in its department, with its own clock."""

    __tablename__ = "sub_case"
    __table_args__ = (
        UniqueConstraint("application_id", "matter_code", name="uq_sub_case_matter"),
        Index("ix_sub_case_queue", "department_code", "state"),
    )

    application_id: Mapped[UUID] = mapped_column(ForeignKey("application.id"), index=True)
    matter_code: Mapped[str] = mapped_column(String(64))
    department_code: Mapped[str] = mapped_column(String(32))
    state: Mapped[SubCaseState] = mapped_column(String(16))
    depends_on: Mapped[list[str]] = mapped_column(JSON, default=list)
    limit_days: Mapped[int]  # promised working days (承诺时限)
    started_on: Mapped[date | None] = mapped_column(Date, default=None)
    due_on: Mapped[date | None] = mapped_column(Date, default=None)
    # While the applicant supplements, the clock stops with this many working days left.
    days_left_when_paused: Mapped[int | None] = mapped_column(default=None)
    card: Mapped[Card] = mapped_column(String(8), default=Card.NONE)
    reasons: Mapped[str | None] = mapped_column(Text, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    @property
    def suspended(self) -> bool:
        """Suspended because promised materials (容缺) are overdue: their arrival resumes it."""
        return self.state == SubCaseState.SUPPLEMENT and self.reasons == SUSPENDED_NOTE


class ApplicationEvent(BigIntAuditBase):
    """One entry of an application's append-only history: a transition or a notable event.

    Issue 6 (notices) reads these: a notice is written beside its event in the same
    transaction (``app.applications.history.record`` is the one place events are made).
    """

    __tablename__ = "application_event"

    application_id: Mapped[UUID] = mapped_column(ForeignKey("application.id"), index=True)
    sub_case_id: Mapped[UUID | None] = mapped_column(ForeignKey("sub_case.id"), default=None)
    matter_code: Mapped[str | None] = mapped_column(String(64), default=None)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16), default=None)
    to_state: Mapped[str | None] = mapped_column(String(16), default=None)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[UUID | None] = mapped_column(default=None)
    on_behalf_of_kind: Mapped[str | None] = mapped_column(String(16), default=None)
    on_behalf_of_id: Mapped[UUID | None] = mapped_column(default=None)
    note: Mapped[str] = mapped_column(Text, default="")

    # The notice written beside this event (``history.write_for_event``), if any.
    notices: Mapped[list[Notice]] = relationship(lazy="raise")


class Rating(UUIDv7AuditBase):
    """好差评: one per finished application, five levels, tags and a comment."""

    __tablename__ = "application_rating"
    __table_args__ = (CheckConstraint("stars BETWEEN 1 AND 5", name="stars_one_to_five"),)

    application_id: Mapped[UUID] = mapped_column(ForeignKey("application.id"), unique=True)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"))
    stars: Mapped[int]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")


class ComplaintState(StrEnum):
    """A complaint is open until a supervisor answers it."""

    OPEN = "open"
    ANSWERED = "answered"


class Complaint(UUIDv7AuditBase):
    """A poor rating opens a complaint that a supervisor answers by a deadline."""

    __tablename__ = "complaint"

    application_id: Mapped[UUID] = mapped_column(ForeignKey("application.id"), index=True)
    rating_id: Mapped[UUID] = mapped_column(ForeignKey("application_rating.id"), unique=True)
    state: Mapped[ComplaintState] = mapped_column(String(16), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text, default=None)
    answered_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff.id"), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Set once by the sweep when the due day passed without an answer (督办: overdue).
    overdue_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class ResultKind(StrEnum):
    """What a finished matter produced (办理结果)."""

    LICENSE = "license"  # an e-license, issued into the holder's wallet
    DOCUMENT = "document"  # a document, delivered as the applicant chose


class CaseResult(UUIDv7AuditBase):
    """The result of an approved sub-case and how it went to the applicant (one per sub-case)."""

    __tablename__ = "case_result"

    sub_case_id: Mapped[UUID] = mapped_column(ForeignKey("sub_case.id"), unique=True)
    application_id: Mapped[UUID] = mapped_column(ForeignKey("application.id"), index=True)
    matter_code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[ResultKind] = mapped_column(String(16))
    license_id: Mapped[UUID | None] = mapped_column(ForeignKey("wallet_license.id"), default=None)
    delivery: Mapped[str] = mapped_column(String(16))  # electronic | window | mail
    delivered_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
