"""The OpenID provider's rules: consent, codes, tokens and userinfo.

Each method fetches what authlib may need (``server.Exchange``), runs authlib through
``ProviderEngine``, then saves what it issued. Codes and tokens never reach a log.
"""

from __future__ import annotations

from typing import Any

import msgspec
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc6750 import InsufficientScopeError, InvalidTokenError
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import Person
from app.oidc.claims import SCOPE_DESCRIPTIONS, Scope, scope_list, userinfo_claims
from app.oidc.clients import ClientRegistry
from app.oidc.consents import ConsentBook
from app.oidc.keys import SigningKeys
from app.oidc.server import (
    Exchange,
    HttpSnapshot,
    OAuthResult,
    ProviderEngine,
    Validated,
)
from app.oidc.store import GrantStore
from app.protection import DataProtector

REALM = "OneThing"
_NO_STORE = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
# The consent form's own fields, left out when it repeats the authorization request.
_FORM_FIELDS = frozenset({"_csrf_token", "decision", "share_id_card"})


class ConsentPrompt(msgspec.Struct, frozen=True, kw_only=True):
    """What the consent page shows and the hidden fields that repeat the request."""

    client_name: str
    shares: list[str]  # message ids, one per scope other than the ID card
    asks_id_card: bool
    has_id_card: bool
    fields: list[tuple[str, str]]
    # Where the decision sends the person: the request's redirect_uri, which authlib found
    # registered for the client (the page's forms must be allowed to end there).
    redirect_uri: str


