"""OneThing as an OpenID provider: discovery, keys, consent, token, userinfo; connected apps.

The token and userinfo endpoints are called server to server: they authenticate the client
(or the bearer token) themselves, answer in OAuth's JSON error format, and are exempt from
CSRF. The consent form is an ordinary page form and keeps its CSRF token.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post, route
from litestar.di import NamedDependency, Provide
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app import errors
from app.composition.runtime import Runtime
from app.identity.models import Person
from app.identity.sessions import SESSION_COOKIE
from app.oidc.discovery import (
    AUTHORIZE_PATH,
    JWKS_PATH,
    TOKEN_PATH,
    USERINFO_PATH,
    provider_metadata,
)
from app.oidc.server import HttpSnapshot, OAuthResult
from app.oidc.service import ConsentPrompt, OidcService
from app.routes.shared.pages import FormBody
from app.web.access import Access
from app.web.security_headers import policy_allowing_forms_to
from app.web.subjects import signed_in_person

_PUBLIC = {"access": Access.PUBLIC}

_PERSON = {"access": Access.PERSON}

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class ConsentForm(msgspec.Struct, kw_only=True):
    """Our consent page's own fields. The OAuth parameters it posts back (client_id,
    redirect_uri, scope, state …) stay authlib's, read from the snapshot; anything but
    "allow" is a refusal, as OAuth's access_denied."""

    decision: str = ""
    share_id_card: str = ""


def provide_oidc(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> OidcService:
    """The provider service on the request's database session."""
    return OidcService(
        db_session,
        redis=runtime.redis,
        keys=runtime.oidc_keys,
        protector=runtime.protector,
        issuer=runtime.settings.oidc_issuer,
    )


async def _snapshot(request: Request[Any, Any, Any], runtime: Runtime) -> HttpSnapshot:
    form: dict[str, list[str]] = {}
    if request.method == "POST" and request.content_type[0] in _FORM_TYPES:
        data = await request.form()
        form = {name: [str(v) for v in data.getall(name)] for name in data}
    query = request.query_params
    return HttpSnapshot(
        method=request.method,
        uri=runtime.settings.oidc_issuer + request.url.path,
        headers={name.lower(): value for name, value in request.headers.items()},
        query={name: query.getall(name) for name in query},
        form=form,
    )


def _respond(request: Request[Any, Any, Any], result: OAuthResult) -> Response[Any]:
    location = result.location
    if location is not None:
        if request.headers.get("hx-request") == "true":
            # A boosted form followed redirects here; the browser itself must leave for the app.
            return ClientRedirect(location)
        return Redirect(location, status_code=302)
    headers = {name: value for name, value in result.headers if name.lower() != "content-type"}
    return Response(
        result.body, status_code=result.status, media_type=MediaType.JSON, headers=headers
    )


async def _person_and_auth_time(
    request: Request[Any, Any, Any], runtime: Runtime
) -> tuple[Person, int]:
    # Someone is signed in (the guard, or the check before); auth_time is when they signed in.
    person = await signed_in_person(request)
    if person is None:
        raise errors.Unauthenticated
    token = request.cookies.get(SESSION_COOKIE, "")
    session = await runtime.sessions.load(token) if token else None
    return person, int(session.signed_in_at if session else time.time())


class OidcController(Controller):
    """``/.well-known/openid-configuration`` and ``/oidc/*``."""

    include_in_schema = False
    dependencies = {"oidc": Provide(provide_oidc, sync_to_thread=False)}  # noqa: RUF012

    @get("/.well-known/openid-configuration", opt=_PUBLIC)
    async def discovery(self, runtime: NamedDependency[Runtime]) -> Response[Any]:
        """Provider metadata, under the configured issuer (never the request's Host)."""
        issuer = runtime.settings.oidc_issuer
        return Response(provider_metadata(issuer), media_type=MediaType.JSON)

    @get(JWKS_PATH, opt=_PUBLIC)
    async def jwks(self, runtime: NamedDependency[Runtime]) -> Response[Any]:
        """The public keys ID tokens are signed with (not the wallet's license keys)."""
        return Response(runtime.oidc_keys.public_jwks(), media_type=MediaType.JSON)

    # Public, not _PERSON: a silent request (prompt=none) from someone signed out must be
    # answered to the client, never with the sign-in page the guard would send them to.
    @get(AUTHORIZE_PATH, opt=_PUBLIC, name="oidc-authorize")
    async def authorize(
        self,
        request: Request[Any, Any, Any],
        oidc: NamedDependency[OidcService],
        runtime: NamedDependency[Runtime],
    ) -> Response[Any]:
        """Ask the signed-in person to consent, or answer the client at once; send someone
        signed out to sign in (and back), unless the client asked for no page at all."""
        snapshot = await _snapshot(request, runtime)
        if await signed_in_person(request) is None:
            answer = await oidc.begin_signed_out(snapshot)
            if answer is None:
                raise errors.Unauthenticated
            return _respond(request, answer)
        person, auth_time = await _person_and_auth_time(request, runtime)
        outcome = await oidc.begin(snapshot, person, auth_time=auth_time)
        if not isinstance(outcome, ConsentPrompt):
            return _respond(request, outcome)
        if request.headers.get("hx-request") == "true":
            # A boosted sign-in followed its redirect here: swapped into that page, the consent
            # form would run under the sign-in page's policy. Load it as a page of its own.
            query = request.url.query
            return ClientRedirect(request.url.path + (f"?{query}" if query else ""))
        # The decision's redirect goes to the client: Chromium checks it against form-action.
        return Template(
            template_name="oidc/consent.html",
            context={"tab": "me", "prompt": outcome},
            headers=policy_allowing_forms_to(outcome.redirect_uri),
        )

    @post(AUTHORIZE_PATH, opt=_PERSON, status_code=302)
    async def decide(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[ConsentForm, FormBody],
        oidc: NamedDependency[OidcService],
        runtime: NamedDependency[Runtime],
    ) -> Response[Any]:
        """Record the decision on the consent page and send the person back to the app."""
        person, auth_time = await _person_and_auth_time(request, runtime)
        outcome = await oidc.decide(
            await _snapshot(request, runtime),
            person,
            auth_time=auth_time,
            allow=data.decision == "allow",
            share_id_card=data.share_id_card == "yes",
        )
        return _respond(request, outcome)

    @post(TOKEN_PATH, opt=_PUBLIC, status_code=200)
    async def token(
        self,
        request: Request[Any, Any, Any],
        oidc: NamedDependency[OidcService],
        runtime: NamedDependency[Runtime],
    ) -> Response[Any]:
        """Redeem an authorization code (server to server)."""
        return _respond(request, await oidc.token(await _snapshot(request, runtime)))

    @route(USERINFO_PATH, http_method=["GET", "POST"], opt=_PUBLIC, status_code=200)
    async def userinfo(
        self, request: Request[Any, Any, Any], oidc: NamedDependency[OidcService]
    ) -> Response[Any]:
        """Claims about the person, for a bearer access token (server to server)."""
        return _respond(request, await oidc.userinfo(request.headers.get("authorization")))
