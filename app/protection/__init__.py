"""Protection of sensitive personal information at rest (PIPL 敏感个人信息: ID and phone numbers).

A sensitive value is stored as two string columns:

- ``<name>_ciphertext``: AES-256-GCM under the active key, ``v1.<key id>.<base64url>``. The
  key id lets values written before a key rotation still decrypt; the column's name is
  authenticated with it, so a value copied into another column fails to decrypt.
- ``<name>_index``: a blind index, HMAC-SHA256 of the normalized value under a separate
  index key and the value's kind. Equal values give equal indexes, so a service can look a
  person up by ID number (``WHERE id_number_index = :index``) without storing it in clear.

Why explicit calls, not a SQLAlchemy ``TypeDecorator``: a column type is built when the
model class is imported, before settings exist, so it could only reach its keys through a
module-level registry filled at start-up — the import-time wiring and global this codebase
rules out (settings are passed in, never read from globals). It also could not fill the
index column, which must be written beside the ciphertext and queried on its own. So
services receive a ``DataProtector`` made from settings, like any other dependency, and call
``protect`` / ``reveal`` / ``blind_index``; models keep plain string columns. Encryption is
visible at the call site, tests need no engine, and a batch re-encryption after a rotation
is an ordinary, idempotent job (``needs_reencryption`` then ``reencrypt``; the index does
not change).

Keys come from ``load_protection_keys`` (see ``app.protection.keys``). Keep them apart from
the database and its backups: with the index key, a leaked index of a phone number can be
found by trying every number.
"""

from __future__ import annotations

from app.protection.keys import (
    ProtectionKeys,
    format_protection_keys,
    generate_protection_keys,
    load_protection_keys,
    parse_protection_keys,
)
from app.protection.protector import (
    DataProtector,
    Keyring,
    Protected,
    ProtectionError,
    SensitiveColumn,
    SensitiveKind,
)

__all__ = [
    "DataProtector",
    "Keyring",
    "Protected",
    "ProtectionError",
    "ProtectionKeys",
    "SensitiveColumn",
    "SensitiveKind",
    "format_protection_keys",
    "generate_protection_keys",
    "load_protection_keys",
    "parse_protection_keys",
]
