"""authlib's core authorization server, wired to plain request snapshots.

authlib ships server integrations for Flask and Django only, and its callbacks are
synchronous. So nothing here does I/O: a route copies the request into an ``HttpSnapshot``;
the service fetches what authlib may ask for into an ``Exchange`` (the clients named, the code
being redeemed — already taken from Redis —, the person); ``ProviderEngine`` runs authlib on
it; the service then saves what authlib issued (``Exchange.issued_code`` / ``issued_token``).

authlib does the protocol: client authentication (``client_secret_basic``,
``client_secret_post``, ``none``), exact redirect_uri checks, scope and response-type checks,
PKCE (``CodeChallenge``, narrowed to S256 and made mandatory), the ID token (``OpenIDCode``,
signed ES256 with joserfc) and the OAuth error formats.
"""

from __future__ import annotations

import hmac
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import msgspec
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidRequestError,
    OAuth2Error,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core.grants import OpenIDCode

from app.errors import RuleViolation
from app.i18n import N_
from app.identity.models import Person
from app.oidc.claims import Scope, scope_list, subject_for
from app.oidc.clients import AUTH_BASIC, AUTH_NONE, AUTH_POST, RegisteredClient
from app.oidc.keys import ALGORITHM, SigningKeys
from app.oidc.store import (
    ACCESS_TOKEN_TTL_SECONDS,
    ID_TOKEN_TTL_SECONDS,
    StoredCode,
    StoredToken,
)
from app.protection import DataProtector

S256 = "S256"


class InvalidAuthorizationRequest(RuleViolation):
    """An authorization request that cannot even be answered to its redirect_uri.

    An unknown client or an unregistered redirect_uri: redirecting there would make us an
    open redirector, so the person sees an error page instead. ``error`` is the OAuth code.
    """

    default_message = N_(
        "This sign-in request from another service is not valid. Go back to that service"
        " and try again, or contact it if the problem persists."
    )


class HttpSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """What authlib reads of an HTTP request, copied out of the web framework.

    ``uri`` is the endpoint's URL under the issuer; header names are lower case.
    """

    method: str
    uri: str
    headers: dict[str, str]
    query: dict[str, list[str]]
    form: dict[str, list[str]]

    def param(self, name: str) -> str | None:
        """The first value of a parameter, from the form for POST and the query otherwise."""
        values = (self.form if self.method == "POST" else self.query).get(name)
        return values[0] if values else None


class OAuthResult(msgspec.Struct, frozen=True):
    """An HTTP answer decided by authlib: status, JSON body (or empty) and headers."""

    status: int
    body: dict[str, Any] | str
    headers: list[tuple[str, str]]

    @property
    def location(self) -> str | None:
        """Where a redirect goes (a redirect_uri the client registered)."""
        return next((value for name, value in self.headers if name.lower() == "location"), None)


@dataclass
class Exchange:
    """What one authlib run may read (fetched beforehand) and what it issued (saved after)."""

    clients: dict[str, RegisteredClient]
    person: Person | None = None
    auth_time: int = 0
    taken_code: tuple[str, StoredCode] | None = None
    nonce_used: bool = False
    # The scope the person granted, when narrower than the request (an unticked ID card).
    granted_scope: str | None = None
    issued_code: tuple[str, StoredCode] | None = None
    issued_token: tuple[str, StoredToken] | None = field(default=None, repr=False)


class Validated(msgspec.Struct, frozen=True, kw_only=True):
    """An authorization request authlib accepted, waiting for the person's decision."""

    client: RegisteredClient
    scopes: list[str]
    prompt: str | None
    grant: Any  # authlib's grant, carried to ``ProviderEngine.decide``


class _Headers(dict[str, str]):
    """Header look-ups in any case, as authlib reads ``headers.get("Authorization")``."""

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


class _Payload(OAuth2Payload):  # type: ignore[misc]  # authlib has no type hints
    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values

    @property
    def data(self) -> dict[str, str]:
        return {name: values[0] for name, values in self._values.items() if values}

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return defaultdict(list, {name: list(values) for name, values in self._values.items()})


class _Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, snapshot: HttpSnapshot) -> None:
        super().__init__(
            method=snapshot.method, uri=snapshot.uri, headers=_Headers(snapshot.headers)
        )
        self.payload = _Payload(snapshot.form if snapshot.method == "POST" else snapshot.query)
        self._args = {name: values[0] for name, values in snapshot.query.items() if values}
        self._form = {name: values[0] for name, values in snapshot.form.items() if values}

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class _Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, exchange: Exchange) -> None:
        super().__init__(scopes_supported=[scope.value for scope in Scope])
        self.exchange = exchange
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda **_: secrets.token_urlsafe(32),
                expires_generator=lambda _client, _grant_type: ACCESS_TOKEN_TTL_SECONDS,
            ),
        )

    def query_client(self, client_id: str) -> RegisteredClient | None:
        return self.exchange.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.exchange.issued_token = (
            token["access_token"],
            StoredToken(
                client_id=request.client.get_client_id(),
                person_id=request.user.id,
                scope=token.get("scope", ""),
            ),
        )

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return request if isinstance(request, OAuth2Request) else _Request(request)

    def handle_response(self, status: int, body: Any, headers: Any) -> OAuthResult:
        return OAuthResult(status, body, [(str(name), str(value)) for name, value in headers])

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """authlib's signals (client authenticated …) have no listeners here."""


