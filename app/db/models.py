"""Imports every model module so the metadata is complete (Alembic, tests)."""

from app.identity.models import Department, ExternalAccount, Person, SecurityEvent
from app.identity.passkey_models import Passkey

__all__ = ["Department", "ExternalAccount", "Passkey", "Person", "SecurityEvent"]
