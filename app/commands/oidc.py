"""``python -m app oidc-client create``: register a relying party of the OpenID provider."""

from __future__ import annotations

from collections.abc import Sequence

from app.composition.build import database
from app.config import Settings
from app.oidc.clients import ClientRegistry, NewClient


async def register_client(
    settings: Settings, *, name: str, redirect_uris: Sequence[str], public: bool
) -> NewClient:
    """Register a client in its own transaction."""
    async with database(settings) as sessionmaker, sessionmaker() as db, db.begin():
        return await ClientRegistry(db).create(
            name=name, redirect_uris=redirect_uris, public=public
        )
