"""The audit log's two tables: the events, and the one-row head that serializes appends."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from advanced_alchemy.base import AdvancedDeclarativeBase, CommonTableAttributes
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

GENESIS_HASH = "0" * 64
HEAD_ID = 1


class AuditKind(StrEnum):
    """What an audit event records, beside the security log's own kinds.

    A mirrored security event keeps its ``SecurityEventKind`` value
    (``app.composition.audit_mirror``), so that list is not repeated here; these are actions
    for someone else and operations on the platform's keys and data. No value may equal a
    security kind (a unit test checks).
    """

    # 代办: a resident's authorization of a field worker, and what the worker did under it.
    AUTHORIZATION_PROPOSED = "authorization_proposed"
    AUTHORIZATION_CONFIRMED = "authorization_confirmed"
    AUTHORIZATION_REVOKED = "authorization_revoked"
    AUTHORIZATION_EXPIRED = "authorization_expired"
    AUTHORIZATION_CHECKED = "authorization_checked"  # a supervisor confirmed an in-person one
    AUTHORIZATION_REJECTED = "authorization_rejected"  # … or rejected it (and so revoked it)
    EVIDENCE_VIEWED = "evidence_viewed"  # a supervisor opened a signature or an ID-card photo
    ON_BEHALF = "on_behalf"  # an agent (staff or enterprise member) acted for a principal
    # A member of staff looked a person up by phone number (subject ``nobody`` when no active
    # account has it): ``app.records.lookups``.
    PERSON_LOOKED_UP = "person_looked_up"
    # The platform's own operations.
    KEY_ROTATED = "key_rotated"  # a department's license-signing key
    KEYS_REENCRYPTED = "keys_reencrypted"  # personal numbers moved to the newest data key
    DATA_EXPORTED = "data_exported"
    AUDIT_PURGED = "audit_purged"


class AuditEvent(CommonTableAttributes, AdvancedDeclarativeBase):
    """One link of the chain. Append-only: ids are given by the head, one after another.

    ``hash`` is SHA-256 over ``prev_hash`` and the canonical encoding of the other columns
    (``app.audit.chain``). ``detail`` holds ids and codes only, never a number in clear.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    kind: Mapped[str] = mapped_column(String(32))  # a SecurityEventKind or an AuditKind
    actor: Mapped[str] = mapped_column(String(80))  # "person:<uuid>", "staff:<uuid>", "system"
    subject: Mapped[str] = mapped_column(String(80), index=True)  # "person:<uuid>", …
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(CommonTableAttributes, AdvancedDeclarativeBase):
    """The chain's one-row head: its newest link, and the anchor left by the last purge.

    Appends lock this row (``SELECT … FOR UPDATE`` on PostgreSQL), so two transactions can
    never both extend the chain from the same link. The anchor is the id and hash of the
    newest purged event: verification starts from it.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    anchor_id: Mapped[int] = mapped_column(BigInteger, default=0)
    anchor_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    anchored_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
