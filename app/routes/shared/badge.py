"""The tab bar's unread badge, counted before the resident and public channels' pages."""

from __future__ import annotations

from typing import Any

from litestar import Request

from app.composition.runtime import Runtime
from app.notices.inbox import Inbox
from app.web.subjects import signed_in_person

_NO_BADGE = ("/static/", "/mp/", "/healthz", "/readyz", "/schema", "/oidc/", "/verify")


async def count_unread(request: Request[Any, Any, Any]) -> None:
    """``before_request``: the unread count for the tab bar's badge (GET pages only)."""
    path = request.url.path
    if request.method != "GET" or path.startswith(_NO_BADGE) or path.endswith("/live"):
        return
    person = await signed_in_person(request)
    if person is None:
        return
    runtime: Runtime = request.app.state.runtime
    async with runtime.sessionmaker() as db:
        request.state.unread = await Inbox(db).unread_count(person.id)
