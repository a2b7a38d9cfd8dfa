"""下载我的数据's tables: every row about one person, read table by table from their id.

Only the person's own rows are read: every query starts from ``person_id``. Rows about an
enterprise the person acts for belong to the enterprise, not to the person; they are in the
enterprise's space, not here. Sealed values (forms, addresses, license numbers) are opened
and their ID and phone numbers masked, but the person's ``own`` numbers when they asked to
see them in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.case_models import (
    Application,
    ApplicationEvent,
    CaseResult,
    Complaint,
    Rating,
    SubCase,
)
from app.applications.models import Draft, DraftUpload
from app.assist.models import Authorization, AuthorizationEvent, HomeVisit, InPersonConfirmation
from app.assist.request_models import VisitRequest, VisitRequestEvent
from app.assist.requests import address_context
from app.audit.models import AuditEvent
from app.benefits.models import BenefitOffer
from app.enterprises.models import Enterprise, EnterpriseMember
from app.identity.models import ExternalAccount, SecurityEvent
from app.identity.passkey_models import Passkey
from app.notices.models import Delivery, Notice
from app.notices.preference_models import NoticePreference
from app.oidc.models import OidcConsent
from app.privacy import redact
from app.protection import DataProtector
from app.records.models import DataAccess, RecordConsent, RecordCorrection
from app.spaces.rows import plain, row
from app.wallet.fields import column_for, shown_value
from app.wallet.models import CardVerification, License

Tables = dict[str, list[dict[str, Any]]]


class TableReader:
    """Reads one person's rows, table by table, on one database session."""

    def __init__(self, db: AsyncSession, protector: DataProtector) -> None:
        self._db = db
        self._protector = protector

    async def identity(self, person_id: UUID) -> dict[str, list[dict[str, Any]]]:
        members = await self._all(
            select(EnterpriseMember).where(EnterpriseMember.person_id == person_id)
        )
        return {
            "external_account": _rows(
                await self._all(
                    select(ExternalAccount).where(ExternalAccount.person_id == person_id)
                )
            ),
            "security_event": _rows(
                await self._all(
                    select(SecurityEvent)
                    .where(SecurityEvent.person_id == person_id)
                    .order_by(SecurityEvent.created_at)
                )
            ),
            # The audit log's events about the person or done by them (sign-ins, reveals,
            # authorizations, what an agent did for them): ids and codes, no numbers.
            "audit_event": _rows(
                await self._all(
                    select(AuditEvent)
                    .where(
                        (AuditEvent.subject == f"person:{person_id}")
                        | (AuditEvent.actor == f"person:{person_id}")
                    )
                    .order_by(AuditEvent.id)
                )
            ),
            "passkey": _rows(
                await self._all(select(Passkey).where(Passkey.person_id == person_id))
            ),
            "oidc_consent": _rows(
                await self._all(select(OidcConsent).where(OidcConsent.person_id == person_id))
            ),
            # Only the person's own membership rows: who added or removed them is an id.
            "enterprise_member": _rows(members),
            # The registry's public facts of enterprises they represent or act for.
            "enterprise": _rows(
                await self._all(
                    select(Enterprise).where(
                        (Enterprise.legal_representative_id == person_id)
                        | Enterprise.id.in_([member.enterprise_id for member in members])
                    )
                )
            ),
        }

    async def drafts(
        self, person_id: UUID, *, own: frozenset[str]
    ) -> dict[str, list[dict[str, Any]]]:
        drafts = await self._all(select(Draft).where(Draft.person_id == person_id))
        rows = []
        for draft in drafts:
            found = row(draft, leave_out=("sealed_values",))
            found["values"] = self._unseal(draft.sealed_values, f"draft:{draft.id}", own)
            rows.append(found)
        uploads = await self._all(
            select(DraftUpload).where(DraftUpload.draft_id.in_([d.id for d in drafts]))
        )
        return {"draft": rows, "draft_upload": _rows(uploads)}

    async def applications(
        self, person_id: UUID, *, own: frozenset[str]
    ) -> dict[str, list[dict[str, Any]]]:
        applications = await self._all(
            select(Application).where(Application.person_id == person_id)
        )
        ids = [application.id for application in applications]
        rows = []
        for application in applications:
            found = row(application, leave_out=("sealed_form", "sealed_address", "idempotency_key"))
            found["form"] = self._unseal(
                application.sealed_form, f"application:{application.id}", own
            )
            found["address"] = self._unseal(
                application.sealed_address, f"address:{application.id}", own
            )
            rows.append(found)
        ratings = await self._all(select(Rating).where(Rating.person_id == person_id))
        return {
            "application": rows,
            "sub_case": _rows(
                await self._all(select(SubCase).where(SubCase.application_id.in_(ids)))
            ),
            "application_event": _rows(
                await self._all(
                    select(ApplicationEvent)
                    .where(ApplicationEvent.application_id.in_(ids))
                    .order_by(ApplicationEvent.id)
                )
            ),
            "application_rating": _rows(ratings),
            "complaint": _rows(
                await self._all(
                    select(Complaint).where(Complaint.rating_id.in_([r.id for r in ratings]))
                )
            ),
        }

    async def licenses(
        self, person_id: UUID, *, own: frozenset[str]
    ) -> dict[str, list[dict[str, Any]]]:
        licenses = await self._all(select(License).where(License.person_id == person_id))
        rows = []
        for license_ in licenses:
            found = row(license_)
            found["fields"] = {
                key: self._license_value(key, value, own) for key, value in license_.fields.items()
            }
            rows.append(found)
        verifications = await self._all(
            select(CardVerification)
            .where(CardVerification.license_id.in_([lic.id for lic in licenses]))
            .order_by(CardVerification.id)
        )
        return {"wallet_license": rows, "wallet_card_verification": _rows(verifications)}

    async def records(self, person_id: UUID) -> dict[str, list[dict[str, Any]]]:
        return {
            "record_consent": _rows(
                await self._all(select(RecordConsent).where(RecordConsent.person_id == person_id))
            ),
            "data_access": _rows(
                await self._all(
                    select(DataAccess)
                    .where(DataAccess.person_id == person_id)
                    .order_by(DataAccess.id)
                )
            ),
            "benefit_offer": _rows(
                await self._all(select(BenefitOffer).where(BenefitOffer.person_id == person_id))
            ),
            "record_correction": _rows(
                await self._all(
                    select(RecordCorrection).where(RecordCorrection.person_id == person_id)
                )
            ),
        }

    async def services(self, person_id: UUID) -> dict[str, list[dict[str, Any]]]:
        """Results of their applications, notices to them and their notice preferences,
        authorizations and home visits."""
        application_ids = select(Application.id).where(Application.person_id == person_id)
        notices = await self._all(select(Notice).where(Notice.person_id == person_id))
        authorizations = await self._all(
            select(Authorization).where(Authorization.person_id == person_id)
        )
        return {
            "case_result": _rows(
                await self._all(
                    select(CaseResult).where(CaseResult.application_id.in_(application_ids))
                )
            ),
            "notice": _rows(notices),
            "notice_delivery": _rows(
                await self._all(
                    select(Delivery).where(Delivery.notice_id.in_([n.id for n in notices]))
                )
            ),
            "notice_preference": _rows(
                await self._all(
                    select(NoticePreference).where(NoticePreference.person_id == person_id)
                )
            ),
            "assist_authorization": _rows(authorizations),
            "assist_authorization_event": _rows(
                await self._all(
                    select(AuthorizationEvent).where(
                        AuthorizationEvent.authorization_id.in_([a.id for a in authorizations])
                    )
                )
            ),
            "assist_home_visit": _rows(
                await self._all(select(HomeVisit).where(HomeVisit.person_id == person_id))
            ),
            # The check's record; the signature and ID photo stay sealed in the file storage.
            "assist_in_person_confirmation": _rows(
                await self._all(
                    select(InPersonConfirmation).where(InPersonConfirmation.person_id == person_id)
                )
            ),
        }

    async def visit_requests(
        self, person_id: UUID, *, own: frozenset[str]
    ) -> dict[str, list[dict[str, Any]]]:
        """Visit requests for them, and those they made for someone else.

        Of a request they made for someone else they get what they typed and its history,
        never whom it named (``person_id``) nor its real status: the request flow tells a
        relative nothing of the resident, and the export must not either.
        """
        about_me = await self._all(select(VisitRequest).where(VisitRequest.person_id == person_id))
        by_me = await self._all(
            select(VisitRequest).where(
                VisitRequest.requester_person_id == person_id,
                (VisitRequest.person_id != person_id) | VisitRequest.person_id.is_(None),
            )
        )
        requests: list[dict[str, Any]] = []
        for request, mine in [*((r, True) for r in about_me), *((r, False) for r in by_me)]:
            found = row(request, leave_out=() if mine else ("person_id", "status", "visit_id"))
            found["address"] = self._unseal(
                request.address_ciphertext, address_context(request.id), own
            )
            requests.append(found)
        events = await self._all(
            select(VisitRequestEvent).where(
                VisitRequestEvent.request_id.in_([r.id for r in about_me])
            )
        )
        return {"assist_visit_request": requests, "assist_visit_request_event": _rows(events)}

    def _unseal(self, sealed: str | None, context: str, own: frozenset[str]) -> Any:
        if sealed is None:
            return None
        document = self._protector.unseal(sealed, context=context)
        try:
            value = msgspec.json.decode(document)
        except msgspec.DecodeError:
            value = document  # a plain text (the mailing address)
        return _redacted(value, own)

    def _license_value(self, key: str, stored: Any, own: frozenset[str]) -> Any:
        if own and isinstance(stored, dict) and "ciphertext" in stored:
            clear = self._protector.reveal(stored["ciphertext"], column_for(key))
            if clear.upper() in own:  # the holder's own number; a spouse's stays masked
                return clear
        return shown_value(stored)

    async def _all(self, query: Any) -> Sequence[Any]:
        return (await self._db.scalars(query)).all()


def _rows(objects: Sequence[Any]) -> list[dict[str, Any]]:
    return [row(obj) for obj in objects]


def _redacted(value: Any, own: frozenset[str]) -> Any:
    """Every ID and phone number in a decoded document masked, but the person's ``own``."""
    if isinstance(value, str):
        return redact(value, keep=own)
    if isinstance(value, dict):
        return {key: _redacted(item, own) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, own) for item in value]
    return plain(value)
