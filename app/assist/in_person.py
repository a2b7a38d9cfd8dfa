"""In-person confirmation: the resident signs on the tablet, the worker photographs the ID card.

It is the path for residents with no phone of their own. The authorization is usable at
once (the visit goes on) but marked "confirmed in person, pending supervisor check"; a
supervisor then looks at the signature and the photo and confirms, or rejects with a
reason — a rejection revokes the authorization (the agent's very next request is refused)
and tells the resident. Both files are cleaned like any material (``clean_upload``: size,
pixels, re-encoded without metadata), then sealed at rest like every stored file (the runtime's
storage is ``app.sealed_files.SealedFiles``: the data protector, bound to the storage key).
"""

from __future__ import annotations

import io
from typing import Literal
from uuid import UUID, uuid4

import anyio
import msgspec
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.uploads import CleanFile, clean_upload
from app.assist.authorizations import AuthorizationService
from app.assist.models import (
    Authorization,
    AuthorizationEventKind,
    CheckStatus,
    InPersonConfirmation,
)
from app.errors import Conflict, NotFound, RuleViolation
from app.i18n import N_
from app.identity.models import PERSON_ID_NUMBER, Person
from app.notices.outbox import write_for_subject
from app.notices.texts import NoticeKind
from app.privacy import mask_id_number
from app.protection import DataProtector
from app.staff.models import Staff, StaffRole
from app.storage import FileStorage

SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_PIXELS = 4_000_000
REASON_MAX = 500
SIGNATURE_MISSING = N_("Ask the resident to sign in the box.")
SIGNATURE_NOT_PNG = N_("The signature must be a PNG image drawn in the box.")
ID_PHOTO_NOT_IMAGE = N_("Take a photo of the ID card (JPEG or PNG).")
REASON_REQUIRED = N_("Say why the confirmation is rejected (at most 500 characters).")
ALREADY_CHECKED = N_("This confirmation has already been checked.")

Evidence = Literal["signature", "id_photo"]


class PendingCheck(msgspec.Struct, kw_only=True, frozen=True):
    """An in-person confirmation as the supervisor's page shows it."""

    confirmation: InPersonConfirmation
    authorization: Authorization
    resident_name: str
    masked_id_number: str
    agent_name: str


