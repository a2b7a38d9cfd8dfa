"""Server-side web sessions in Redis.

Our own small store rather than Litestar's server-side session middleware, because that
one keeps the cookie's session id across sign-in (a fixation risk): here every sign-in
issues a fresh random token. The cookie holds only the token; Redis holds its SHA-256,
so a leaked Redis dump cannot be replayed as cookies.

A session belongs to a subject: a resident (``person``) or a member of staff (``staff``).
The kind is part of the session, so a resident's session never opens a staff page and a
staff session never opens a resident's.

A session ends when it is idle longer than ``idle_seconds`` (Redis expiry, renewed on
each use), when ``absolute_seconds`` have passed since sign-in, on sign-out, or when the
subject's ``session_epoch`` moves on (sign out everywhere, account disabled).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from enum import StrEnum
from uuid import UUID

import msgspec
from redis.asyncio import Redis

SESSION_COOKIE = "sid"
_PREFIX = "onething:session:"


class SubjectKind(StrEnum):
    """Who a session belongs to."""

    PERSON = "person"
    STAFF = "staff"


class SessionData(msgspec.Struct, kw_only=True):
    """What a session remembers. No personal data beyond the subject's id."""

    # Stored as "person_id", its name before staff sessions existed: sessions already in
    # Redis keep decoding (msgspec: a published field is never renamed on the wire).
    subject_id: UUID = msgspec.field(name="person_id")
    epoch: int
    signed_in_at: float
    last_seen_at: float
    device: str = ""
    subject_kind: SubjectKind = SubjectKind.PERSON


class StoredSession(msgspec.Struct, kw_only=True):
    """A session as listed on "my sessions and devices": ``key`` identifies it, not the token."""

    key: str
    data: SessionData


class SessionStore:
    """Creates, loads, lists and ends sessions."""

    def __init__(
        self,
        redis: Redis,
        *,
        idle_seconds: int,
        absolute_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self.idle_seconds = idle_seconds
        self.absolute_seconds = absolute_seconds
        self._clock = clock

    async def create(
        self,
        subject_id: UUID,
        *,
        epoch: int,
        device: str = "",
        kind: SubjectKind = SubjectKind.PERSON,
    ) -> str:
        """Start a session and return its token (for the cookie only)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        data = SessionData(
            subject_id=subject_id,
            subject_kind=kind,
            epoch=epoch,
            signed_in_at=now,
            last_seen_at=now,
            device=device[:120],
        )
        key = _key(token)
        index = _index(kind, subject_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(_PREFIX + key, msgspec.msgpack.encode(data), ex=self.idle_seconds)
            pipe.sadd(index, key)
            pipe.expire(index, self.absolute_seconds)
            await pipe.execute()
        return token

    async def load(self, token: str) -> SessionData | None:
        """The live session for ``token``, its idle timer renewed; None when it has ended."""
        key = _key(token)
        raw = await self._redis.get(_PREFIX + key)
        if raw is None:
            return None
        data = msgspec.msgpack.decode(raw, type=SessionData)
        now = self._clock()
        if now - data.signed_in_at > self.absolute_seconds:
            await self._end(key, data)
            return None
        data.last_seen_at = now
        await self._redis.set(_PREFIX + key, msgspec.msgpack.encode(data), ex=self.idle_seconds)
        return data

    async def end(self, token: str) -> None:
        """Sign-out of this one session."""
        key = _key(token)
        raw = await self._redis.get(_PREFIX + key)
        if raw is not None:
            await self._end(key, msgspec.msgpack.decode(raw, type=SessionData))

    async def end_all(self, subject_id: UUID, *, kind: SubjectKind = SubjectKind.PERSON) -> int:
        """End every session of a person (or member of staff); returns how many there were."""
        index = _index(kind, subject_id)
        keys = [member.decode() for member in await self._redis.smembers(index)]  # type: ignore[misc]  # redis-py types async commands as sync|async
        if keys:
            await self._redis.delete(*(_PREFIX + key for key in keys))
        await self._redis.delete(index)
        return len(keys)

    async def list_for(
        self, subject_id: UUID, *, kind: SubjectKind = SubjectKind.PERSON
    ) -> list[StoredSession]:
        """The subject's live sessions, most recently used first."""
        index = _index(kind, subject_id)
        keys = sorted(member.decode() for member in await self._redis.smembers(index))  # type: ignore[misc]  # redis-py types async commands as sync|async
        if not keys:
            return []
        values = await self._redis.mget([_PREFIX + key for key in keys])
        live = [
            StoredSession(key=key, data=msgspec.msgpack.decode(raw, type=SessionData))
            for key, raw in zip(keys, values, strict=True)
            if raw is not None
        ]
        expired = [key for key, raw in zip(keys, values, strict=True) if raw is None]
        if expired:
            await self._redis.srem(index, *expired)  # type: ignore[misc]  # redis-py types async commands as sync|async
        return sorted(live, key=lambda stored: stored.data.last_seen_at, reverse=True)

    async def end_by_key(
        self, subject_id: UUID, key: str, *, kind: SubjectKind = SubjectKind.PERSON
    ) -> bool:
        """End one of the subject's own sessions, named by its listing key."""
        index = _index(kind, subject_id)
        if not await self._redis.sismember(index, key):  # type: ignore[misc]  # redis-py types async commands as sync|async
            return False
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(_PREFIX + key)
            pipe.srem(index, key)
            await pipe.execute()
        return True

    @staticmethod
    def key_of(token: str) -> str:
        """The listing key of a token (to mark "this device" on the sessions page)."""
        return _key(token) if token else ""

    async def _end(self, key: str, data: SessionData) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(_PREFIX + key)
            pipe.srem(_index(data.subject_kind, data.subject_id), key)
            await pipe.execute()


def _index(kind: SubjectKind, subject_id: UUID) -> str:
    # "onething:person-sessions:<id>" is the name the index had before staff sessions.
    return f"onething:{kind.value}-sessions:{subject_id}"


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:40]
