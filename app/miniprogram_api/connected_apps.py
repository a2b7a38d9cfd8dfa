"""``/mp/v1/me/connected-apps``: the apps I signed in to with OneThing, and withdrawing one.

The same service as the page ``/me/connected-apps`` (已授权的应用, ``app/oidc/consents.py``):
each consent I gave an app through OneThing's OpenID provider, with what it may know.
Withdrawing stops the app at once (its tokens stop working) and it asks again next time.
Only my own consents are listed or withdrawn: anyone else's answers 404, as a missing one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from app import errors
from app.i18n import gettext as _
from app.oidc.claims import SCOPE_DESCRIPTIONS, Scope
from app.oidc.consents import ConnectedApp, ConsentBook
from app.web.access import Access
from app.web.providers.oidc import provide_consents
from app.web.subjects import required_bearer


class ConnectedAppBody(msgspec.Struct, kw_only=True, rename="camel"):
    """An app I signed in to with OneThing: ``id`` names my consent; ``scopes`` what it may
    know (``openid``, ``profile``, ``phone``, ``id_card``), ``scopeLabels`` the same in words."""

    id: UUID
    client_name: str
    scopes: list[str]
    scope_labels: list[str]
    decided_at: datetime


class ConnectedApps(msgspec.Struct, kw_only=True, rename="camel"):
    """My connected apps, the most recent decision first."""

    apps: list[ConnectedAppBody]


def _label(scope: str) -> str:
    try:
        return _(SCOPE_DESCRIPTIONS[Scope(scope)])
    except (KeyError, ValueError):  # a scope no longer offered keeps its name
        return scope


def _app(app: ConnectedApp) -> ConnectedAppBody:
    return ConnectedAppBody(
        id=app.id, client_name=app.client_name, scopes=list(app.scopes),
        scope_labels=[_label(scope) for scope in app.scopes], decided_at=app.decided_at,
    )  # fmt: skip


class ConnectedAppApi(Controller):
    """My connected apps through the mini-program."""

    path = "/me/connected-apps"
    tags = ["mini-program: me"]  # noqa: RUF012
    opt = {"access": Access.BEARER_PERSON}  # noqa: RUF012
    dependencies = {"consents": Provide(provide_consents, sync_to_thread=False)}  # noqa: RUF012

    @get("/")
    async def mine(
        self, request: Request[Any, Any, Any], consents: NamedDependency[ConsentBook]
    ) -> ConnectedApps:
        """The apps I signed in to with OneThing, and what each may know."""
        person = await required_bearer(request)
        return ConnectedApps(apps=[_app(app) for app in await consents.list_for(person.id)])

    @post("/{consent_id:uuid}/withdraw", status_code=200)
    async def withdraw(
        self, request: Request[Any, Any, Any], consent_id: FromPath[UUID],
        consents: NamedDependency[ConsentBook],
    ) -> ConnectedApps:  # fmt: skip
        """Withdraw my consent to one app (someone else's: 404); answers the apps left.

        The app's tokens stop working at once, and it asks again next time."""
        person = await required_bearer(request)
        if not await consents.withdraw(person.id, consent_id):
            raise errors.NotFound
        return ConnectedApps(apps=[_app(app) for app in await consents.list_for(person.id)])
