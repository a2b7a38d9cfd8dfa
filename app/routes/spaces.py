"""我的 → 个人空间 / 企业空间: "download my data", the enterprise space, importing licenses."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.response import Response

from app.identity.access import Access
from app.identity.account import AccountService
from app.identity.dependencies import provide_account
from app.identity.sessions import SESSION_COOKIE, SessionStore
from app.routes.sign_in import current_person
from app.spaces.dependencies import provide_export
from app.spaces.export import ExportService


class SpacesController(Controller):
    """``/me/export`` and the spaces' pages."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012 (Litestar reads it as a class attribute)
    dependencies = {  # noqa: RUF012
        "exports": Provide(provide_export, sync_to_thread=False),
        "account": Provide(provide_account, sync_to_thread=False),
    }

    @get("/me/export", name="export")
    async def export(
        self,
        request: Request[Any, Any, Any],
        exports: NamedDependency[ExportService],
        account: NamedDependency[AccountService],
    ) -> Response[bytes]:
        """Everything held about me, as a download; numbers in full only after re-authentication."""
        person = await current_person(request)
        session_key = SessionStore.key_of(request.cookies.get(SESSION_COOKIE, ""))
        full = await account.full_numbers(person, session_key)
        export = await exports.export(person, full)
        return Response(
            export.content,
            media_type=export.media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{export.filename}"',
                "Cache-Control": "no-store",
            },
        )
