"""我的 → 个人空间 / 企业空间: "download my data", the enterprise space, importing licenses."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Response, Template

from app import errors
from app.composition.runtime import Runtime
from app.i18n import current_locale
from app.identity.account import AccountService
from app.identity.models import Person
from app.identity.sessions import SESSION_COOKIE, SessionStore
from app.spaces import enterprise_space
from app.spaces.enterprise_space import EnterpriseSpaceService
from app.spaces.export import ExportService
from app.wallet.views import license_view
from app.web.access import Access
from app.web.providers.identity import provide_account
from app.web.providers.spaces import provide_enterprise_space, provide_export
from app.web.subjects import acting_enterprise


class SpacesController(Controller):
    """``/me/export`` and the spaces' pages."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012 (Litestar reads it as a class attribute)
    dependencies = {  # noqa: RUF012
        "exports": Provide(provide_export, sync_to_thread=False),
        "account": Provide(provide_account, sync_to_thread=False),
        "space": Provide(provide_enterprise_space, sync_to_thread=False),
    }

    @get("/me/export", name="export")
    async def export(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        exports: NamedDependency[ExportService],
        account: NamedDependency[AccountService],
    ) -> Response[bytes]:
        """Everything held about me, as a download; numbers in full only after re-authentication."""
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

    @get("/me/enterprise-space", name="enterprise-space")
    async def enterprise_space(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        space: NamedDependency[EnterpriseSpaceService],
        runtime: NamedDependency[Runtime],
    ) -> Template | Redirect:
        """企业空间 of the enterprise acted for; acting as oneself leads to choosing one."""
        acting = await acting_enterprise(request)
        if acting is None:
            return Redirect("/me/enterprises", status_code=303)
        found = await space.space(person, acting.id)
        departments = await space.departments()
        types = runtime.catalog.licenses
        return Template(
            template_name="spaces/enterprise.html",
            context={
                "tab": "me",
                "space": found,
                "licenses": [license_view(item, types, departments) for item in found.licenses],
                "catalog": runtime.catalog,
                "registry_label": registry_label,
            },
        )

    @post("/me/enterprise-space/registry", status_code=303)
    async def share_registry(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        space: NamedDependency[EnterpriseSpaceService],
    ) -> Redirect:
        """Agree that the registry completes the profile (each view's read is logged)."""
        acting = await acting_enterprise(request)
        if acting is None:
            raise errors.NotFound
        await space.share_registry(person, acting.id)
        return Redirect("/me/enterprise-space", status_code=303)

    @post("/me/enterprise-space/registry/withdraw", status_code=303)
    async def stop_sharing(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        space: NamedDependency[EnterpriseSpaceService],
    ) -> Redirect:
        """Withdraw that consent."""
        acting = await acting_enterprise(request)
        if acting is None:
            raise errors.NotFound
        await space.stop_sharing(person, acting.id)
        return Redirect("/me/enterprise-space", status_code=303)


def registry_label(field: str) -> str:
    """The label of a registry field in the current language."""
    return enterprise_space.registry_label(field, current_locale())
