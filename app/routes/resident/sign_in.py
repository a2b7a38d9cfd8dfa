"""Sign-in by SMS code, sign-out, and "my sessions and devices"."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app import errors, i18n
from app.composition.runtime import Runtime
from app.identity.models import Person
from app.identity.sessions import SESSION_COOKIE
from app.identity.sign_in import SignInService
from app.oidc.clients import ClientRegistry
from app.oidc.discovery import AUTHORIZE_PATH
from app.routes.shared.pages import FormBody, safe_next, session_cookie, start_session
from app.web.access import Access
from app.web.providers.identity import provide_sign_in
from app.web.providers.oidc import provide_oidc_clients
from app.web.requests import client_ip
from app.web.security_headers import policy_allowing_forms_to


class PhoneForm(msgspec.Struct, kw_only=True):
    """Step 1: the phone number."""

    phone: str = ""
    next: str = "/me"


class CodeForm(msgspec.Struct, kw_only=True):
    """Step 2: the code that was sent to the phone."""

    phone: str = ""
    code: str = ""
    next: str = "/me"


async def _form(
    name: str,
    status: int = 200,
    *,
    clients: ClientRegistry,
    next: str,
    retry_after: int | None = None,
    **context: Any,
) -> Template:
    headers = await _policy_for(clients, next) or {}
    if retry_after:
        # A 429 says when to come back, on the page as on the API (RFC 6585, RFC 9110).
        headers["Retry-After"] = str(retry_after)
    return Template(
        template_name=f"sign_in/{name}.html",
        context={"tab": "me", "errors": {}, "message": None, "next": next, **context},
        status_code=status,
        headers=headers or None,
    )


async def _policy_for(clients: ClientRegistry, target: str) -> dict[str, str] | None:
    """A sign-in that continues an OpenID authorization may end at the client.

    Signed in, the person goes to ``target`` (``/oidc/authorize?…``), which answers a
    remembered consent with a redirect to the client's redirect URI. Chromium checks
    ``form-action`` on every redirect after a form's submission, so this page's forms must be
    allowed to end at that origin: only when the client registered exactly that URI.
    """
    parts = urlsplit(target)
    if parts.path != AUTHORIZE_PATH:
        return None
    query = parse_qs(parts.query)
    uri = await clients.registered_redirect(
        query.get("client_id", [None])[0], query.get("redirect_uri", [None])[0]
    )
    return policy_allowing_forms_to(uri)


class SignInController(Controller):
    """``/sign-in`` (two steps), ``/sign-out``, ``/me/sessions``."""

    include_in_schema = False
    dependencies = {  # noqa: RUF012
        "sign_in": Provide(provide_sign_in, sync_to_thread=False),
        "oidc_clients": Provide(provide_oidc_clients, sync_to_thread=False),
    }

    @get("/sign-in", opt={"access": Access.PUBLIC}, name="sign-in")
    async def phone_form(
        self, oidc_clients: NamedDependency[ClientRegistry], next: FromQuery[str] = "/me"
    ) -> Template:
        """Step 1: ask for the phone number."""
        return await _form("phone", clients=oidc_clients, next=safe_next(next), phone="")

    @post("/sign-in/code", opt={"access": Access.PUBLIC}, status_code=200)
    async def send_code(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[PhoneForm, FormBody],
        sign_in: NamedDependency[SignInService],
        oidc_clients: NamedDependency[ClientRegistry],
    ) -> Template:
        """Send a code and ask for it; errors re-render step 1 with the reason."""
        target, phone = safe_next(data.next), data.phone
        try:
            sent = await sign_in.request_code(
                data.phone, client_ip=client_ip(request), locale=i18n.current_locale()
            )
        except errors.RuleViolation as exc:
            return await _form(
                "phone", 422, clients=oidc_clients, next=target, phone=phone, errors=exc.fields
            )
        except errors.RateLimited as exc:
            return await _form(
                "phone", 429, clients=oidc_clients, next=target, phone=phone,
                retry_after=exc.retry_after, message=exc.message,
            )  # fmt: skip
        return await _form("code", clients=oidc_clients, next=target, phone=phone, sent=sent)

    @post("/sign-in/verify", opt={"access": Access.PUBLIC}, status_code=303)
    async def verify_code(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[CodeForm, FormBody],
        sign_in: NamedDependency[SignInService],
        runtime: NamedDependency[Runtime],
        oidc_clients: NamedDependency[ClientRegistry],
    ) -> Redirect | Template:
        """Check the code; on success start a fresh session and go where the person was headed."""
        try:
            person = await sign_in.sign_in(data.phone, data.code, client_ip=client_ip(request))
        except errors.RuleViolation as exc:
            return await _form(
                "code",
                422,
                clients=oidc_clients,
                next=safe_next(data.next),
                phone=data.phone,
                errors=exc.fields,
                message=None if exc.fields else exc.message,
            )
        cookie = await start_session(request, runtime, person)
        return Redirect(safe_next(data.next), status_code=303, cookies=[cookie])

    @post("/sign-out", opt={"access": Access.PUBLIC}, status_code=303)
    async def sign_out(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Redirect:
        """End this session (harmless when there is none)."""
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await runtime.sessions.end(token)
        return Redirect("/", status_code=303, cookies=[session_cookie("", runtime, clear=True)])

    @post("/sign-out/everywhere", opt={"access": Access.PERSON}, status_code=303)
    async def sign_out_everywhere(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        sign_in: NamedDependency[SignInService],
        runtime: NamedDependency[Runtime],
    ) -> Redirect:
        """End every session of this person, on every device."""
        await sign_in.sign_out_everywhere(person, client_ip=client_ip(request))
        await runtime.sessions.end_all(person.id)
        return Redirect("/", status_code=303, cookies=[session_cookie("", runtime, clear=True)])

    @get("/me/sessions", opt={"access": Access.PERSON}, name="my-sessions")
    async def my_sessions(
        self,
        request: Request[Any, Any, Any],
        person: NamedDependency[Person],
        runtime: NamedDependency[Runtime],
    ) -> Template:
        """My sessions and devices."""
        sessions = await runtime.sessions.list_for(person.id)
        current = runtime.sessions.key_of(request.cookies.get(SESSION_COOKIE, ""))
        return Template(
            template_name="sign_in/sessions.html",
            context={"tab": "me", "sessions": sessions, "current": current},
        )

    @post("/me/sessions/{key:str}/end", opt={"access": Access.PERSON}, status_code=303)
    async def end_session(
        self, person: NamedDependency[Person], key: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> Redirect:
        """End one of my sessions; another person's (or an unknown) key answers 404."""
        if not await runtime.sessions.end_by_key(person.id, key):
            raise errors.NotFound
        return Redirect("/me/sessions", status_code=303)
