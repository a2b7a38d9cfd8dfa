"""``/mp/v1/licenses/import``: licenses the shared records already hold, into my wallet.

The same service as the page ``/me/licenses/import`` (``app/spaces/imports.py``): the list
says which records can be imported and which of their fields are read; importing one is the
consent to read exactly those fields, once (the read is in my data-use record). Importing
again answers the license made the first time without reading again. Into the person's own
wallet, or, with ``X-Acting-For: <enterprise id>``, into the enterprise's (its business
licence); a relative acting for a principal cannot import into the principal's wallet (404).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from app import errors
from app.i18n import current_locale
from app.miniprogram_api.contract import ACTING_FOR
from app.miniprogram_api.wallet import LicenseBody, license_body
from app.spaces.imports import LicenseImportService, import_option, import_options
from app.wallet.service import HolderKind, WalletService
from app.wallet.views import license_view
from app.web.access import Access
from app.web.providers.spaces import provide_imports
from app.web.providers.wallet import bearer_holder, provide_wallet
from app.web.subjects import required_bearer


class ImportSource(msgspec.Struct, kw_only=True, rename="camel"):
    """A record that is a license: ``source`` (for the import), the license's title, the
    record's name and the names of the fields the import reads."""

    source: str
    title: str
    source_label: str
    fields: list[str]


class ImportSources(msgspec.Struct, kw_only=True, rename="camel"):
    """What can be imported into my wallet."""

    sources: list[ImportSource]


class LicenseImportApi(Controller):
    """Importing licenses from the shared records through the mini-program."""

    path = "/licenses/import"
    tags = ["mini-program: wallet"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    parameters = ACTING_FOR  # an enterprise's member imports into the enterprise's wallet
    dependencies = {  # noqa: RUF012
        "imports": Provide(provide_imports, sync_to_thread=False),
        "wallet": Provide(provide_wallet, sync_to_thread=False),
    }

    @get("/")
    async def sources(
        self, request: Request[Any, Any, Any], imports: NamedDependency[LicenseImportService]
    ) -> ImportSources:
        """Which licenses the records can put in my (or the enterprise's) wallet, and what is
        read for each."""
        holder = await bearer_holder(request)
        for_enterprise = holder.kind is HolderKind.ENTERPRISE
        options = import_options(for_enterprise, current_locale(), imports.license_types)
        return ImportSources(sources=[
            ImportSource(source=o.source, title=o.title, source_label=o.source_label,
                         fields=o.fields)
            for o in options
        ])  # fmt: skip

    @post("/{source:str}", status_code=200)
    async def run(
        self, request: Request[Any, Any, Any], source: FromPath[str],
        imports: NamedDependency[LicenseImportService], wallet: NamedDependency[WalletService],
    ) -> LicenseBody:  # fmt: skip
        """Read the record (this call is the consent) and put the license in my wallet (an
        unknown source: 404; no such record: 422; the records unreachable: 503)."""
        person, holder = await required_bearer(request), await bearer_holder(request)
        for_enterprise = holder.kind is HolderKind.ENTERPRISE
        option = import_option(source, for_enterprise, current_locale(), imports.license_types)
        if option is None:
            raise errors.NotFound
        enterprise_id = holder.id if for_enterprise else None
        found = await imports.import_from(person, source, enterprise_id=enterprise_id,
                                          label=option.title)  # fmt: skip
        return license_body(license_view(found, wallet.license_types, await wallet.departments()))
