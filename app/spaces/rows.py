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

from app.db.base import UUIDv7AuditBase

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


OTHER = "other"
"""What an export writes instead of someone else's id (a relative, an agent, a member of staff)."""

# Columns that name a person or a member of staff without a foreign key saying so.
_ACTOR_COLUMNS = frozenset({"actor_id", "on_behalf_of_id", "acted_by_id"})
_PEOPLE_TABLES = frozenset({"person", "staff"})


def others_left_out(table: str, rows: list[dict[str, Any]], me: UUID) -> list[dict[str, Any]]:
    """``rows`` of ``table`` with every id of another person or of staff replaced by ``OTHER``.

    The export is the person's own data: who else acted (a relative, a field worker, a
    reviewer) shows as a kind (``actor_kind`` …), never as an id that could be followed. The
    columns are those with a foreign key to ``person`` or ``staff``, the actor columns, and
    the audit chain's ``actor`` and ``subject`` (``person:<id>``: only the kind is kept).
    """
    metadata = UUIDv7AuditBase.metadata.tables.get(table)
    columns = set(_ACTOR_COLUMNS)
    if metadata is not None:
        columns |= {
            column.name
            for column in metadata.columns
            if any(key.column.table.name in _PEOPLE_TABLES for key in column.foreign_keys)
        }
    mine, tagged = str(me), f"person:{me}"
    for found in rows:
        for name in columns & found.keys():
            if found[name] is not None and found[name] != mine:
                found[name] = OTHER
        for name in ("actor", "subject") if table == "audit_event" else ():
            value = found.get(name)
            if isinstance(value, str) and ":" in value and value != tagged:
                found[name] = value.split(":", 1)[0]  # "staff", "person": who, not which
    return rows
