"""Turning stored rows into plain JSON for a person's export, column by column.

Every column of a row is exported except secrets of the platform: ciphertexts and blind
indexes (``*_ciphertext``, ``*_index``) mean nothing to the person, and their clear values are
exported beside them by the export itself (masked unless the person re-authenticated).
A column added to a table later is exported without anyone remembering to add it.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from sqlalchemy import inspect

_SECRET_SUFFIXES = ("_ciphertext", "_index")


def plain(value: Any) -> Any:
    """A JSON-ready form of a column value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return base64.urlsafe_b64encode(value).decode().rstrip("=")
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def row(obj: object, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every column of ``obj`` by column name, leaving out secrets and ``leave_out``."""
    mapper = inspect(type(obj))
    found: dict[str, Any] = {}
    for attribute in mapper.column_attrs:
        name = attribute.columns[0].name
        if name in leave_out or name.endswith(_SECRET_SUFFIXES):
            continue
        found[name] = plain(getattr(obj, attribute.key))
    return found
