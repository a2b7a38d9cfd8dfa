"""Public guide pages (办事指南): the bundles, and everything about one bundle's matters.

Rendered from the catalog files, the single source for the guide and the online flow.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from app.applications.drafts import real_name_first
from app.composition.runtime import Runtime
from app.errors import NotFound
from app.web.access import Access
from app.web.subjects import signed_in_person


class GuideController(Controller):
    """``/guide``: the catalog as public guide pages."""

    include_in_schema = False
    opt = {"access": Access.PUBLIC}  # noqa: RUF012

    @get("/guide/{code:str}")
    async def bundle(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        runtime: NamedDependency[Runtime],
    ) -> Template:
        """One bundle: its questions, matters with their twelve elements, or its outline."""
        catalog = runtime.catalog.catalog
        bundle = catalog.bundles.get(code)
        if bundle is None:
            raise NotFound
        person = await signed_in_person(request)
        return Template(
            template_name="guide/bundle.html",
            context={
                "tab": "services",
                "bundle": bundle,
                "catalog": catalog,
                "licenses": runtime.catalog.licenses,
                "departments": runtime.catalog.departments,
                "signed_in": person is not None,
                "real_name_first": person is not None and real_name_first(catalog, bundle, person),
            },
        )
