"""Per-person notice preferences: which push channels, in which order (the inbox is always on)."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column


class NoticePreference(UUIDv7AuditBase):
    """One person's push channels, the preferred first (``["sms", "wechat"]``; ``[]``: none).

    A person without a row gets the default order (``preferences.DEFAULT_ORDER``).
    """

    __tablename__ = "notice_preference"

    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"), unique=True)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
