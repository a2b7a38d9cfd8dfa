"""Imports every model module so the metadata is complete (Alembic, tests)."""

from app.identity.models import Department, Person, SecurityEvent
from app.identity.oidc.models import OidcClient, OidcConsent

__all__ = ["Department", "OidcClient", "OidcConsent", "Person", "SecurityEvent"]
