"""One set of materials (一套材料) for a draft: what is still needed, uploads, and the purge.

A material several matters ask for (same code) is asked once. A material a record or a
wallet license proves is not asked at all. A material that may follow later (容缺) can be
left out now; the application then carries a written commitment (issue 5).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.drafts import DraftService
from app.applications.models import Draft, DraftStage, DraftUpload
from app.applications.uploads import clean_upload
from app.catalog.engine import is_proven
from app.catalog.schema import Material
from app.errors import NotFound, RuleViolation
from app.i18n import N_
from app.storage import FileStorage

UPLOAD_MISSING = N_("Upload this material, or choose to provide it later where that is allowed.")
UNKNOWN_MATERIAL = N_("This material is not needed for your application.")
TOO_MANY_FILES = N_("At most 10 files per material.")
FILES_PER_MATERIAL = 10


class MaterialNeed(msgspec.Struct, kw_only=True):
    """A material of the selected matters: which ask for it, proof, and what is uploaded."""

    material: Material
    matters: list[str]
    proven: bool
    uploads: list[DraftUpload]

    @property
    def missing(self) -> bool:
        """Required, not proven, nothing uploaded, and not allowed to follow later."""
        return (
            self.material.required
            and not self.proven
            and not self.uploads
            and not self.material.may_defer
        )


class DraftMaterials:
    """Materials of a draft: listing, uploading, removing, and moving on to the review."""

    def __init__(
        self,
        db: AsyncSession,
        *,
        drafts: DraftService,
        storage: FileStorage,
        max_bytes: int,
        max_pixels: int,
    ) -> None:
        self._db = db
        self._drafts = drafts
        self._storage = storage
        self._max_bytes = max_bytes
        self._max_pixels = max_pixels

    async def needs(self, draft: Draft) -> list[MaterialNeed]:
        """The materials of the selected matters, each once, in the order first asked."""
        catalog = self._drafts.catalog
        needs: dict[str, MaterialNeed] = {}
        for code in self._drafts.selection(draft).selected_codes:
            for material in catalog.matters[code].materials:
                need = needs.get(material.code)
                if need is None:
                    proven = is_proven(material, draft.proofs)
                    need = MaterialNeed(material=material, matters=[], proven=proven, uploads=[])
                    needs[material.code] = need
                need.matters.append(code)
        for upload in await self.uploads(draft):
            if upload.material_code in needs:
                needs[upload.material_code].uploads.append(upload)
        return list(needs.values())

    async def uploads(self, draft: Draft) -> Sequence[DraftUpload]:
        """The draft's uploads, oldest first."""
        query = select(DraftUpload).where(DraftUpload.draft_id == draft.id)
        return (await self._db.scalars(query.order_by(DraftUpload.created_at))).all()

    async def upload(
        self, draft: Draft, material_code: str, filename: str, data: bytes
    ) -> DraftUpload:
        """Clean and store one file for a material the draft still needs."""
        self._drafts.require_stage(draft, DraftStage.MATERIALS)
        field = f"material:{material_code}"
        need = next((n for n in await self.needs(draft) if n.material.code == material_code), None)
        if need is None or need.proven:
            raise RuleViolation(UNKNOWN_MATERIAL, fields={field: UNKNOWN_MATERIAL})
        if len(need.uploads) >= FILES_PER_MATERIAL:
            raise RuleViolation(TOO_MANY_FILES, fields={field: TOO_MANY_FILES})
        # Decoding and re-encoding a photo takes tens of milliseconds: off the event loop.
        clean = await asyncio.to_thread(
            clean_upload, data, max_bytes=self._max_bytes, max_pixels=self._max_pixels, field=field
        )
        key = f"uploads/{uuid4()}"
        await self._storage.put(key, clean.data)
        upload = DraftUpload(
            draft_id=draft.id,
            material_code=material_code,
            filename=_display_name(filename, need.material.name.zh, clean.extension),
            content_type=clean.content_type,
            size=len(clean.data),
            sha256=hashlib.sha256(clean.data).hexdigest(),
            storage_key=key,
        )
        self._db.add(upload)
        await self._db.flush()
        return upload

    async def get_upload(self, draft: Draft, upload_id: UUID) -> DraftUpload:
        """One of the draft's uploads; ``NotFound`` for anyone else's."""
        upload = await self._db.get(DraftUpload, upload_id)
        if upload is None or upload.draft_id != draft.id:
            raise NotFound
        return upload

    async def content(self, upload: DraftUpload) -> bytes:
        """The stored bytes of an upload."""
        return await self._storage.get(upload.storage_key)

    async def remove(self, draft: Draft, upload_id: UUID) -> None:
        """Remove one upload (the file goes after the row, so a crash leaves no dangling row)."""
        upload = await self.get_upload(draft, upload_id)
        await self._db.delete(upload)
        await self._db.flush()
        await self._storage.delete(upload.storage_key)

    async def finish(self, draft: Draft) -> None:
        """Move on to the review once every required material is proven, uploaded or deferred."""
        self._drafts.require_stage(draft, DraftStage.MATERIALS)
        missing = {
            f"material:{n.material.code}": UPLOAD_MISSING
            for n in await self.needs(draft)
            if n.missing
        }
        if missing:
            raise RuleViolation(fields=missing)
        self._drafts.reach(draft, DraftStage.REVIEW)
        await self._db.flush()

    async def discard(self, draft: Draft) -> None:
        """Delete the draft and its files (the person's own choice)."""
        keys = [u.storage_key for u in await self.uploads(draft)]
        await self._db.delete(draft)
        await self._db.flush()
        for key in keys:
            await self._storage.delete(key)


def _display_name(filename: str, material_name: str, extension: str) -> str:
    # Only a tidy stem of the original name is kept, with the extension of what was stored.
    stem = unicodedata.normalize("NFKC", filename).rsplit(".", 1)[0]
    stem = re.sub(r"[^\w\-\u4e00-\u9fff ]+", "", stem).strip()[:80] or material_name
    return f"{stem}.{extension}"


async def purge_stale_drafts(
    db: AsyncSession, storage: FileStorage, *, retention_days: int, now: datetime | None = None
) -> int:
    """Delete unsubmitted drafts unchanged for ``retention_days`` and their files; idempotent."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    stale = select(Draft.id).where(Draft.submitted_at.is_(None), Draft.updated_at < cutoff)
    ids = list((await db.scalars(stale)).all())
    if not ids:
        return 0
    uploads = await db.scalars(select(DraftUpload.storage_key).where(DraftUpload.draft_id.in_(ids)))
    keys = list(uploads.all())
    await db.execute(delete(DraftUpload).where(DraftUpload.draft_id.in_(ids)))
    await db.execute(delete(Draft).where(Draft.id.in_(ids)))
    await db.commit()
    for key in keys:  # after the commit: a crash here leaves files, never rows without files
        await storage.delete(key)
    return len(ids)
