"""The hash of one audit event: pure functions, no I/O."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, TypeAlias

import msgspec

from app.privacy import redact

# Scalars only: a float or a nested object could come back from a JSON column encoded
# differently from how it was hashed.
DetailValue: TypeAlias = str | int | bool | None
Detail: TypeAlias = dict[str, DetailValue]


class Link(msgspec.Struct, kw_only=True, frozen=True):
    """The fields of an event that its hash covers."""

    id: int
    at: datetime
    kind: str
    actor: str
    subject: str
    detail: dict[str, Any]


def canonical_time(at: datetime) -> str:
    """UTC to the microsecond, as the databases keep it (a naive value is taken as UTC)."""
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


def canonical(link: Link) -> bytes:
    """The one encoding of an event that is hashed: JSON with sorted keys, no spaces."""
    document = {
        "id": link.id,
        "at": canonical_time(link.at),
        "kind": link.kind,
        "actor": link.actor,
        "subject": link.subject,
        "detail": link.detail,
    }
    return msgspec.json.encode(document, order="sorted")


def link_hash(prev_hash: str, link: Link) -> str:
    """SHA-256 (hex) over the previous event's hash and this event's canonical encoding."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(link)).hexdigest()


def clean_detail(detail: Detail) -> Detail:
    """The detail with any ID or phone number masked; ``ValueError`` for what may not go in.

    Callers put ids and codes in; masking is the safety net for a free-text note that
    carries a number the caller did not expect (the chain is kept for a year or more).
    """
    cleaned: Detail = {}
    for key, value in detail.items():
        if len(key) > 40:
            raise ValueError(f"audit detail key {key!r}: use a short name")
        if isinstance(value, float) or not (value is None or isinstance(value, str | int)):
            raise ValueError(f"audit detail {key!r}: only str, int, bool or None")
        cleaned[key] = redact(value)[:200] if isinstance(value, str) else value
    return cleaned
