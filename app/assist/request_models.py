"""Tables of visit requests (上门办 / 帮代办 requests), their history, and field workers' areas.

A request is history too: it is cancelled or declined, never deleted, and every step
appends a ``VisitRequestEvent``. The address is personal data: only its ciphertext is
stored (``DataProtector.seal``, bound to the request's id).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import BigIntAuditBase, UUIDv7AuditBase


class RequestKind(StrEnum):
    """What the resident asks for."""

    HOME_VISIT = "home_visit"  # 上门办: a worker comes and applies with them at home
    PROXY = "proxy"  # 帮代办: a worker runs the errand for them


class RequesterKind(StrEnum):
    """Who asked."""

    RESIDENT = "resident"  # the resident themself, signed in
    RELATIVE = "relative"  # another signed-in person naming the resident
    STAFF = "staff"  # a window clerk (community workers sign in as window clerks)


class RequestStatus(StrEnum):
    """Where a request stands.

    ``awaiting_resident`` → ``requested`` (the resident accepted a relative's request) or
    ``declined``; ``requested`` → ``assigned`` → ``visited``; ``requested`` and ``assigned``
    → ``cancelled``.
    """

    AWAITING_RESIDENT = "awaiting_resident"
    REQUESTED = "requested"
    ASSIGNED = "assigned"
    VISITED = "visited"
    CANCELLED = "cancelled"
    DECLINED = "declined"


class Slot(StrEnum):
    """Half-days a visit can take place in."""

    MORNING = "am"
    AFTERNOON = "pm"


# Times written into notices: language-neutral, so a stored notice reads in any language.
SLOT_HOURS: dict[str, str] = {Slot.MORNING: "09:00–12:00", Slot.AFTERNOON: "14:00–17:00"}


class Need(StrEnum):
    """Special needs the worker should know before coming."""

    HEARING = "hearing"
    SIGHT = "sight"
    MOBILITY = "mobility"


class VisitRequest(UUIDv7AuditBase):
    """Someone asks for a home visit or proxy help for a resident."""

    __tablename__ = "assist_visit_request"
    __table_args__ = (Index("ix_assist_visit_request_area_status", "area", "status"),)

    # None only for a relative's request naming nobody we know: kept so that the relative
    # sees the same thing whether the resident exists or not.
    person_id: Mapped[UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    requester_kind: Mapped[str] = mapped_column(String(16))  # RequesterKind
    requester_person_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("person.id"), default=None, index=True
    )
    requester_staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff.id"), default=None)
    kind: Mapped[str] = mapped_column(String(16))  # RequestKind
    address_ciphertext: Mapped[str] = mapped_column(String(1000))
    area: Mapped[str] = mapped_column(String(40))  # a code of ``app.assist.areas.AREAS``
    bundle: Mapped[str] = mapped_column(String(64))
    preferred: Mapped[list[str]] = mapped_column(JSON)  # "YYYY-MM-DD:am" | "YYYY-MM-DD:pm"
    needs: Mapped[list[str]] = mapped_column(JSON)  # ``Need`` values, sorted
    needs_other: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.REQUESTED)
    visit_id: Mapped[UUID | None] = mapped_column(ForeignKey("assist_home_visit.id"), default=None)
    slot: Mapped[str | None] = mapped_column(String(2), default=None)  # Slot of the visit
    # Counts assignments and changes: names each appointment notice once (its subject key).
    revision: Mapped[int] = mapped_column(default=0)


class VisitRequestEvent(BigIntAuditBase):
    """One step of a request. Append-only."""

    __tablename__ = "assist_visit_request_event"

    request_id: Mapped[UUID] = mapped_column(ForeignKey("assist_visit_request.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # a RequestStatus, or "rescheduled"
    actor_kind: Mapped[str] = mapped_column(String(16))  # person | staff
    actor_id: Mapped[UUID | None] = mapped_column(default=None)
    note: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class WorkerArea(BigIntAuditBase):
    """A field worker serves an area."""

    __tablename__ = "assist_worker_area"
    __table_args__ = (UniqueConstraint("staff_id", "area", name="uq_assist_worker_area"),)

    staff_id: Mapped[UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    area: Mapped[str] = mapped_column(String(40), index=True)
