"""Authorization codes and access tokens in Redis, keyed by their SHA-256 only.

A leaked Redis dump gives no usable code or token. Codes are taken with ``GETDEL``, so two
racing token requests cannot both redeem one code.
"""

from __future__ import annotations

import hashlib
from uuid import UUID

import msgspec
from redis.asyncio import Redis

CODE_TTL_SECONDS = 60  # OIDC asks for short-lived codes; the exchange is server to server
ACCESS_TOKEN_TTL_SECONDS = 600
ID_TOKEN_TTL_SECONDS = 600
# A nonce is refused again while an ID token carrying it could still be accepted.
NONCE_MEMORY_SECONDS = CODE_TTL_SECONDS + ID_TOKEN_TTL_SECONDS

_CODE = "onething:oidc:code:"
_TOKEN = "onething:oidc:token:"  # noqa: S105 (a key prefix, not a secret)
_NONCE = "onething:oidc:nonce:"


class StoredCode(msgspec.Struct, frozen=True, kw_only=True):
    """An issued authorization code (authlib's ``AuthorizationCodeMixin`` methods)."""

    client_id: str
    person_id: UUID
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    auth_time: int

    def get_redirect_uri(self) -> str:
        """The redirect_uri the code was issued for (the token request must repeat it)."""
        return self.redirect_uri

    def get_scope(self) -> str:
        """The granted scope."""
        return self.scope

    def get_nonce(self) -> str | None:
        """The relying party's nonce, copied into the ID token."""
        return self.nonce

    def get_auth_time(self) -> int:
        """When the person signed in (seconds since the epoch)."""
        return self.auth_time

    def get_acr(self) -> None:
        """No authentication context classes are asserted yet."""
        return None

    def get_amr(self) -> None:
        """No authentication methods are asserted yet."""
        return None


class StoredToken(msgspec.Struct, frozen=True, kw_only=True):
    """An issued access token: whose, for which client, what scope."""

    client_id: str
    person_id: UUID
    scope: str


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class GrantStore:
    """Saves and takes codes, saves and finds access tokens, remembers nonces."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def save_code(self, code: str, data: StoredCode) -> None:
        """Keep a code for ``CODE_TTL_SECONDS``."""
        await self._redis.set(
            _CODE + _digest(code), msgspec.msgpack.encode(data), ex=CODE_TTL_SECONDS
        )

    async def take_code(self, code: str) -> StoredCode | None:
        """The code's data, removed in the same step: a code works once."""
        raw = await self._redis.getdel(_CODE + _digest(code))
        return None if raw is None else msgspec.msgpack.decode(raw, type=StoredCode)

    async def save_token(self, token: str, data: StoredToken) -> None:
        """Keep an access token for ``ACCESS_TOKEN_TTL_SECONDS``."""
        await self._redis.set(
            _TOKEN + _digest(token), msgspec.msgpack.encode(data), ex=ACCESS_TOKEN_TTL_SECONDS
        )

    async def find_token(self, token: str) -> StoredToken | None:
        """The live access token's data, or None."""
        raw = await self._redis.get(_TOKEN + _digest(token))
        return None if raw is None else msgspec.msgpack.decode(raw, type=StoredToken)

    async def nonce_was_used(self, client_id: str, nonce: str | None) -> bool:
        """Whether a code was already issued to ``client_id`` with ``nonce``."""
        if not nonce:
            return False
        return bool(await self._redis.exists(_NONCE + _digest(f"{client_id}|{nonce}")))

    async def remember_nonce(self, client_id: str, nonce: str | None) -> None:
        """Refuse ``nonce`` for ``client_id`` from now on (for ``NONCE_MEMORY_SECONDS``)."""
        if nonce:
            key = _NONCE + _digest(f"{client_id}|{nonce}")
            await self._redis.set(key, b"1", ex=NONCE_MEMORY_SECONDS)
