"""The identity switcher: a signed-in person acts as themself or for an enterprise.

The choice belongs to one web session and lives in Redis beside it, under the session's
listing key (``onething:acting:{key}``), with the session's idle lifetime renewed on every
use. ``SessionData`` is left alone on purpose: the choice is not part of who signed in.

The choice is only a wish: every request checks again that the membership is still active
(``ActingStore.verified``), so an agent removed a moment ago acts as themself on their very
next request. Acting for an enterprise in the mini-program API is a later step.
"""

from __future__ import annotations

from uuid import UUID

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import errors
from app.enterprises.service import EnterpriseService, MyEnterprise
from app.identity.models import SecurityEvent, SecurityEventKind
from app.protection import DataProtector

_PREFIX = "onething:acting:"


class ActingStore:
    """Which enterprise each web session acts for (absent: the person themself)."""

    def __init__(self, redis: Redis, *, ttl_seconds: int, prefix: str = _PREFIX) -> None:
        self._redis = redis
        self.ttl_seconds = ttl_seconds
        self._prefix = prefix  # another prefix keeps another choice (a person acted for)

    async def get(self, session_key: str) -> UUID | None:
        """The enterprise chosen in this session, its lifetime renewed with the session's."""
        raw = await self._redis.getex(self._prefix + session_key, ex=self.ttl_seconds)
        if raw is None:
            return None
        try:
            return UUID(raw.decode())
        except ValueError:
            return None

    async def set(self, session_key: str, enterprise_id: UUID | None) -> None:
        """Act for ``enterprise_id`` from now on in this session; None: as oneself."""
        if enterprise_id is None:
            await self._redis.delete(self._prefix + session_key)
        else:
            await self._redis.set(
                self._prefix + session_key, str(enterprise_id), ex=self.ttl_seconds
            )

    async def verified(
        self,
        session_key: str,
        person_id: UUID,
        sessionmaker: async_sessionmaker[AsyncSession],
        protector: DataProtector,
    ) -> MyEnterprise | None:
        """The enterprise this session acts for, if the membership is still active.

        A choice that no longer holds (membership removed, enterprise deregistered) is
        forgotten, so the session acts as the person themself from this request on.
        """
        enterprise_id = await self.get(session_key)
        if enterprise_id is None:
            return None
        async with sessionmaker() as db:
            found = await EnterpriseService(db, protector=protector).membership(
                enterprise_id, person_id
            )
        if found is None:
            await self.set(session_key, None)
        return found


class IdentitySwitcher:
    """Switches a session between the person themself and their enterprises."""

    def __init__(
        self, db: AsyncSession, *, store: ActingStore, enterprises: EnterpriseService
    ) -> None:
        self._db = db
        self._store = store
        self._enterprises = enterprises

    async def switch(
        self,
        session_key: str,
        person_id: UUID,
        enterprise_id: UUID | None,
        *,
        current: UUID | None,
        client_ip: str,
    ) -> MyEnterprise | None:
        """Act for ``enterprise_id`` (None: as oneself); ``NotFound`` for a non-member."""
        chosen = None
        if enterprise_id is not None:
            chosen = await self._enterprises.membership(enterprise_id, person_id)
            if chosen is None:
                raise errors.NotFound
        if enterprise_id == current:
            return chosen
        await self._store.set(session_key, enterprise_id)
        # Switching back records the enterprise left, so both directions name it.
        self._db.add(
            SecurityEvent(
                kind=SecurityEventKind.ACTING_AS_CHANGED,
                person_id=person_id,
                enterprise_id=enterprise_id or current,
                client_ip=client_ip,
                detail="for enterprise" if enterprise_id else "as oneself",
            )
        )
        return chosen
