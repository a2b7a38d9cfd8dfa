"""Imports every model module so the metadata is complete (Alembic, tests)."""

from app.identity.models import Department, Person, SecurityEvent

__all__ = ["Department", "Person", "SecurityEvent"]
