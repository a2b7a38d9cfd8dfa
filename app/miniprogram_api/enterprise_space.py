"""``/mp/v1/enterprises/{enterpriseId}/space``: 企业空间 (一企一档) of an enterprise I belong to.

The same service and rules as the page ``/me/enterprise-space``
(``app/spaces/enterprise_space.py``): its profile, members and roles, e-licenses and recent
applications; with my consent the profile is completed from the market-regulation registry,
each answer that reads it being in my data-use record, until I withdraw that consent. The
page shows the enterprise acted for; here the enterprise is named in the path, as for its
members, and ``X-Acting-For`` plays no part: only an active member sees it, anyone else gets
404, as for an enterprise that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from app.composition.runtime import Runtime
from app.i18n import current_locale
from app.identity.models import Person
from app.miniprogram_api.applications import ApplicationBody, _body
from app.miniprogram_api.enterprises import EnterpriseBody, MemberBody, _listing
from app.miniprogram_api.wallet import LicenseBody, license_body
from app.spaces.enterprise_space import EnterpriseSpaceService, registry_label
from app.wallet.views import license_view
from app.web.access import Access
from app.web.providers.spaces import provide_enterprise_space
from app.web.subjects import required_bearer


class RegistryFactBody(msgspec.Struct, kw_only=True, rename="camel"):
    """One field of the enterprise's record in the market-regulation registry."""

    field: str
    label: str
    value: str


class EnterpriseSpaceBody(msgspec.Struct, kw_only=True, rename="camel"):
    """企业空间: the enterprise (and my role), its members, licenses and latest applications.

    ``registryShared``: whether I agreed that the registry completes the profile; then
    ``registry`` lists its fields as of ``registryAsOf`` (empty when it holds none), or
    ``registryUnavailable`` says it could not be reached just now."""

    enterprise: EnterpriseBody
    members: list[MemberBody]
    can_add_agents: bool
    registry_shared: bool
    registry: list[RegistryFactBody]
    registry_as_of: date | None
    registry_unavailable: bool
    licenses: list[LicenseBody]
    applications: list[ApplicationBody]


async def _space(
    space: EnterpriseSpaceService, runtime: Runtime, person: Person, enterprise_id: UUID
) -> EnterpriseSpaceBody:
    found = await space.space(person, enterprise_id)
    departments = await space.departments()
    listing = _listing(found.members)
    locale = current_locale()
    return EnterpriseSpaceBody(
        enterprise=listing.enterprise, members=listing.members,
        can_add_agents=listing.can_add_agents, registry_shared=found.registry is not None,
        registry=[
            RegistryFactBody(field=f.field, label=registry_label(f.field, locale), value=f.value)
            for f in found.registry or []
        ],
        registry_as_of=found.registry_as_of, registry_unavailable=found.registry_unavailable,
        licenses=[
            license_body(license_view(item, runtime.catalog.licenses, departments))
            for item in found.licenses
        ],
        applications=[await _body(application) for application in found.applications],
    )  # fmt: skip


class EnterpriseSpaceApi(Controller):
    """The enterprise space through the mini-program."""

    path = "/enterprises/{enterprise_id:uuid}/space"
    tags = ["mini-program: enterprises"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {"space": Provide(provide_enterprise_space, sync_to_thread=False)}  # noqa: RUF012

    @get("/")
    async def show(
        self, request: Request[Any, Any, Any], enterprise_id: FromPath[UUID],
        space: NamedDependency[EnterpriseSpaceService], runtime: NamedDependency[Runtime],
    ) -> EnterpriseSpaceBody:  # fmt: skip
        """企业空间 of an enterprise I belong to (any other: 404); reads the registry only
        while I agree to it, and each read is in my data-use record."""
        person = await required_bearer(request)
        return await _space(space, runtime, person, enterprise_id)

    @post("/registry", status_code=200)
    async def share_registry(
        self, request: Request[Any, Any, Any], enterprise_id: FromPath[UUID],
        space: NamedDependency[EnterpriseSpaceService], runtime: NamedDependency[Runtime],
    ) -> EnterpriseSpaceBody:  # fmt: skip
        """Agree that the registry completes the profile; answers the space, read with it."""
        person = await required_bearer(request)
        await space.share_registry(person, enterprise_id)
        return await _space(space, runtime, person, enterprise_id)

    @post("/registry/withdraw", status_code=200)
    async def stop_sharing(
        self, request: Request[Any, Any, Any], enterprise_id: FromPath[UUID],
        space: NamedDependency[EnterpriseSpaceService], runtime: NamedDependency[Runtime],
    ) -> EnterpriseSpaceBody:  # fmt: skip
        """Withdraw my consent to reading the registry; answers the space without it."""
        person = await required_bearer(request)
        await space.stop_sharing(person, enterprise_id)
        return await _space(space, runtime, person, enterprise_id)
