"""下载我的数据 (PIPL art. 45): everything the platform holds about one person, in one file.

The export has one list per table that holds the person's data (``tables``), named by the
table, plus the live sessions (kept in Redis, not a table). Each row carries every column
(``app.spaces.rows``) except the platform's ciphertexts and blind indexes; their clear values
appear instead — ID and phone numbers masked, unless the person re-authenticated with a fresh
SMS code on this device (the account page's "show full numbers"), then in full. Sealed form
values of drafts and applications are unsealed the same way: numbers in them are masked
unless revealed.

Only the person's own rows are read: every query starts from ``person_id``. Rows about an
enterprise the person acts for belong to the enterprise, not to the person; they are in the
enterprise's space, not here. ``tests/integration/spaces/test_export.py`` walks the metadata so that
a table added later without a place here fails the suite.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
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
from app.audit import service as audit
from app.audit.models import AuditEvent, AuditKind
from app.benefits.models import BenefitOffer
from app.enterprises.models import Enterprise, EnterpriseMember
from app.identity.account import FullNumbers
from app.identity.models import (
    PERSON_ID_NUMBER,
    PERSON_PHONE,
    ExternalAccount,
    Person,
    SecurityEvent,
)
from app.identity.passkey_models import Passkey
from app.identity.sessions import SessionStore
from app.notices.models import Delivery, Notice
from app.notices.preference_models import NoticePreference
from app.oidc.models import OidcConsent
from app.privacy import mask_id_number, mask_phone, redact
from app.protection import DataProtector
from app.records.models import DataAccess, RecordConsent, RecordCorrection
from app.spaces.rows import plain, row
from app.storage import FileStorage
from app.wallet.fields import column_for, shown_value
from app.wallet.models import CardVerification, License

FORMAT = "onething-export/1"


class Export(msgspec.Struct, kw_only=True, frozen=True):
    """A finished export: its bytes, media type and file name."""

    content: bytes
    media_type: str
    filename: str


class ExportService:
    """Builds one person's export on one database session."""

    def __init__(
        self,
        db: AsyncSession,
        *,
        protector: DataProtector,
        sessions: SessionStore,
        storage: FileStorage,
    ) -> None:
        self._db = db
        self._protector = protector
        self._sessions = sessions
        self._storage = storage

    async def document(self, person: Person, full: FullNumbers | None) -> dict[str, Any]:
        """The export as one JSON-ready document (``tables`` by table name)."""
        tables: dict[str, list[dict[str, Any]]] = {"person": [self._person(person, full)]}
        tables.update(await self._identity(person.id))
        tables.update(await self._drafts(person.id, reveal=full is not None))
        tables.update(await self._applications(person.id, reveal=full is not None))
        tables.update(await self._licenses(person.id, reveal=full is not None))
        tables.update(await self._visit_requests(person.id, reveal=full is not None))
        tables.update(await self._records(person.id))
        tables.update(await self._services(person.id))
        sessions = await self._sessions.list_for(person.id)
        return {
            "format": FORMAT,
            "exported_at": datetime.now(UTC).isoformat(),
            "numbers_in_full": full is not None,
            "sessions": [
                {
                    "signed_in_at": _epoch(stored.data.signed_in_at),
                    "last_seen_at": _epoch(stored.data.last_seen_at),
                    "device": stored.data.device,
                }
                for stored in sessions
            ],
            "tables": tables,
        }

    async def recorded_document(self, person: Person, full: FullNumbers | None) -> dict[str, Any]:
        """The export as one document, its hand-over recorded in the audit chain.

        The mini-program API answers this document itself (without the uploaded files).
        """
        document = await self.document(person, full)
        # In the request's transaction: the hand-over and its record commit together.
        await audit.record(
            self._db, AuditKind.DATA_EXPORTED, actor=f"person:{person.id}",
            subject=f"person:{person.id}", detail={"numbers_in_full": full is not None},
        )  # fmt: skip
        return document

    async def export(self, person: Person, full: FullNumbers | None) -> Export:
        """The export file: JSON, or a zip of the JSON and the uploaded files when there are any."""
        document = await self.recorded_document(person, full)
        data = msgspec.json.format(msgspec.json.encode(document))
        stamp = f"{datetime.now(UTC):%Y%m%d}"
        uploads = document["tables"]["draft_upload"]
        if not uploads:
            return Export(
                content=data, media_type="application/json", filename=f"onething-{stamp}.json"
            )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("onething.json", data)
            for upload in uploads:
                try:
                    content = await self._storage.get(upload["storage_key"])
                except FileNotFoundError:
                    continue  # listed in the JSON; the file itself was removed
                archive.writestr(f"files/{upload['id']}-{upload['filename']}", content)
        return Export(
            content=buffer.getvalue(),
            media_type="application/zip",
            filename=f"onething-{stamp}.zip",
        )

    def _person(self, person: Person, full: FullNumbers | None) -> dict[str, Any]:
        found = row(person)
        if full is not None:
            found["phone"], found["id_number"] = full.phone, full.id_number
            return found
        phone = self._protector.reveal(person.phone_ciphertext, PERSON_PHONE)
        found["phone"] = mask_phone(phone)
        found["id_number"] = (
            mask_id_number(self._protector.reveal(person.id_number_ciphertext, PERSON_ID_NUMBER))
            if person.id_number_ciphertext
            else None
        )
        return found

    async def _identity(self, person_id: UUID) -> dict[str, list[dict[str, Any]]]:
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

    async def _drafts(self, person_id: UUID, *, reveal: bool) -> dict[str, list[dict[str, Any]]]:
        drafts = await self._all(select(Draft).where(Draft.person_id == person_id))
        rows = []
        for draft in drafts:
            found = row(draft, leave_out=("sealed_values",))
            found["values"] = self._unseal(draft.sealed_values, f"draft:{draft.id}", reveal)
            rows.append(found)
        uploads = await self._all(
            select(DraftUpload).where(DraftUpload.draft_id.in_([d.id for d in drafts]))
        )
        return {"draft": rows, "draft_upload": _rows(uploads)}

    async def _applications(
        self, person_id: UUID, *, reveal: bool
    ) -> dict[str, list[dict[str, Any]]]:
        applications = await self._all(
            select(Application).where(Application.person_id == person_id)
        )
        ids = [application.id for application in applications]
        rows = []
        for application in applications:
            found = row(application, leave_out=("sealed_form", "sealed_address", "idempotency_key"))
            found["form"] = self._unseal(
                application.sealed_form, f"application:{application.id}", reveal
            )
            found["address"] = self._unseal(
                application.sealed_address, f"address:{application.id}", reveal
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

    async def _licenses(self, person_id: UUID, *, reveal: bool) -> dict[str, list[dict[str, Any]]]:
        licenses = await self._all(select(License).where(License.person_id == person_id))
        rows = []
        for license_ in licenses:
            found = row(license_)
            found["fields"] = {
                key: self._license_value(key, value, reveal)
                for key, value in license_.fields.items()
            }
            rows.append(found)
        verifications = await self._all(
            select(CardVerification)
            .where(CardVerification.license_id.in_([lic.id for lic in licenses]))
            .order_by(CardVerification.id)
        )
        return {"wallet_license": rows, "wallet_card_verification": _rows(verifications)}

    async def _records(self, person_id: UUID) -> dict[str, list[dict[str, Any]]]:
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

    async def _services(self, person_id: UUID) -> dict[str, list[dict[str, Any]]]:
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

    async def _visit_requests(
        self, person_id: UUID, *, reveal: bool
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
                request.address_ciphertext, address_context(request.id), reveal
            )
            requests.append(found)
        events = await self._all(
            select(VisitRequestEvent).where(
                VisitRequestEvent.request_id.in_([r.id for r in about_me])
            )
        )
        return {"assist_visit_request": requests, "assist_visit_request_event": _rows(events)}

    def _unseal(self, sealed: str | None, context: str, reveal: bool) -> Any:
        if sealed is None:
            return None
        document = self._protector.unseal(sealed, context=context)
        try:
            value = msgspec.json.decode(document)
        except msgspec.DecodeError:
            value = document  # a plain text (the mailing address)
        return value if reveal else _redacted(value)

    def _license_value(self, key: str, stored: Any, reveal: bool) -> Any:
        if reveal and isinstance(stored, dict) and "ciphertext" in stored:
            return self._protector.reveal(stored["ciphertext"], column_for(key))
        return shown_value(stored)

    async def _all(self, query: Any) -> Sequence[Any]:
        return (await self._db.scalars(query)).all()


def _rows(objects: Sequence[Any]) -> list[dict[str, Any]]:
    return [row(obj) for obj in objects]


def _redacted(value: Any) -> Any:
    """Every ID and phone number in a decoded document, masked."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return plain(value)


def _epoch(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()
