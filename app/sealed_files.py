"""Uploaded files sealed at rest: every file goes through ``SealedFiles`` on its way to storage.

Materials (photos of ID cards, household registers, certificates) and the in-person evidence
(signatures, ID photos) are personal data. ``SealedFiles`` wraps the ``FileStorage``: ``put``
seals with the data protector (AES-256-GCM under the active data key, bound to the storage key,
so a file copied under another key no longer opens) and ``get`` unseals. Services keep their
access checks and simply never see the sealed form; a copy of the storage alone reveals nothing.

The sealed format is binary: ``b1.<key id>.`` then the nonce, the ciphertext and the tag
(``DataProtector.seal_bytes``): 30-odd bytes more than the file. The in-person evidence written
before this module existed used the protector's text format (``v1.<key id>.<base64url>``
around the base64 of the file, 1.8 times the size and ten times slower); it still reads, and
``keys reencrypt`` rewrites it in the binary format. A cleaned upload never starts like either
(it is a re-encoded JPEG or PNG, or a PDF starting ``%PDF-``), so the first bytes are the marker:
a file written in clear before sealing (a legacy file) is served as it is, and ``python -m app
files seal`` seals such files in place (idempotent). Sealing and unsealing run off the event loop.
"""

from __future__ import annotations

import base64
from typing import Protocol

import anyio
import msgspec
import structlog

from app.protection import DataProtector, ProtectionError
from app.storage import FileStorage

log = structlog.get_logger(__name__)

SEALED_PREFIX = b"b1."
TEXT_SEALED_PREFIX = b"v1."  # the first in-person evidence, sealed as a text document


class ListedFileStorage(FileStorage, Protocol):
    """A storage that can also list its keys (for the maintenance commands)."""

    async def keys(self) -> list[str]:
        """Every stored key."""


def is_sealed(stored: bytes) -> bool:
    """Whether ``stored`` is sealed, in either format (anything else is a legacy clear file)."""
    return stored.startswith((SEALED_PREFIX, TEXT_SEALED_PREFIX))


class SealedFiles:
    """A ``FileStorage`` that seals what it stores and unseals what it returns."""

    def __init__(self, inner: FileStorage, protector: DataProtector) -> None:
        self.inner = inner
        self._protector = protector

    async def put(self, key: str, data: bytes) -> None:
        """Seal ``data`` (bound to ``key``) and store it."""
        sealed = await anyio.to_thread.run_sync(self.seal, key, data)
        await self.inner.put(key, sealed)

    async def get(self, key: str) -> bytes:
        """The clear bytes under ``key``; a legacy clear file as it is.

        ``ProtectionError`` when a sealed file does not open (altered, moved, or key missing).
        """
        stored = await self.inner.get(key)
        if not is_sealed(stored):
            return stored
        return await anyio.to_thread.run_sync(self.unseal, key, stored)

    async def delete(self, key: str) -> None:
        """Remove ``key``."""
        await self.inner.delete(key)

    def seal(self, key: str, data: bytes) -> bytes:
        """``data`` sealed for ``key`` (CPU-bound: call it off the event loop)."""
        return self._protector.seal_bytes(data, context=key)

    def unseal(self, key: str, stored: bytes) -> bytes:
        """The clear bytes of a file sealed for ``key`` (CPU-bound: off the event loop)."""
        if stored.startswith(TEXT_SEALED_PREFIX):
            return base64.b64decode(self._protector.unseal(stored.decode(), context=key))
        return self._protector.unseal_bytes(stored, context=key)

    def needs_resealing(self, stored: bytes) -> bool:
        """Whether a sealed file is in the text format or under another key than the active one."""
        if stored.startswith(TEXT_SEALED_PREFIX):
            return True
        keyring = self._protector.keyring
        return keyring.key_id_of_bytes(stored) != keyring.active_key_id

    def reseal(self, key: str, stored: bytes) -> bytes:
        """A sealed file sealed again under the active key."""
        return self.seal(key, self.unseal(key, stored))


class FilesReport(msgspec.Struct, kw_only=True, frozen=True):
    """What a pass over the stored files did (counts only: keys are opaque, never personal)."""

    examined: int
    changed: int
    unreadable: int


async def seal_clear_files(files: SealedFiles, storage: ListedFileStorage) -> FilesReport:
    """Seal every file still in clear; sealed files are left alone, so a second run changes none.

    Each file is replaced atomically (written aside, then renamed): a crash leaves it clear or
    sealed, never half of each.
    """
    examined = changed = 0
    for key in await storage.keys():
        try:
            stored = await storage.get(key)
        except FileNotFoundError:
            continue  # deleted meanwhile
        examined += 1
        if is_sealed(stored):
            continue
        await storage.put(key, await anyio.to_thread.run_sync(files.seal, key, stored))
        changed += 1
    return FilesReport(examined=examined, changed=changed, unreadable=0)


async def reseal_files(files: SealedFiles, storage: ListedFileStorage) -> FilesReport:
    """Re-seal under the active key every sealed file made under an older one (idempotent)."""
    examined = changed = unreadable = 0
    for key in await storage.keys():
        try:
            stored = await storage.get(key)
        except FileNotFoundError:
            continue
        examined += 1
        if not is_sealed(stored):
            continue  # clear: ``files seal`` is the command for those
        try:
            if not files.needs_resealing(stored):
                continue
            resealed = await anyio.to_thread.run_sync(files.reseal, key, stored)
        except ProtectionError as exc:
            # The key is an opaque uuid: safe to log, unlike anything inside the file.
            log.warning("sealed file unreadable", key=key, reason=str(exc))
            unreadable += 1
            continue
        await storage.put(key, resealed)
        changed += 1
    return FilesReport(examined=examined, changed=changed, unreadable=unreadable)
