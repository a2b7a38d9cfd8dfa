"""Remembered consent: which scopes a person allowed each client, and withdrawing it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.oidc.claims import scope_list
from app.oidc.models import OidcClient, OidcConsent


class ConnectedApp(msgspec.Struct, frozen=True, kw_only=True):
    """A line of "apps I signed in to with OneThing" (``id`` names the consent)."""

    id: UUID
    client_name: str
    scopes: list[str]
    decided_at: datetime


class ConsentBook:
    """Reads, records and withdraws consent, in the request's transaction."""

    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def granted(self, person_id: UUID, client_pk: UUID) -> set[str]:
        """The scopes the person has allowed the client (empty when never or withdrawn)."""
        scopes = await self._db.scalar(
            select(OidcConsent.scopes).where(
                OidcConsent.person_id == person_id, OidcConsent.client_id == client_pk
            )
        )
        return set(scope_list(scopes))

    async def record(
        self, person_id: UUID, client_pk: UUID, *, asked: Iterable[str], granted: Iterable[str]
    ) -> None:
        """Remember a decision: scopes asked now take the decision, earlier ones stay.

        So unticking the ID card withdraws it even if it was allowed before.
        """
        row = await self._db.scalar(
            select(OidcConsent).where(
                OidcConsent.person_id == person_id, OidcConsent.client_id == client_pk
            )
        )
        kept = set(scope_list(row.scopes if row else None)) - set(asked)
        scopes = " ".join(sorted(kept | set(granted)))
        if row is None:
            self._db.add(OidcConsent(person_id=person_id, client_id=client_pk, scopes=scopes))
        else:
            row.scopes = scopes
        await self._db.flush()

    async def list_for(self, person_id: UUID) -> list[ConnectedApp]:
        """The person's consents, most recent decision first."""
        rows = await self._db.execute(
            select(OidcConsent, OidcClient.name)
            .join(OidcClient, OidcClient.id == OidcConsent.client_id)
            .where(OidcConsent.person_id == person_id)
            .order_by(OidcConsent.updated_at.desc())
        )
        return [
            ConnectedApp(
                id=consent.id,
                client_name=name,
                scopes=scope_list(consent.scopes),
                decided_at=consent.updated_at,
            )
            for consent, name in rows.tuples()
        ]

    async def withdraw(self, person_id: UUID, consent_id: UUID) -> bool:
        """Withdraw one of the person's own consents; False when there is no such consent."""
        result = await self._db.execute(
            delete(OidcConsent).where(
                OidcConsent.id == consent_id, OidcConsent.person_id == person_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
