"""我的 → 已授权的应用: apps signed in through OneThing, and withdrawing their consent."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app import errors
from app.identity.models import Person
from app.oidc.claims import SCOPE_DESCRIPTIONS
from app.oidc.consents import ConsentBook
from app.web.access import Access
from app.web.providers.oidc import provide_consents


class ConnectedAppsController(Controller):
    """``/me/connected-apps``: the apps a person signed in to, and withdrawing consent."""

    include_in_schema = False
    dependencies = {"consents": Provide(provide_consents, sync_to_thread=False)}  # noqa: RUF012

    @get("/me/connected-apps", opt={"access": Access.PERSON}, name="connected-apps")
    async def list_apps(
        self, person: NamedDependency[Person], consents: NamedDependency[ConsentBook]
    ) -> Template:
        """Apps I signed in to with OneThing, and what each may know."""
        apps = await consents.list_for(person.id)
        return Template(
            template_name="oidc/connected_apps.html",
            context={"tab": "me", "apps": apps, "descriptions": SCOPE_DESCRIPTIONS},
        )

    @post(
        "/me/connected-apps/{consent_id:uuid}/withdraw",
        opt={"access": Access.PERSON},
        status_code=303,
    )
    async def withdraw(
        self,
        person: NamedDependency[Person],
        consent_id: FromPath[UUID],
        consents: NamedDependency[ConsentBook],
    ) -> Redirect:
        """Withdraw a consent: the app's tokens stop working and it must ask again."""
        if not await consents.withdraw(person.id, consent_id):
            raise errors.NotFound
        return Redirect("/me/connected-apps", status_code=303)
