"""The inbox's actions and an application's live progress (``/me/notices``, ``…/live``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, ServerSentEvent
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.applicant import ApplicantCases
from app.composition.runtime import Runtime
from app.identity.models import Person
from app.notices.inbox import Inbox, link_of
from app.routes.resident.applications import MINE
from app.routes.resident.drafts import applicant
from app.web.access import Access
from app.web.live import changes
from app.web.providers.applications import provide_applicant_cases, provide_case_context


def provide_inbox(db_session: NamedDependency[AsyncSession]) -> Inbox:
    """The inbox on the request's session."""
    return Inbox(db_session)


class NoticeController(Controller):
    """Reading notices, and following one application as it changes."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "inbox": Provide(provide_inbox, sync_to_thread=False),
        "cases": Provide(provide_case_context, sync_to_thread=False),
        "mine": Provide(provide_applicant_cases, sync_to_thread=False),
    }

    @post("/me/notices/{notice_id:uuid}/read", status_code=303)
    async def open_notice(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        notice_id: FromPath[UUID], inbox: NamedDependency[Inbox],
    ) -> Redirect:  # fmt: skip
        """Mark the notice read and open what it is about (its application, license, offer)."""
        reader, acting_for = await applicant(request, person)
        notice = await inbox.mark_read(reader.id, notice_id)
        target = link_of(notice)
        if notice.application_id is None and notice.enterprise_id not in (None, acting_for):
            # An enterprise's license or offer shows only while acting for it: choose it first.
            target = "/me/enterprises"
        return Redirect(target, status_code=303)

    @post("/me/notices/read", status_code=303)
    async def read_all(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        inbox: NamedDependency[Inbox],
    ) -> Redirect:
        """Mark everything read and come back to the inbox."""
        reader, _ = await applicant(request, person)
        await inbox.mark_all_read(reader.id)
        return Redirect("/messages", status_code=303)

    @get(f"{MINE}/{{application_id:uuid}}/live")
    async def live(
        self, request: Request[Any, Any, Any], person: NamedDependency[Person],
        application_id: FromPath[UUID],
        mine: NamedDependency[ApplicantCases], runtime: NamedDependency[Runtime],
        after: FromQuery[int] = 0,
    ) -> ServerSentEvent:  # fmt: skip
        """Server-sent ``changed`` events while the owner watches (anyone else: 404)."""
        owner, enterprise_id = await applicant(request, person)
        application = await mine.get(owner.id, application_id, enterprise_id=enterprise_id)
        last_seen = request.headers.get("Last-Event-ID", "")
        after = max(after, int(last_seen) if last_seen.isdigit() else 0)
        stream = changes(
            runtime.redis, runtime.sessionmaker, application.id, after=after,
            lifetime=runtime.settings.live_stream_seconds,
        )  # fmt: skip
        return ServerSentEvent(stream, headers={"Cache-Control": "no-store"})
