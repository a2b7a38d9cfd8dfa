"""Dependency providers of the OpenID provider's services."""

from __future__ import annotations

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from app.oidc.clients import ClientRegistry
from app.oidc.consents import ConsentBook


def provide_consents(db_session: NamedDependency[AsyncSession]) -> ConsentBook:
    """Remembered consent on the request's database session."""
    return ConsentBook(db_session)


def provide_oidc_clients(db_session: NamedDependency[AsyncSession]) -> ClientRegistry:
    """The registered relying parties, on the request's database session."""
    return ClientRegistry(db_session)
