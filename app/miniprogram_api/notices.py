"""``/mp/v1/notices`` and ``/mp/v1/notice-preferences``: my inbox and how I want to be told.

Titles and bodies come translated into the request's language. The preferences list the
push channels in the order wanted; the in-app inbox is always on and is not in the list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import Body, FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from app.notices.inbox import Inbox, body_of, title_of
from app.notices.models import Notice
from app.notices.preferences import DEFAULT_ORDER, NoticePreferences
from app.web.access import Access
from app.web.subjects import required_bearer


class NoticeBody(msgspec.Struct, kw_only=True, rename="camel"):
    """One message in my inbox."""

    id: UUID
    kind: str
    title: str
    body: str
    application_id: UUID | None
    created_at: datetime
    read: bool


class NoticeList(msgspec.Struct, kw_only=True, rename="camel"):
    """My newest messages and how many of all are unread."""

    unread_count: int
    notices: list[NoticeBody]


class UnreadBody(msgspec.Struct, kw_only=True, rename="camel"):
    """How many messages are unread now."""

    unread_count: int


class NoticePreferencesBody(msgspec.Struct, kw_only=True, rename="camel"):
    """My push channels in order, and the ones there are to choose from."""

    channels: list[str]
    choices: list[str]
    in_app: bool = True  # always: the inbox gets every message


class NoticePreferencesUpdate(msgspec.Struct, kw_only=True, rename="camel"):
    """The push channels wanted, the preferred first; ``[]`` for the inbox only."""

    channels: list[str]


def provide_inbox(db_session: NamedDependency[AsyncSession]) -> Inbox:
    """The inbox on the request's session."""
    return Inbox(db_session)


def provide_preferences(db_session: NamedDependency[AsyncSession]) -> NoticePreferences:
    """Notice preferences on the request's session."""
    return NoticePreferences(db_session)


def _notice(notice: Notice) -> NoticeBody:
    return NoticeBody(
        id=notice.id, kind=notice.kind, title=title_of(notice), body=body_of(notice),
        application_id=notice.application_id, created_at=notice.created_at,
        read=notice.read_at is not None,
    )  # fmt: skip


def _preferences(channels: list[Any]) -> NoticePreferencesBody:
    return NoticePreferencesBody(
        channels=[str(c) for c in channels], choices=[str(c) for c in DEFAULT_ORDER]
    )


class NoticeApi(Controller):
    """My inbox through the mini-program."""

    path = "/notices"
    tags = ["mini-program: notices"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {"inbox": Provide(provide_inbox, sync_to_thread=False)}  # noqa: RUF012

    @get("/")
    async def list_notices(
        self, request: Request[Any, Any, Any], inbox: NamedDependency[Inbox]
    ) -> NoticeList:
        """My newest messages first, with the unread count for the tab's badge."""
        person = await required_bearer(request)
        notices = await inbox.latest(person.id)
        return NoticeList(
            unread_count=await inbox.unread_count(person.id),
            notices=[_notice(n) for n in notices],
        )

    @post("/{notice_id:uuid}/read", status_code=200)
    async def read_one(
        self, request: Request[Any, Any, Any], notice_id: FromPath[UUID],
        inbox: NamedDependency[Inbox],
    ) -> NoticeBody:  # fmt: skip
        """Mark one of my messages read (someone else's: 404)."""
        notice = await inbox.mark_read((await required_bearer(request)).id, notice_id)
        return _notice(notice)

    @post("/read", status_code=200)
    async def read_all(
        self, request: Request[Any, Any, Any], inbox: NamedDependency[Inbox]
    ) -> UnreadBody:
        """Mark all my messages read."""
        person = await required_bearer(request)
        await inbox.mark_all_read(person.id)
        return UnreadBody(unread_count=await inbox.unread_count(person.id))


class NoticePreferenceApi(Controller):
    """Which push channels tell me, in which order."""

    path = "/notice-preferences"
    tags = ["mini-program: notices"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "preferences": Provide(provide_preferences, sync_to_thread=False)
    }

    @get("/")
    async def show(
        self, request: Request[Any, Any, Any], preferences: NamedDependency[NoticePreferences]
    ) -> NoticePreferencesBody:
        """My push channels (the default order if I never chose)."""
        return _preferences(await preferences.order((await required_bearer(request)).id))

    @put("/")
    async def change(
        self, request: Request[Any, Any, Any],
        data: Annotated[NoticePreferencesUpdate, Body()],
        preferences: NamedDependency[NoticePreferences],
    ) -> NoticePreferencesBody:  # fmt: skip
        """Keep these push channels in this order (unknown or repeated ones: 422)."""
        person = await required_bearer(request)
        return _preferences(await preferences.save(person.id, data.channels))