class _CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = [AUTH_BASIC, AUTH_POST, AUTH_NONE]  # noqa: RUF012

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        exchange: Exchange = self.server.exchange
        data = request.payload.data
        exchange.issued_code = (
            code,
            StoredCode(
                client_id=request.client.get_client_id(),
                person_id=request.user.id,
                redirect_uri=request.payload.redirect_uri,
                scope=exchange.granted_scope or request.scope,
                nonce=data.get("nonce"),
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                auth_time=exchange.auth_time,
            ),
        )

    def query_authorization_code(self, code: str, client: RegisteredClient) -> StoredCode | None:
        taken = self.server.exchange.taken_code
        if taken is None or not hmac.compare_digest(taken[0], code):
            return None
        return taken[1] if taken[1].client_id == client.get_client_id() else None

    def delete_authorization_code(self, authorization_code: StoredCode) -> None:
        """Nothing to do: the code was taken (GETDEL) before authlib ran."""

    def authenticate_user(self, authorization_code: StoredCode) -> Person | None:
        person: Person | None = self.server.exchange.person
        if person is None or person.id != authorization_code.person_id or not person.is_active:
            return None
        return person


class _S256Only(CodeChallenge):  # type: ignore[misc]
    """PKCE for every client, S256 only (RFC 9700: "plain" protects against nothing)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = [S256]  # noqa: RUF012

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with method S256.")
        if data.get("code_challenge_method") != S256:
            raise InvalidRequestError("transform algorithm not supported")  # RFC 7636 4.4.1
        super().validate_code_challenge(grant, redirect_uri)


class _OpenIDCode(OpenIDCode):  # type: ignore[misc]
    DEFAULT_EXPIRES_IN = ID_TOKEN_TTL_SECONDS

    def __init__(
        self, exchange: Exchange, keys: SigningKeys, issuer: str, protector: DataProtector
    ) -> None:
        super().__init__(require_nonce=False)
        self._exchange = exchange
        self._keys = keys
        self._issuer = issuer
        self._protector = protector

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return self._exchange.nonce_used

    def resolve_client_private_key(self, client: RegisteredClient) -> Any:
        return self._keys.signing_key

    def get_client_algorithm(self, client: RegisteredClient) -> str:
        return ALGORITHM

    def get_encode_header(self, client: RegisteredClient) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": self._keys.kid}

    def get_client_claims(self, client: RegisteredClient) -> dict[str, Any]:
        return {"iss": self._issuer, "aud": client.get_client_id()}

    def generate_user_info(self, user: Person, scope: str) -> dict[str, Any]:
        # Only the subject: scope claims come from userinfo (see app.oidc.claims).
        taken = self._exchange.taken_code
        client_id = taken[1].client_id if taken else ""
        return {"sub": subject_for(user.id, client_id, self._protector)}


class ProviderEngine:
    """Runs authlib for one request on an ``Exchange`` the service prepared."""

    def __init__(
        self, exchange: Exchange, *, keys: SigningKeys, issuer: str, protector: DataProtector
    ) -> None:
        self._server = _Server(exchange)
        openid = _OpenIDCode(exchange, keys, issuer, protector)
        self._server.register_grant(_CodeGrant, [_S256Only(required=True), openid])

    def validate(self, snapshot: HttpSnapshot, person: Person | None) -> Validated | OAuthResult:
        """Check an authorization request: accepted, an error redirect, or (raised)
        ``InvalidAuthorizationRequest`` when there is nowhere safe to redirect to."""
        try:
            grant = self._server.get_consent_grant(request=snapshot, end_user=person)
        except OAuth2Error as error:
            if error.redirect_uri:
                return self._server.handle_error_response(None, error)  # type: ignore[no-any-return]
            raise InvalidAuthorizationRequest(error=error.error) from None
        except ValueError:  # authlib refuses to echo characters that errors may not carry
            raise InvalidAuthorizationRequest(error="invalid_request") from None
        return Validated(
            client=grant.client,
            scopes=scope_list(grant.request.scope),
            prompt=snapshot.param("prompt"),
            grant=grant,
        )

    def error(self, validated: Validated, error: OAuth2Error) -> OAuthResult:
        """Send ``error`` (e.g. consent_required) back to the validated redirect_uri."""
        error.redirect_uri = validated.grant.request.payload.redirect_uri
        error.state = validated.grant.request.payload.state
        return self._server.handle_error_response(None, error)  # type: ignore[no-any-return]

    def decide(self, validated: Validated, person: Person | None) -> OAuthResult:
        """Issue a code to the client (``person`` given) or tell it access was denied."""
        grant = validated.grant
        return self._server.create_authorization_response(  # type: ignore[no-any-return]
            request=grant.request, grant_user=person, grant=grant
        )

    def token(self, snapshot: HttpSnapshot) -> OAuthResult:
        """Answer a token request: tokens, or an OAuth error (JSON, 400 or 401)."""
        try:
            return self._server.create_token_response(request=snapshot)  # type: ignore[no-any-return]
        except ValueError:  # e.g. Basic credentials that are not UTF-8
            error = InvalidRequestError("Malformed request.")
            return self._server.handle_error_response(None, error)  # type: ignore[no-any-return]
