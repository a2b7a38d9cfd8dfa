"""Imports every model module so the metadata is complete (Alembic, tests)."""

from app.identity.enterprise_models import Enterprise, EnterpriseMember
from app.identity.models import Department, ExternalAccount, Person, SecurityEvent

__all__ = [
    "Department",
    "Enterprise",
    "EnterpriseMember",
    "ExternalAccount",
    "Person",
    "SecurityEvent",
]
