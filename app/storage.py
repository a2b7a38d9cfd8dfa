"""Where uploaded files live: a small interface, a folder under ``var/`` by default.

Keys are opaque (``uploads/<uuid>``): never a person's name, number or the original file
name. An S3-compatible store is the production plan: it implements the same three
calls. What reaches it is already sealed (``app.sealed_files.SealedFiles`` wraps it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

import anyio

_KEY = re.compile(r"^[a-z]+/[0-9a-f-]{36}$")


class FileStorage(Protocol):
    """Stores bytes under a key."""

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (replacing nothing: keys are fresh UUIDs)."""

    async def get(self, key: str) -> bytes:
        """The bytes under ``key``; ``FileNotFoundError`` when there are none."""

    async def delete(self, key: str) -> None:
        """Remove ``key``; nothing happens when it is already gone."""


class LocalFileStorage:
    """Files in a folder: written to a temporary name, then renamed (never half a file)."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):  # keys are made by us; anything else is a bug or an attack
            raise ValueError("invalid storage key")
        return self._root / key

    async def put(self, key: str, data: bytes) -> None:
        """Write atomically; the folder is created on first use."""
        path = self._path(key)
        await anyio.to_thread.run_sync(_write_atomically, path, data)

    async def get(self, key: str) -> bytes:
        """Read the whole file."""
        return await anyio.Path(self._path(key)).read_bytes()

    async def delete(self, key: str) -> None:
        """Unlink, ignoring a file already gone."""
        await anyio.Path(self._path(key)).unlink(missing_ok=True)

    async def keys(self) -> list[str]:
        """Every stored key, sorted (for maintenance commands; half-written files are not keys)."""
        return await anyio.to_thread.run_sync(self._keys)

    def _keys(self) -> list[str]:
        if not self._root.is_dir():
            return []
        found = (f"{p.parent.name}/{p.name}" for p in self._root.glob("*/*") if p.is_file())
        return sorted(key for key in found if _KEY.match(key))


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    with temporary.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    temporary.replace(path)
