"""Imports every model module so the metadata is complete (Alembic, tests)."""

from app.identity.models import Department, Person, SecurityEvent
from app.identity.staff_models import Staff

__all__ = ["Department", "Person", "SecurityEvent", "Staff"]