class OidcService:
    """Authorization, token and userinfo endpoints of the provider (per request)."""

    def __init__(
        self,
        db: AsyncSession,
        *,
        redis: Redis,
        keys: SigningKeys,
        protector: DataProtector,
        issuer: str,
    ) -> None:
        self._db = db
        self._clients = ClientRegistry(db)
        self._consents = ConsentBook(db)
        self._store = GrantStore(redis)
        self._keys = keys
        self._protector = protector
        self._issuer = issuer

    def _engine(self, exchange: Exchange) -> ProviderEngine:
        return ProviderEngine(
            exchange, keys=self._keys, issuer=self._issuer, protector=self._protector
        )

    async def _prepare(
        self, snapshot: HttpSnapshot, person: Person | None, auth_time: int
    ) -> tuple[Exchange, ProviderEngine, Validated | OAuthResult]:
        client_id = snapshot.param("client_id")
        exchange = Exchange(
            clients=await self._clients.active([client_id]),
            person=person,
            auth_time=auth_time,
            nonce_used=await self._store.nonce_was_used(client_id or "", snapshot.param("nonce")),
        )
        engine = self._engine(exchange)
        return exchange, engine, engine.validate(snapshot, person)

    async def begin_signed_out(self, snapshot: HttpSnapshot) -> OAuthResult | None:
        """GET /oidc/authorize with nobody signed in: the client's answer for a silent
        request (``prompt=none``), or None when the person should be sent to sign in.

        OIDC Core 3.1.2.6: with ``prompt=none`` no page may be shown, so instead of the
        sign-in page the client hears ``login_required`` (``invalid_request`` when "none"
        comes with other values) at its registered redirect_uri, with its state; an unknown
        client or redirect_uri still gets the error page (``InvalidAuthorizationRequest``).
        """
        if "none" not in (snapshot.param("prompt") or "").split():
            return None
        _, engine, validated = await self._prepare(snapshot, None, 0)
        if isinstance(validated, OAuthResult):
            return validated
        # authlib answers login_required itself; this keeps the rule should it ever not.
        return engine.error(validated, LoginRequiredError())

    async def begin(
        self, snapshot: HttpSnapshot, person: Person, *, auth_time: int
    ) -> ConsentPrompt | OAuthResult:
        """GET /oidc/authorize: the consent page, or a redirect when consent is remembered
        (or the request was refused in a way the client must hear about)."""
        exchange, engine, validated = await self._prepare(snapshot, person, auth_time)
        if isinstance(validated, OAuthResult):
            return validated
        granted = await self._consents.granted(person.id, validated.client.id)
        prompts = (validated.prompt or "").split()
        if set(validated.scopes) <= granted and "consent" not in prompts:
            return await self._issue(exchange, engine, validated, person)
        if "none" in prompts:
            return engine.error(validated, ConsentRequiredError())
        return ConsentPrompt(
            client_name=validated.client.name,
            shares=[
                SCOPE_DESCRIPTIONS[Scope(scope)]
                for scope in validated.scopes
                if scope != Scope.ID_CARD
            ],
            asks_id_card=Scope.ID_CARD in validated.scopes,
            has_id_card=person.id_number_ciphertext is not None,
            fields=[
                (name, value)
                for name, values in snapshot.query.items()
                if name not in _FORM_FIELDS
                for value in values
            ],
            redirect_uri=snapshot.param("redirect_uri") or "",
        )

    async def decide(
        self,
        snapshot: HttpSnapshot,
        person: Person,
        *,
        auth_time: int,
        allow: bool,
        share_id_card: bool,
    ) -> OAuthResult:
        """POST /oidc/authorize: record the person's decision and answer the client."""
        exchange, engine, validated = await self._prepare(snapshot, person, auth_time)
        if isinstance(validated, OAuthResult):
            return validated
        if not allow:
            return engine.decide(validated, None)  # access_denied, with the client's state
        granted = [scope for scope in validated.scopes if scope != Scope.ID_CARD or share_id_card]
        await self._consents.record(
            person.id, validated.client.id, asked=validated.scopes, granted=granted
        )
        exchange.granted_scope = " ".join(granted)
        return await self._issue(exchange, engine, validated, person)

    async def _issue(
        self, exchange: Exchange, engine: ProviderEngine, validated: Validated, person: Person
    ) -> OAuthResult:
        result = engine.decide(validated, person)
        if exchange.issued_code is not None:
            code, data = exchange.issued_code
            await self._store.save_code(code, data)
            await self._store.remember_nonce(data.client_id, data.nonce)
        return result

    async def token(self, snapshot: HttpSnapshot) -> OAuthResult:
        """POST /oidc/token: redeem a code (once) for an access token and an ID token.

        The code is taken from Redis before authlib checks the request, so a failed attempt
        (wrong verifier, wrong redirect_uri, wrong client) also uses it up: a code that has
        leaked is not worth protecting. A code presented again is refused and revokes the
        access tokens issued on it (RFC 6749 4.1.2); no refresh tokens are ever issued.
        """
        named = [snapshot.param("client_id"), _basic_client_id(snapshot.headers)]
        exchange = Exchange(clients=await self._clients.active(named))
        code = snapshot.param("code")
        if code and snapshot.param("grant_type") == "authorization_code":
            taken = await self._store.take_code(code)
            if taken is not None:
                exchange.taken_code = (code, taken)
                exchange.person = await self._db.get(Person, taken.person_id)
        result = self._engine(exchange).token(snapshot)
        if exchange.issued_token is not None and exchange.taken_code is not None:
            await self._store.save_token(*exchange.issued_token, code=exchange.taken_code[0])
        return result

    async def userinfo(self, authorization: str | None) -> OAuthResult:
        """GET/POST /oidc/userinfo: the claims the bearer token's scopes release.

        A token stops working at once when the person withdraws consent, is disabled, or
        the client is disabled.
        """
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _bearer_challenge()
        stored = await self._store.find_token(token.strip())
        if stored is None:
            return _token_error(InvalidTokenError(realm=REALM))
        person = await self._db.get(Person, stored.person_id)
        client = (await self._clients.active([stored.client_id])).get(stored.client_id)
        scopes = scope_list(stored.scope)
        if person is None or not person.is_active or client is None:
            return _token_error(InvalidTokenError(realm=REALM))
        if not set(scopes) <= await self._consents.granted(person.id, client.id):
            return _token_error(InvalidTokenError("Consent was withdrawn.", realm=REALM))
        if Scope.OPENID not in scopes:
            return _token_error(InsufficientScopeError())
        claims = userinfo_claims(person, client.client_id, scopes, self._protector)
        return OAuthResult(200, claims, [("Content-Type", "application/json"), *_NO_STORE])


def _basic_client_id(headers: dict[str, str]) -> str | None:
    """The client id of HTTP Basic credentials, if any (checked later, by authlib)."""
    try:
        client_id, _ = extract_basic_authorization(
            {"Authorization": headers.get("authorization", "")}
        )
    except ValueError:  # not base64 of UTF-8: authlib answers invalid_request
        return None
    return client_id  # type: ignore[no-any-return]


def _bearer_challenge() -> OAuthResult:
    # RFC 6750 3.1: a request without credentials gets the challenge and no error code.
    return OAuthResult(
        401,
        {"error": "invalid_token", "error_description": "A bearer token is required."},
        [("WWW-Authenticate", f'Bearer realm="{REALM}"'), *_NO_STORE],
    )


def _token_error(error: Any) -> OAuthResult:
    status, body, headers = error()
    return OAuthResult(status, body, list(headers))
