"""Key material for ``app.protection``: parsed from a setting, or kept under var/ in development.

The setting is one string of comma-separated ``name:base64`` entries, for example
``k2:<32 bytes>,k1:<32 bytes>,index:<32 bytes>``. The first entry other than ``index`` is the
active encryption key; the others only decrypt values written before a rotation. ``index``
is the blind-index key. ``openssl rand -base64 32`` makes a key.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import tempfile
from pathlib import Path

import msgspec

from app.config import SettingsError

KEY_BYTES = 32  # AES-256; also the HMAC-SHA256 key length
INDEX_ENTRY = "index"
DEVELOPMENT_KEYS_FILE = "protection_keys"
# Key ids go into every ciphertext (``v1.<kid>.<data>``), so they may not contain a dot.
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_FORMAT = "'k1:<base64 of 32 bytes>,index:<base64 of 32 bytes>'"


class ProtectionKeys(msgspec.Struct, frozen=True, kw_only=True):
    """Named AES-256 keys, the id of the active one, and the separate blind-index key.

    ``encryption_keys`` keeps every key still needed to decrypt; do not mutate it.
    The repr names the keys but never shows key material (tracebacks, logs).
    """

    encryption_keys: dict[str, bytes]
    active_key_id: str
    index_key: bytes

    def __post_init__(self) -> None:
        for key_id, key in self.encryption_keys.items():
            if not _KEY_ID.fullmatch(key_id) or key_id == INDEX_ENTRY:
                raise SettingsError(
                    f"Protection key id {key_id!r} must be 1 to 32 letters, digits, '-' or '_'"
                    f" and not {INDEX_ENTRY!r}."
                )
            _check_length(key_id, key)
        _check_length(INDEX_ENTRY, self.index_key)
        if self.active_key_id not in self.encryption_keys:
            raise SettingsError(f"The active protection key {self.active_key_id!r} is missing.")
        if self.index_key in self.encryption_keys.values():
            # One key for two jobs would tie the index's secrecy to every ciphertext's.
            raise SettingsError("The index key must differ from every encryption key.")

    def __repr__(self) -> str:
        return (
            f"ProtectionKeys(active_key_id={self.active_key_id!r}, "
            f"key_ids={list(self.encryption_keys)!r}, key material hidden)"
        )


def _check_length(name: str, key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise SettingsError(
            f"Protection key {name!r} has {len(key)} bytes; it needs {KEY_BYTES}"
            " (openssl rand -base64 32)."
        )


def parse_protection_keys(raw: str) -> ProtectionKeys:
    """Parse ``k2:<base64>,k1:<base64>,index:<base64>``; the first encryption key is active."""
    encryption_keys: dict[str, bytes] = {}
    index_key: bytes | None = None
    for position, entry in enumerate(filter(None, (e.strip() for e in raw.split(","))), 1):
        name, colon, encoded = (part.strip() for part in entry.partition(":"))
        if not colon or not name:
            raise SettingsError(f"Protection keys: entry {position} is not name:base64; {_FORMAT}.")
        if name in encryption_keys or (name == INDEX_ENTRY and index_key is not None):
            raise SettingsError(f"Protection keys: {name!r} is given twice.")
        key = _decode_key(name, encoded)
        if name == INDEX_ENTRY:
            index_key = key
        else:
            encryption_keys[name] = key
    if not encryption_keys or index_key is None:
        raise SettingsError(f"Protection keys need an encryption key and an index key: {_FORMAT}.")
    first = next(iter(encryption_keys))
    return ProtectionKeys(encryption_keys=encryption_keys, active_key_id=first, index_key=index_key)


def _decode_key(name: str, encoded: str) -> bytes:
    """Standard or URL-safe base64, padding optional (what openssl and Python produce)."""
    text = encoded.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise SettingsError(f"Protection key {name!r} is not valid base64.") from None


def format_protection_keys(keys: ProtectionKeys) -> str:
    """The setting string for ``keys``: active key first, then older keys, then ``index``."""
    order = [keys.active_key_id, *(k for k in keys.encryption_keys if k != keys.active_key_id)]
    entries = [(key_id, keys.encryption_keys[key_id]) for key_id in order]
    entries.append((INDEX_ENTRY, keys.index_key))
    return ",".join(f"{name}:{base64.b64encode(key).decode()}" for name, key in entries)


def generate_protection_keys(key_id: str = "k1") -> ProtectionKeys:
    """Fresh random keys: one encryption key named ``key_id`` and an index key."""
    return ProtectionKeys(
        encryption_keys={key_id: secrets.token_bytes(KEY_BYTES)},
        active_key_id=key_id,
        index_key=secrets.token_bytes(KEY_BYTES),
    )


def load_protection_keys(raw: str | None, var_dir: Path, *, production: bool) -> ProtectionKeys:
    """Keys from the setting ``raw``; without one, development keys kept in ``var_dir``.

    Production refuses to start without configured keys: generated keys would live beside
    the database they protect, and losing them loses the data.
    """
    if raw and raw.strip():
        return parse_protection_keys(raw)
    if production:
        raise SettingsError(
            f"Protection keys are required in production: {_FORMAT}, kept apart from the"
            " database and its backups."
        )
    return _development_keys(var_dir)


def _development_keys(var_dir: Path) -> ProtectionKeys:
    """Read ``var_dir/protection_keys``, creating it (mode 0600) the first time.

    Like the development secret key, but written to a private temporary file and linked
    into place, so the keys are never readable by others, even for a moment, and two
    processes starting together end up with the same keys.
    """
    path = var_dir / DEVELOPMENT_KEYS_FILE
    if path.exists():
        return _read_keys_file(path)
    var_dir.mkdir(parents=True, exist_ok=True)
    keys = generate_protection_keys()
    descriptor, temporary = tempfile.mkstemp(dir=var_dir, prefix=f".{DEVELOPMENT_KEYS_FILE}.")
    try:
        with os.fdopen(descriptor, "w") as handle:  # mkstemp creates it with mode 0600
            handle.write(format_protection_keys(keys) + "\n")
        os.link(temporary, path)
    except FileExistsError:  # another process linked its keys first: use those
        return _read_keys_file(path)
    finally:
        os.unlink(temporary)
    return keys


def _read_keys_file(path: Path) -> ProtectionKeys:
    try:
        return parse_protection_keys(path.read_text())
    except SettingsError as exc:
        raise SettingsError(
            f"{path}: {exc} Delete the file to start over with new development keys"
            " (values encrypted with the old ones can no longer be read)."
        ) from None
