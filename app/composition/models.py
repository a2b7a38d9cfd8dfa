"""Imports every model module so the metadata is complete (Alembic, tests)."""

from app.applications.case_models import (
    Application,
    ApplicationEvent,
    ApplicationSerial,
    CaseResult,
    Complaint,
    Rating,
    SubCase,
)
from app.applications.models import Draft, DraftUpload
from app.assist.models import Authorization, AuthorizationEvent, HomeVisit
from app.assist.request_models import VisitRequest, VisitRequestEvent, WorkerArea
from app.audit.models import AuditEvent, AuditHead
from app.benefits.models import BenefitOffer
from app.enterprises.models import Enterprise, EnterpriseMember
from app.identity.models import Department, ExternalAccount, Person, SecurityEvent
from app.identity.passkey_models import Passkey
from app.notices.models import Delivery, Notice
from app.notices.preference_models import NoticePreference
from app.oidc.models import OidcClient, OidcConsent
from app.records.models import DataAccess, RecordConsent, RecordCorrection
from app.staff.models import Staff
from app.wallet.models import CardVerification, License, SigningKey

__all__ = [
    "Application",
    "ApplicationEvent",
    "ApplicationSerial",
    "AuditEvent",
    "AuditHead",
    "Authorization",
    "AuthorizationEvent",
    "BenefitOffer",
    "CardVerification",
    "CaseResult",
    "Complaint",
    "DataAccess",
    "Delivery",
    "Department",
    "Draft",
    "DraftUpload",
    "Enterprise",
    "EnterpriseMember",
    "ExternalAccount",
    "HomeVisit",
    "License",
    "Notice",
    "NoticePreference",
    "OidcClient",
    "OidcConsent",
    "Passkey",
    "Person",
    "Rating",
    "RecordConsent",
    "RecordCorrection",
    "SecurityEvent",
    "SigningKey",
    "Staff",
    "SubCase",
    "VisitRequest",
    "VisitRequestEvent",
    "WorkerArea",
]
