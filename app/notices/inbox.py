"""The person's inbox (消息): their notices, the newest first, and what is unread."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.i18n import current_locale
from app.notices.models import Notice
from app.notices.texts import render

PAGE_SIZE = 50


class Inbox:
    """One person's notices; another person's notice is ``NotFound``."""

    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def latest(self, person_id: UUID, limit: int = PAGE_SIZE) -> Sequence[Notice]:
        """The newest notices first."""
        query = (
            select(Notice)
            .where(Notice.person_id == person_id)
            .order_by(Notice.created_at.desc(), Notice.id.desc())
            .limit(limit)
        )
        return (await self._db.scalars(query)).all()

    async def unread_count(self, person_id: UUID) -> int:
        """How many notices the person has not opened yet."""
        query = select(func.count()).where(Notice.person_id == person_id, Notice.read_at.is_(None))
        return int(await self._db.scalar(query) or 0)

    async def mark_read(self, person_id: UUID, notice_id: UUID) -> Notice:
        """Mark one notice read (again is harmless: the first time stays)."""
        notice = await self._db.get(Notice, notice_id)
        if notice is None or notice.person_id != person_id:
            raise NotFound
        if notice.read_at is None:
            notice.read_at = datetime.now(UTC)
        return notice

    async def mark_all_read(self, person_id: UUID) -> None:
        """Everything in the inbox is read now."""
        await self._db.execute(
            update(Notice)
            .where(Notice.person_id == person_id, Notice.read_at.is_(None))
            .values(read_at=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )


def link_of(notice: Notice) -> str:
    """Where opening the notice leads: its application, license or offer, else the inbox."""
    if notice.application_id is not None:
        return f"/me/applications/{notice.application_id}"
    if notice.license_id is not None:
        return f"/me/licenses/{notice.license_id}"
    if notice.offer_id is not None:
        return f"/me/benefits#offer-{notice.offer_id}"
    if (notice.subject_key or "").startswith("authorization:"):
        return "/me/authorizations"
    return "/messages"


def title_of(notice: Notice) -> str:
    """The notice's title in the current language."""
    return render(notice.title_id, notice.params, current_locale())


def body_of(notice: Notice) -> str:
    """The notice's text in the current language."""
    return render(notice.body_id, notice.params, current_locale())
