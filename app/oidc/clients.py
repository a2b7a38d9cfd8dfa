"""Registered relying parties: registration (CLI) and the client object authlib checks.

Client secrets are shown once, at registration, and stored as SHA-256 hashes. A secret is
256 random bits, so a slow password hash would add cost without adding safety.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import RuleViolation
from app.i18n import N_
from app.oidc.claims import Scope, scope_list
from app.oidc.models import OidcClient

AUTH_NONE = "none"
AUTH_BASIC = "client_secret_basic"
AUTH_POST = "client_secret_post"
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class RegisteredClient(msgspec.Struct, frozen=True, kw_only=True):
    """A relying party as authlib sees it (its ``ClientMixin`` methods), detached from the DB."""

    id: UUID
    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    secret_hash: str | None

    @property
    def is_public(self) -> bool:
        """A public client has no secret; it authenticates with PKCE alone."""
        return self.secret_hash is None

    def get_client_id(self) -> str:
        """The public identifier."""
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        """None: OpenID Connect requires the request to name its redirect_uri."""
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The requested scope when it is an OpenID request; None refuses it (invalid_scope)."""
        requested = scope_list(scope)
        if Scope.OPENID not in requested:
            return None
        return " ".join(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exact match with a registered URI."""
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        """Constant-time comparison of the secret's hash."""
        if self.secret_hash is None:
            return False
        return hmac.compare_digest(hash_secret(client_secret), self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """Public clients use ``none``; confidential ones a secret (basic or post)."""
        if endpoint != "token":
            return True
        if self.is_public:
            return method == AUTH_NONE
        return method in (AUTH_BASIC, AUTH_POST)

    def check_response_type(self, response_type: str) -> bool:
        """The authorization code flow only."""
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        """The authorization code grant only (no refresh tokens)."""
        return grant_type == "authorization_code"


class NewClient(msgspec.Struct, frozen=True, kw_only=True):
    """What registration prints: the client and, for a confidential one, its only copy of
    the secret."""

    client: RegisteredClient
    secret: str | None


def hash_secret(secret: str) -> str:
    """SHA-256 of a client secret, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def to_registered(row: OidcClient) -> RegisteredClient:
    """The detached view of a client row."""
    return RegisteredClient(
        id=row.id,
        client_id=row.client_id,
        name=row.name,
        redirect_uris=tuple(row.redirect_uris),
        secret_hash=row.secret_hash,
    )


def validate_redirect_uri(uri: str) -> str:
    """An absolute https URI without a fragment; plain http only on the loopback (RFC 8252)."""
    parts = urlsplit(uri.strip())
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    if not parts.hostname or parts.fragment or not secure:
        raise RuleViolation(
            N_(
                "A redirect URI must be an absolute https address without a fragment"
                " (http only on 127.0.0.1 or localhost)."
            ),
            value=uri,
        )
    return uri.strip()


class ClientRegistry:
    """Registers clients and finds active ones."""

    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def create(self, *, name: str, redirect_uris: Sequence[str], public: bool) -> NewClient:
        """Register a client; the secret (confidential clients) is returned here and never again."""
        uris = [validate_redirect_uri(uri) for uri in redirect_uris]
        if not name.strip() or not uris:
            raise RuleViolation(N_("A client needs a name and at least one redirect URI."))
        secret = None if public else secrets.token_urlsafe(32)
        row = OidcClient(
            client_id=f"ot-{secrets.token_urlsafe(16)}",
            name=name.strip(),
            redirect_uris=uris,
            secret_hash=hash_secret(secret) if secret else None,
        )
        self._db.add(row)
        await self._db.flush()
        return NewClient(client=to_registered(row), secret=secret)

    async def active(self, client_ids: Iterable[str | None]) -> dict[str, RegisteredClient]:
        """The active clients among ``client_ids`` (unknown and disabled ones are left out)."""
        wanted = {client_id for client_id in client_ids if client_id}
        if not wanted:
            return {}
        rows = await self._db.scalars(
            select(OidcClient).where(
                OidcClient.client_id.in_(wanted), OidcClient.disabled_at.is_(None)
            )
        )
        return {row.client_id: to_registered(row) for row in rows}

    async def registered_redirect(
        self, client_id: str | None, redirect_uri: str | None
    ) -> str | None:
        """``redirect_uri`` if the active client ``client_id`` registered exactly it, else None.

        What an authorization request would send the person back to, checked as authlib
        checks it: the sign-in page of such a request lets its forms end there.
        """
        if not client_id or not redirect_uri:
            return None
        client = (await self.active([client_id])).get(client_id)
        if client is None or not client.check_redirect_uri(redirect_uri):
            return None
        return redirect_uri
