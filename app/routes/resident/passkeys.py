"""Passkeys: "my passkeys" on 我的 (Me), and sign-in with a passkey.

The ceremonies are JSON endpoints for ``assets/js/passkeys.js`` (CSRF token in the
``X-CSRFToken`` header); errors reach the script as problem details in the page's language.
Listing and removing are plain pages and forms, so they also work without JavaScript.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template

from app.composition.runtime import Runtime
from app.identity.models import Person
from app.identity.passkey_ceremonies import (
    CeremonyOptions,
    PasskeyAssertion,
    PasskeyRegistration,
    RelyingParty,
)
from app.identity.passkeys import PasskeyService
from app.routes.shared.pages import safe_next, start_session
from app.web.access import Access
from app.web.providers.identity import provide_passkeys, provide_relying_party
from app.web.requests import client_ip

MY_PASSKEYS = "/me/passkeys"


class Done(msgspec.Struct, kw_only=True):
    """A finished ceremony: where the script should take the person now."""

    redirect: str


class PasskeyController(Controller):
    """``/me/passkeys`` (list, add, remove) and ``/sign-in/passkey``."""

    include_in_schema = False
    dependencies = {  # noqa: RUF012 (Litestar reads it as a class attribute)
        "passkeys": Provide(provide_passkeys, sync_to_thread=False),
        "party": Provide(provide_relying_party, sync_to_thread=False),
    }

    @get(MY_PASSKEYS, opt={"access": Access.PERSON}, name="my-passkeys")
    async def my_passkeys(
        self, person: NamedDependency[Person], passkeys: NamedDependency[PasskeyService]
    ) -> Template:
        """My passkeys, and a way to add one."""
        return Template(
            template_name="sign_in/passkeys.html",
            context={"tab": "me", "passkeys": await passkeys.list_for(person)},
        )

    @post(f"{MY_PASSKEYS}/options", opt={"access": Access.PERSON}, status_code=200)
    async def registration_options(
        self,
        person: NamedDependency[Person],
        passkeys: NamedDependency[PasskeyService],
        party: NamedDependency[RelyingParty],
    ) -> CeremonyOptions:
        """Start adding a passkey: options for ``navigator.credentials.create()``."""
        return await passkeys.start_registration(person, party)

    @post(MY_PASSKEYS, opt={"access": Access.PERSON}, status_code=201)
    async def add_passkey(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        data: JSONBody[PasskeyRegistration],
        passkeys: NamedDependency[PasskeyService],
        party: NamedDependency[RelyingParty],
    ) -> Done:
        """Finish adding a passkey: verify and keep it."""
        await passkeys.finish_registration(person, party, data, client_ip=client_ip(request))
        return Done(redirect=MY_PASSKEYS)

    @post(f"{MY_PASSKEYS}/{{passkey_id:uuid}}/remove", opt={"access": Access.PERSON})
    async def remove_passkey(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        passkey_id: FromPath[UUID],
        passkeys: NamedDependency[PasskeyService],
    ) -> Redirect:
        """Remove one of my passkeys; another person's answers 404."""
        await passkeys.remove(person, passkey_id, client_ip=client_ip(request))
        return Redirect(MY_PASSKEYS, status_code=303)

    @post("/sign-in/passkey/options", opt={"access": Access.PUBLIC}, status_code=200)
    async def sign_in_options(
        self,
        request: Request[Any, Any, Any],
        passkeys: NamedDependency[PasskeyService],
        party: NamedDependency[RelyingParty],
    ) -> CeremonyOptions:
        """Start signing in: options for ``navigator.credentials.get()`` (limited per address)."""
        return await passkeys.start_sign_in(party, client_ip=client_ip(request))

    @post("/sign-in/passkey", opt={"access": Access.PUBLIC}, status_code=200)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PasskeyAssertion],
        passkeys: NamedDependency[PasskeyService],
        party: NamedDependency[RelyingParty],
        runtime: NamedDependency[Runtime],
    ) -> Response[Done]:
        """Finish signing in: a fresh session, exactly as after an SMS code."""
        person = await passkeys.sign_in(party, data, client_ip=client_ip(request))
        cookie = await start_session(request, runtime, person)
        return Response(Done(redirect=safe_next(data.next)), cookies=[cookie])
