"""QR confirmation: the resident scans the tablet's QR with their own phone and confirms there.

The QR holds ``{public base}/me/authorizations/scan/<token>``: the token is 32 random bytes
(base64url), nothing else — no name, number or id. Redis keeps what it stands for (the
authorization and its principal) for ``TTL_SECONDS``; confirming takes the token with
``GETDEL``, so it works once. Only the principal, signed in on their phone, gets past it:
anyone else (another resident, an expired or used token) gets ``NotFound``. The tablet
polls the authorization itself and moves on once it is confirmed.
"""

from __future__ import annotations

import re
import secrets
from uuid import UUID

import msgspec
from redis.asyncio import Redis

from app.assist.authorizations import AuthorizationService
from app.assist.models import Authorization, Confirmation
from app.errors import NotFound
from app.i18n import N_
from app.identity.models import Person
from app.staff.models import Staff

TTL_SECONDS = 10 * 60
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
_PREFIX = "onething:assist-qr:"
# One answer for every refusal: it tells the resident what to do, and nobody whose token
# it is not learns whether it exists.
NOT_VALID = N_(
    "This QR code cannot be used: it was already used, it expired, or it was shown for"
    " someone else. Ask the worker to show a new one, signed in as the resident it is for."
)


class QrClaim(msgspec.Struct, kw_only=True, frozen=True):
    """What a token stands for."""

    authorization_id: UUID
    person_id: UUID


class QrConfirmations:
    """Issuing, reading and using the single-use tokens behind the tablet's QR."""

    def __init__(self, redis: Redis, *, ttl_seconds: int = TTL_SECONDS) -> None:
        self._redis = redis
        self._ttl = ttl_seconds

    async def issue(
        self, service: AuthorizationService, agent: Staff, authorization_id: UUID
    ) -> str:
        """A fresh token for the agent's pending authorization (each press makes a new one)."""
        authorization, person = await service.pending_of_agent(agent, authorization_id)
        token = secrets.token_urlsafe(32)
        claim = QrClaim(authorization_id=authorization.id, person_id=person.id)
        await self._redis.set(_PREFIX + token, msgspec.json.encode(claim), ex=self._ttl)
        return token

    async def proposal(
        self, service: AuthorizationService, person: Person, token: str
    ) -> Authorization:
        """The authorization behind ``token``, for its principal only (the token stays)."""
        claim = await self._claim(token, person)
        authorization = await service.of_person(person, claim.authorization_id)
        return authorization

    async def confirm(
        self, service: AuthorizationService, person: Person, token: str
    ) -> Authorization:
        """Use the token (once) and confirm the authorization as its principal."""
        claim = await self._claim(token, person)
        if await self._redis.getdel(_PREFIX + token) is None:  # another press was first
            raise NotFound(NOT_VALID)
        return await service.confirm_as_principal(person, claim.authorization_id, Confirmation.QR)

    async def _claim(self, token: str, person: Person) -> QrClaim:
        if not TOKEN_PATTERN.fullmatch(token):
            raise NotFound(NOT_VALID)
        raw = await self._redis.get(_PREFIX + token)
        if raw is None:
            raise NotFound(NOT_VALID)
        claim = msgspec.json.decode(raw, type=QrClaim)
        if claim.person_id != person.id:  # someone else's phone: as if there were no token
            raise NotFound(NOT_VALID)
        return claim
