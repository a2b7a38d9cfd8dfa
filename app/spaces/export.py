"""下载我的数据 (PIPL art. 45): everything the platform holds about one person, in one file.

The document has one list per table that holds the person's data (``tables``), named by the
table, plus the live sessions (kept in Redis, not a table). Each row carries every column
(``app.spaces.rows``) except the platform's ciphertexts and blind indexes; their clear values
appear instead — ID and phone numbers masked, unless the person re-authenticated with a fresh
SMS code on this device (the account page's "show full numbers"): then their own numbers are
in full, and only theirs — a spouse's or a parent's number in a form or on a license stays
masked. An id of another person or of staff is written ``other`` (``rows.others_left_out``).

The file a person downloads (``export``) is a ZIP made of it (``app.spaces.archive``):
pages that tell each area in words (``app.spaces.summary``), the document as JSON and CSV,
and the uploaded files. The mini-program API answers the document itself.

The rows are read from the person's id, table by table (``app.spaces.export_tables``).
``tests/integration/spaces/test_export.py`` walks the metadata so that a table added later
without a place here fails the suite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.models import AuditKind
from app.catalog.loader import LoadedCatalog
from app.i18n import current_locale
from app.identity.account import FullNumbers
from app.identity.models import (
    PERSON_ID_NUMBER,
    PERSON_PHONE,
    Person,
)
from app.identity.sessions import SessionStore
from app.privacy import mask_id_number, mask_phone
from app.protection import DataProtector
from app.spaces import summary, summary_cases
from app.spaces.archive import ArchiveFile, build_archive
from app.spaces.export_tables import TableReader
from app.spaces.rows import others_left_out, row
from app.spaces.summary import AreaBuilder, Words, when
from app.storage import FileStorage

_CHINA = ZoneInfo("Asia/Shanghai")
FORMAT = "onething-export/1"
AREAS: tuple[AreaBuilder, ...] = (
    summary.account, summary_cases.applications, summary_cases.licenses, summary.records,
    summary.messages, summary_cases.assistance, summary.enterprises,
)  # fmt: skip


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
        catalog: LoadedCatalog,
    ) -> None:
        self._db = db
        self._protector = protector
        self._sessions = sessions
        self._storage = storage
        self._catalog = catalog

    async def document(self, person: Person, full: FullNumbers | None) -> dict[str, Any]:
        """The export as one JSON-ready document (``tables`` by table name)."""
        own, read = _own_numbers(full), TableReader(self._db, self._protector)
        tables: dict[str, list[dict[str, Any]]] = {"person": [self._person(person, full)]}
        tables.update(await read.identity(person.id))
        tables.update(await read.drafts(person.id, own=own))
        tables.update(await read.applications(person.id, own=own))
        tables.update(await read.licenses(person.id, own=own))
        tables.update(await read.visit_requests(person.id, own=own))
        tables.update(await read.records(person.id))
        tables.update(await read.services(person.id))
        tables = {name: others_left_out(name, rows, person.id) for name, rows in tables.items()}
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
        """The file to download: a ZIP of pages to read, the data for programs, the uploads."""
        document = await self.recorded_document(person, full)
        locale = current_locale()
        words = Words(self._catalog, locale)
        now = datetime.now(UTC)
        folder = f"onething-{now.astimezone(_CHINA):%Y%m%d}"
        content = build_archive(
            document, [area(document, words) for area in AREAS], await self._files(document),
            folder=folder, locale=locale, exported_at=when(document["exported_at"]),
            person_name=person.real_name or document["tables"]["person"][0]["phone"],
        )  # fmt: skip
        return Export(content=content, media_type="application/zip", filename=f"{folder}.zip")

    async def _files(self, document: dict[str, Any]) -> list[ArchiveFile]:
        files = []
        for upload in document["tables"]["draft_upload"]:
            try:
                content = await self._storage.get(upload["storage_key"])
            except FileNotFoundError:
                continue  # listed in the data; the file itself was removed
            files.append(ArchiveFile(f"{upload['id']}-{upload['filename']}", content))
        return files

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


def _own_numbers(full: FullNumbers | None) -> frozenset[str]:
    """The person's own numbers, shown in full when they re-authenticated (else none)."""
    if full is None:
        return frozenset()
    return frozenset(n.upper() for n in (full.phone, full.id_number) if n)


def _epoch(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()