class InPersonChecks:
    """Capturing in-person confirmations at the visit, and their supervisor's check."""

    def __init__(
        self, db: AsyncSession, *, authorizations: AuthorizationService, storage: FileStorage,
        protector: DataProtector, max_bytes: int, max_pixels: int,
    ) -> None:  # fmt: skip
        self._db = db
        self._authorizations = authorizations
        self._storage = storage
        self._protector = protector
        self._max_bytes = max_bytes
        self._max_pixels = max_pixels
        self.catalog = authorizations.catalog

    async def capture(
        self, agent: Staff, authorization_id: UUID, *, signature: bytes, id_photo: bytes
    ) -> InPersonConfirmation:
        """Keep the signature and the ID photo, and confirm the authorization (check pending)."""
        authorization, person = await self._authorizations.pending_of_agent(agent, authorization_id)
        problems: dict[str, str] = {}
        # Decoding and re-encoding a camera photo takes tens of milliseconds: off the event loop.
        clean_signature = await anyio.to_thread.run_sync(self._signature, signature, problems)
        clean_photo = await anyio.to_thread.run_sync(self._id_photo, id_photo, problems)
        if problems or clean_signature is None or clean_photo is None:
            raise RuleViolation(fields=problems)
        # Confirmed first (it may still be refused: expired meanwhile), the files after: a
        # failed write rolls the confirmation back with the request's transaction.
        await self._authorizations.confirm_in_person(agent, authorization.id)
        signature_key, photo_key = f"evidence/{uuid4()}", f"evidence/{uuid4()}"
        await self._storage.put(signature_key, clean_signature.data)
        await self._storage.put(photo_key, clean_photo.data)
        confirmation = InPersonConfirmation(
            authorization_id=authorization.id, person_id=person.id, captured_by_id=agent.id,
            signature_key=signature_key, id_photo_key=photo_key,
            id_photo_type=clean_photo.content_type,
        )  # fmt: skip
        self._db.add(confirmation)
        await self._db.flush()
        return confirmation

    def _signature(self, data: bytes, problems: dict[str, str]) -> CleanFile | None:
        if not data:
            problems["signature"] = SIGNATURE_MISSING
            return None
        try:
            clean = clean_upload(data, max_bytes=min(self._max_bytes, SIGNATURE_MAX_BYTES),
                                 max_pixels=SIGNATURE_MAX_PIXELS, field="signature")  # fmt: skip
        except RuleViolation as exc:
            problems.update(exc.fields)
            return None
        if clean.content_type != "image/png":
            problems["signature"] = SIGNATURE_NOT_PNG
            return None
        if _is_blank(clean.data):
            problems["signature"] = SIGNATURE_MISSING
            return None
        return clean

    def _id_photo(self, data: bytes, problems: dict[str, str]) -> CleanFile | None:
        try:
            clean = clean_upload(data, max_bytes=self._max_bytes, max_pixels=self._max_pixels,
                                 field="id_photo")  # fmt: skip
        except RuleViolation as exc:
            problems.update(exc.fields)
            return None
        if not clean.content_type.startswith("image/"):
            problems["id_photo"] = ID_PHOTO_NOT_IMAGE
            return None
        return clean

    async def pending(self, supervisor: Staff) -> list[PendingCheck]:
        """Every confirmation waiting for a check, oldest first (supervisors only)."""
        _require_supervisor(supervisor)
        rows = await self._db.scalars(
            select(InPersonConfirmation)
            .where(InPersonConfirmation.status == CheckStatus.PENDING)
            .order_by(InPersonConfirmation.created_at)
        )
        return [await self._view(row) for row in rows]

    async def check(self, supervisor: Staff, confirmation_id: UUID) -> PendingCheck:
        """One confirmation, pending or checked (supervisors only; ``NotFound`` otherwise)."""
        _require_supervisor(supervisor)
        row = await self._db.get(InPersonConfirmation, confirmation_id)
        if row is None:
            raise NotFound
        return await self._view(row)

    async def evidence(
        self, supervisor: Staff, confirmation_id: UUID, which: Evidence
    ) -> tuple[bytes, str]:
        """The signature or the ID photo, unsealed; the look is written into the history."""
        view = await self.check(supervisor, confirmation_id)
        row = view.confirmation
        key = row.signature_key if which == "signature" else row.id_photo_key
        content_type = "image/png" if which == "signature" else row.id_photo_type
        data = await self._storage.get(key)
        self._authorizations.event(view.authorization, AuthorizationEventKind.EVIDENCE_VIEWED,
                                   "staff", supervisor.id, which)  # fmt: skip
        await self._db.flush()
        return data, content_type

    async def confirm(self, supervisor: Staff, confirmation_id: UUID) -> InPersonConfirmation:
        """The signature and the photo are right: the authorization stays as it is."""
        view = await self._unchecked(supervisor, confirmation_id)
        self._mark(view.confirmation, supervisor, CheckStatus.CONFIRMED, "")
        self._authorizations.event(view.authorization, AuthorizationEventKind.CHECKED, "staff",
                                   supervisor.id)  # fmt: skip
        await self._db.flush()
        return view.confirmation

    async def reject(
        self, supervisor: Staff, confirmation_id: UUID, reason: str
    ) -> InPersonConfirmation:
        """They are not: the authorization is revoked now and the resident is told."""
        reason = reason.strip()
        if not reason or len(reason) > REASON_MAX:
            raise RuleViolation(fields={"reason": REASON_REQUIRED})
        view = await self._unchecked(supervisor, confirmation_id)
        authorization = view.authorization
        self._mark(view.confirmation, supervisor, CheckStatus.REJECTED, reason)
        if authorization.revoked_at is None:
            authorization.revoked_at = self._authorizations.now()
        self._authorizations.event(authorization, AuthorizationEventKind.REJECTED, "staff",
                                   supervisor.id, reason[:200])  # fmt: skip
        write_for_subject(
            self._db, NoticeKind.AUTHORIZATION_REJECTED,
            subject_key=f"authorization:{authorization.id}:rejected",
            person_id=authorization.person_id, params={},
        )  # fmt: skip
        await self._db.flush()
        return view.confirmation

    async def _unchecked(self, supervisor: Staff, confirmation_id: UUID) -> PendingCheck:
        view = await self.check(supervisor, confirmation_id)
        if view.confirmation.status != CheckStatus.PENDING:
            raise Conflict(ALREADY_CHECKED)
        return view

    def _mark(
        self, row: InPersonConfirmation, supervisor: Staff, status: CheckStatus, reason: str
    ) -> None:
        row.status = str(status)
        row.checked_by_id = supervisor.id
        row.checked_at = self._authorizations.now()
        row.reason = reason

    async def _view(self, row: InPersonConfirmation) -> PendingCheck:
        authorization = await self._db.get(Authorization, row.authorization_id)
        person = await self._db.get(Person, row.person_id)
        if authorization is None or person is None:
            raise NotFound
        masked = ""
        if person.id_number_ciphertext:
            number = self._protector.reveal(person.id_number_ciphertext, PERSON_ID_NUMBER)
            masked = mask_id_number(number)
        agent_name = await self._authorizations.agent_name(authorization)
        return PendingCheck(
            confirmation=row, authorization=authorization, resident_name=person.real_name or "",
            masked_id_number=masked, agent_name=agent_name,
        )  # fmt: skip


def _require_supervisor(staff: Staff) -> None:
    if staff.role != StaffRole.SUPERVISOR:
        raise NotFound


def _is_blank(png: bytes) -> bool:
    """True when the drawing has a single shade (nothing drawn), transparency counted as white."""
    with Image.open(io.BytesIO(png)) as image:
        flat = Image.new("RGBA", image.size, "white")
        flat.alpha_composite(image.convert("RGBA"))
        low, high = flat.convert("L").getextrema()
    return bool(low == high)
