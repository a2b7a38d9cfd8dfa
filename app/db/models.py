"""Imports every model module so the metadata is complete (Alembic, tests)."""

from app.identity.models import Department, ExternalAccount, Person, SecurityEvent

__all__ = ["Department", "ExternalAccount", "Person", "SecurityEvent"]
