"""Bearer tokens for the mini-program API: short-lived access tokens, rotating refresh tokens.

Opaque random tokens in Redis (only their SHA-256 is stored), not JWTs, so that signing
out, "sign out everywhere" and disabling an account end them at once. Every refresh
token belongs to a family started at sign-in; using one rotates it (a new pair, the old
one spent). Presenting a spent refresh token again means it was copied: the whole family
is revoked, the thief's tokens and the owner's alike (OAuth 2.0 Security BCP §4.14).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from uuid import UUID

import msgspec
from redis.asyncio import Redis

from app.errors import Unauthenticated
from app.i18n import N_

_ACCESS = "onething:mp:access:"
_REFRESH = "onething:mp:refresh:"
_FAMILY = "onething:mp:family:"


class TokenPair(msgspec.Struct, kw_only=True, rename="camel"):
    """What a mini-program receives at sign-in and at each refresh."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 (the scheme's name, not a secret)


class _Grant(msgspec.Struct, kw_only=True):
    person_id: UUID
    epoch: int
    family: str
    spent: bool = False


class SessionExpired(Unauthenticated):
    """The token is unknown, expired, spent or revoked: sign in again."""

    default_message = N_("Your session has ended. Please sign in again.")


class TokenStore:
    """Issues, checks, rotates and revokes mini-program tokens."""

    def __init__(
        self,
        redis: Redis,
        *,
        access_seconds: int = 900,
        refresh_seconds: int = 30 * 86400,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self.access_seconds = access_seconds
        self.refresh_seconds = refresh_seconds
        self._clock = clock

    async def issue(self, person_id: UUID, *, epoch: int) -> TokenPair:
        """A new family and its first pair (at sign-in)."""
        family = secrets.token_urlsafe(16)
        return await self._pair(_Grant(person_id=person_id, epoch=epoch, family=family))

    async def check_access(self, token: str) -> _Grant:
        """The grant behind a live access token, or ``SessionExpired``."""
        raw = await self._redis.get(_ACCESS + _digest(token))
        if raw is None:
            raise SessionExpired
        return msgspec.msgpack.decode(raw, type=_Grant)

    async def refresh(self, refresh_token: str) -> tuple[TokenPair, UUID, int]:
        """Rotate: spend ``refresh_token`` and return a new pair with its person and epoch."""
        key = _REFRESH + _digest(refresh_token)
        # GETSET-like in one step: mark spent and read what it was.
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(key)
            pipe.hsetnx(key + ":spent", "at", str(self._clock()))
            pipe.expire(key + ":spent", self.refresh_seconds)
            raw, first_use, _ = await pipe.execute()
        if raw is None:
            raise SessionExpired
        grant = msgspec.msgpack.decode(raw, type=_Grant)
        if not first_use:
            await self.revoke_family(grant.family)  # a spent token came back: it was copied
            raise SessionExpired
        pair = await self._pair(grant)
        return pair, grant.person_id, grant.epoch

    async def revoke_family(self, family: str) -> None:
        """End every token of a family (sign-out, or a reused refresh token)."""
        members = await self._redis.smembers(_FAMILY + family)  # type: ignore[misc]  # redis-py types async commands as sync|async
        keys = [member.decode() for member in members]
        if keys:
            await self._redis.delete(*keys)
        await self._redis.delete(_FAMILY + family)

    async def sign_out(self, refresh_token: str) -> None:
        """End the family of ``refresh_token`` (harmless when it is unknown)."""
        raw = await self._redis.get(_REFRESH + _digest(refresh_token))
        if raw is not None:
            await self.revoke_family(msgspec.msgpack.decode(raw, type=_Grant).family)

    async def _pair(self, grant: _Grant) -> TokenPair:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        access_key, refresh_key = _ACCESS + _digest(access), _REFRESH + _digest(refresh)
        body = msgspec.msgpack.encode(grant)
        family = _FAMILY + grant.family
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(access_key, body, ex=self.access_seconds)
            pipe.set(refresh_key, body, ex=self.refresh_seconds)
            pipe.sadd(family, access_key, refresh_key, refresh_key + ":spent")
            pipe.expire(family, self.refresh_seconds)
            await pipe.execute()
        return TokenPair(access_token=access, refresh_token=refresh, expires_in=self.access_seconds)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
