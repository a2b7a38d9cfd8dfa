"""证照 → "import from the records": licenses the shared records already hold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app import errors
from app.catalog.loader import LicenseType
from app.i18n import current_locale
from app.identity.models import Person
from app.spaces.imports import LicenseImportService, import_option, import_options
from app.web.access import Access
from app.web.providers.spaces import provide_imports
from app.web.subjects import acting_enterprise


async def _page(
    request: Request[Any, Any, Any],
    types: Mapping[str, LicenseType],
    status: int = 200,
    **context: Any,
) -> Template:
    acting = await acting_enterprise(request)
    locale = current_locale()
    options = import_options(acting is not None, locale, types)
    return Template(
        template_name="wallet/import.html",
        context={"tab": "wallet", "options": options, "acting": acting, "message": None, **context},
        status_code=status,
    )


class LicenseImportController(Controller):
    """``/me/licenses/import``: the list, and importing one."""

    include_in_schema = False
    opt = {"access": Access.PERSON}  # noqa: RUF012 (Litestar reads it as a class attribute)
    dependencies = {"imports": Provide(provide_imports, sync_to_thread=False)}  # noqa: RUF012

    @get("/me/licenses/import", name="license-import")
    async def options(
        self, request: Request[Any, Any, Any], imports: NamedDependency[LicenseImportService]
    ) -> Template:
        """Which licenses can be imported into the wallet shown, and what is read for each."""
        return await _page(request, imports.license_types)

    @post("/me/licenses/import/{source:str}", status_code=303)
    async def run(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        source: FromPath[str],
        imports: NamedDependency[LicenseImportService],
    ) -> Redirect | Template:
        """Read the record (this press is the consent) and put the license in the wallet."""
        acting = await acting_enterprise(request)
        option = import_option(source, acting is not None, current_locale(), imports.license_types)
        if option is None:
            raise errors.NotFound
        try:
            license_ = await imports.import_from(
                person, source, enterprise_id=acting.id if acting else None, label=option.title
            )
        except errors.RuleViolation as exc:
            return await _page(request, imports.license_types, 422, message=exc.message)
        except errors.Unavailable as exc:
            return await _page(request, imports.license_types, 503, message=exc.message)
        return Redirect(f"/me/licenses/{license_.id}", status_code=303)
