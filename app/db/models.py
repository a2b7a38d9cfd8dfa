"""Imports every model module so the metadata is complete (Alembic, tests)."""

from app.applications.case_models import (
    Application,
    ApplicationEvent,
    ApplicationSerial,
    Complaint,
    Rating,
    SubCase,
)
from app.applications.models import Draft, DraftUpload
from app.identity.enterprise_models import Enterprise, EnterpriseMember
from app.identity.models import Department, ExternalAccount, Person, SecurityEvent
from app.identity.oidc.models import OidcClient, OidcConsent
from app.identity.passkey_models import Passkey
from app.identity.staff_models import Staff

__all__ = [
    "Application",
    "ApplicationEvent",
    "ApplicationSerial",
    "Complaint",
    "Department",
    "Draft",
    "DraftUpload",
    "Enterprise",
    "EnterpriseMember",
    "ExternalAccount",
    "OidcClient",
    "OidcConsent",
    "Passkey",
    "Person",
    "Rating",
    "SecurityEvent",
    "Staff",
    "SubCase",
]
