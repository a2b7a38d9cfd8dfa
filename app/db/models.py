"""Imports every model module so the metadata is complete (Alembic, tests)."""

from app.identity.enterprise_models import Enterprise, EnterpriseMember
from app.identity.models import Department, ExternalAccount, Person, SecurityEvent
from app.identity.oidc.models import OidcClient, OidcConsent
from app.identity.passkey_models import Passkey
from app.identity.staff_models import Staff
from app.wallet.models import CardVerification, License, SigningKey

__all__ = [
    "CardVerification",
    "Department",
    "Enterprise",
    "EnterpriseMember",
    "ExternalAccount",
    "License",
    "OidcClient",
    "OidcConsent",
    "Passkey",
    "Person",
    "SecurityEvent",
    "SigningKey",
    "Staff",
]
