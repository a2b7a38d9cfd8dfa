"""Authorization codes and access tokens in Redis, keyed by their SHA-256 only.

A leaked Redis dump gives no usable code or token. A code is taken and marked redeemed in
one step (a script), so two racing token requests cannot both redeem it; a code presented
again turns the mark into "replayed", and every access token issued on it stops working
(RFC 6749 4.1.2: one of the two presenters stole it, and we cannot tell which).
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
# A redeemed code is remembered while an access token issued on it could still be live.
REDEEMED_MEMORY_SECONDS = CODE_TTL_SECONDS + ACCESS_TOKEN_TTL_SECONDS

_CODE = "onething:oidc:code:"
_REDEEMED = "onething:oidc:redeemed:"
_TOKEN = "onething:oidc:token:"  # noqa: S105 (a key prefix, not a secret)
_NONCE = "onething:oidc:nonce:"
_REPLAYED = b"replayed"

# KEYS: the code, its redeemed mark; ARGV: how long to keep the mark. The code's data, or
# nil — after turning an existing mark into "replayed" (the code came back).
_TAKE_CODE = """
local data = redis.call('GETDEL', KEYS[1])
if data then
  redis.call('SET', KEYS[2], 'redeemed', 'EX', ARGV[1])
  return data
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('SET', KEYS[2], 'replayed', 'KEEPTTL')
end
return false
"""


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
    """An issued access token: whose, for which client, what scope, on which code.

    ``grant`` is the SHA-256 of the code it was issued on (set by ``GrantStore``), so a
    replay of that code revokes it.
    """

    client_id: str
    person_id: UUID
    scope: str
    grant: str = ""


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
        """The code's data, removed in the same step: a code works once.

        A code already redeemed revokes the tokens issued on it and gives None.
        """
        grant = _digest(code)
        raw = await self._redis.eval(  # type: ignore[misc]
            _TAKE_CODE, 2, _CODE + grant, _REDEEMED + grant, str(REDEEMED_MEMORY_SECONDS)
        )
        return None if raw is None else msgspec.msgpack.decode(raw, type=StoredCode)

    async def save_token(self, token: str, data: StoredToken, *, code: str) -> None:
        """Keep an access token issued on ``code`` for ``ACCESS_TOKEN_TTL_SECONDS``."""
        data = msgspec.structs.replace(data, grant=_digest(code))
        await self._redis.set(
            _TOKEN + _digest(token), msgspec.msgpack.encode(data), ex=ACCESS_TOKEN_TTL_SECONDS
        )

    async def find_token(self, token: str) -> StoredToken | None:
        """The live access token's data, or None (also when its code was replayed)."""
        raw = await self._redis.get(_TOKEN + _digest(token))
        if raw is None:
            return None
        data = msgspec.msgpack.decode(raw, type=StoredToken)
        # Checked on every use, not deleted on replay: a token saved just after the replay
        # (the two requests racing) is refused all the same.
        if await self._redis.get(_REDEEMED + data.grant) == _REPLAYED:
            return None
        return data

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
