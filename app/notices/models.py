"""Notice tables: one notice per (event, recipient), and its deliveries per channel.

A notice comes from an application event (``event_id``, ``application_id``) or stands alone
with a ``subject_key`` naming what it is about once per recipient (a license's expiry
reminder, its revocation: ``license_id``; an answered objection to a benefit offer:
``offer_id``); exactly one of the two origins is set.

A notice holds message ids and parameters, never rendered text, so each reader sees it in
their own language. A delivery's status only moves forward (``DeliveryStatus.can_become``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship


class DeliveryChannel(StrEnum):
    """Where a notice goes. The in-app inbox is always one; the others where the person is."""

    IN_APP = "in_app"
    WECHAT = "wechat"  # subscribeMessage.send
    ALIPAY = "alipay"  # alipay.open.app.mini.templatemessage.send
    SMS = "sms"
    # A push delivery whose channel is chosen when it is sent: the person's first preferred
    # channel they can be reached on and this notice has not tried yet (``preferences.route``).
    PUSH = "push"


class DeliveryStatus(StrEnum):
    """A forward-only state machine.

    ``pending`` ends once: ``sent``, ``failed`` or ``gave_up``. A ``sent`` SMS may move once
    more, when the gateway's delivery receipt (回执) comes: ``delivered``, or ``failed`` when
    the phone never got it. ``delivered``, ``failed`` and ``gave_up`` are final.
    """

    PENDING = "pending"
    SENT = "sent"  # the provider took it
    DELIVERED = "delivered"  # the provider's receipt: the phone has it
    FAILED = "failed"  # permanent: refused (43101, no address) or reported undelivered
    GAVE_UP = "gave_up"  # transient errors until the attempts ran out

    def can_become(self, other: DeliveryStatus) -> bool:
        """Whether a delivery in this status may move to ``other`` (never back, never twice)."""
        return other in _NEXT[self]


_NEXT: dict[DeliveryStatus, frozenset[DeliveryStatus]] = {
    DeliveryStatus.PENDING: frozenset(
        {DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP}
    ),
    DeliveryStatus.SENT: frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.FAILED}),
    DeliveryStatus.DELIVERED: frozenset(),
    DeliveryStatus.FAILED: frozenset(),
    DeliveryStatus.GAVE_UP: frozenset(),
}


class Notice(UUIDv7AuditBase):
    """One message to one person about an application event, a license or an offer (站内信)."""

    __tablename__ = "notice"
    __table_args__ = (
        # Exactly once in the inbox, however often the writing code runs.
        UniqueConstraint("event_id", "person_id", name="uq_notice_event_recipient"),
        UniqueConstraint("subject_key", "person_id", name="uq_notice_subject_recipient"),
        CheckConstraint("(event_id IS NULL) <> (subject_key IS NULL)", name="one_origin"),
        Index("ix_notice_inbox", "person_id", "created_at"),
    )

    event_id: Mapped[int | None] = mapped_column(ForeignKey("application_event.id"), default=None)
    # What a notice without an event is about, e.g. "license:<id>:expiring:30".
    subject_key: Mapped[str | None] = mapped_column(String(120), default=None)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"))
    enterprise_id: Mapped[UUID | None] = mapped_column(ForeignKey("enterprise.id"), default=None)
    application_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("application.id"), index=True, default=None
    )
    license_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("wallet_license.id"), index=True, default=None
    )
    offer_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("benefit_offer.id"), index=True, default=None
    )
    kind: Mapped[str] = mapped_column(String(32))  # the event's action, or a NoticeKind
    title_id: Mapped[str] = mapped_column(Text)  # an English msgid, translated when shown
    body_id: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    read_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    deliveries: Mapped[list[Delivery]] = relationship(back_populates="notice", lazy="raise")


class Delivery(UUIDv7AuditBase):
    """One notice on one channel: the outbox row a job sends and a sweep re-queues."""

    __tablename__ = "notice_delivery"
    __table_args__ = (
        UniqueConstraint("notice_id", "channel", name="uq_delivery_notice_channel"),
        Index("ix_delivery_pending", "status", "next_attempt_at"),
    )

    notice_id: Mapped[UUID] = mapped_column(ForeignKey("notice.id"))
    channel: Mapped[DeliveryChannel] = mapped_column(String(16))
    status: Mapped[DeliveryStatus] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # A job owns the row until then (a crashed job's claim lapses and the sweep re-queues).
    claimed_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    # Sent to providers that de-duplicate (SMS gateway, Alipay); the delivery id itself.
    idempotency_key: Mapped[str] = mapped_column(String(64))
    provider_message_id: Mapped[str | None] = mapped_column(String(128), default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    notice: Mapped[Notice] = relationship(back_populates="deliveries", lazy="raise")
