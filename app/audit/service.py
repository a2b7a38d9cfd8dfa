"""Appending to the audit chain, verifying it, and purging what is past retention.

An append runs in the caller's transaction: an action that rolls back leaves no event.
It locks the one-row head first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite lets one
writer at a time in anyway), so the chain never forks and ids follow one another.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import msgspec
from sqlalchemy import Connection, Table, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.audit.chain import Detail, Link, clean_detail, link_hash
from app.audit.models import GENESIS_HASH, HEAD_ID, AuditEvent, AuditHead, AuditKind

PAGE = 1000
_EVENT = cast("Table", AuditEvent.__table__)
_HEAD = cast("Table", AuditHead.__table__)


def append_on(
    connection: Connection,
    kind: str,  # an AuditKind, or a mirrored security event's own SecurityEventKind
    *,
    actor: str,
    subject: str,
    detail: Detail | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Append one event on ``connection`` (inside its transaction); returns the event's id."""
    last_id, last_hash = _lock_head(connection)
    link = Link(
        id=last_id + 1,
        at=clock(),
        kind=str(kind),
        actor=actor[:80],
        subject=subject[:80],
        detail=dict(clean_detail(detail or {})),
    )
    digest = link_hash(last_hash, link)
    values = msgspec.structs.asdict(link)
    connection.execute(insert(_EVENT).values(**values, prev_hash=last_hash, hash=digest))
    connection.execute(
        update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(last_id=link.id, last_hash=digest)
    )
    return link.id


async def record(
    db: AsyncSession,
    kind: str,  # an AuditKind, or a mirrored security event's own SecurityEventKind
    *,
    actor: str,
    subject: str,
    detail: Detail | None = None,
) -> None:
    """Append one event in ``db``'s transaction (it commits or rolls back with the action)."""

    def _append(session: Session) -> None:
        append_on(session.connection(), kind, actor=actor, subject=subject, detail=detail)

    await db.run_sync(_append)


def _lock_head(connection: Connection) -> tuple[int, str]:
    """The head's newest (id, hash), locked until the transaction ends."""
    # Lock by writing first: on PostgreSQL a row lock, as SELECT … FOR UPDATE takes; on
    # SQLite the database's write lock, taken before the head is read, so the read cannot
    # come from a snapshot older than the last append.
    touched = connection.execute(
        update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(last_id=_HEAD.c.last_id)
    )
    if not getattr(touched, "rowcount", 0):
        # The first event ever (or a schema made without the migration's seed row). Two
        # first appends racing both insert: the loser's insert does nothing and its
        # SELECT … FOR UPDATE then waits on the winner like any later append.
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(
            dialect.insert(_HEAD)
            .values(id=HEAD_ID, last_id=0, last_hash=GENESIS_HASH, anchor_id=0,
                    anchor_hash=GENESIS_HASH)
            .on_conflict_do_nothing()
        )  # fmt: skip
    head = select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == HEAD_ID)
    row = connection.execute(head.with_for_update()).one()
    return int(row.last_id), str(row.last_hash)


class Verdict(msgspec.Struct, kw_only=True, frozen=True):
    """What verification found: how many events were checked, and the first wrong one."""

    checked: int
    head_id: int
    head_hash: str
    broken_at: int | None = None  # the id of the first event found wrong (or missing)
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when every link holds from the anchor to the head."""
        return self.broken_at is None


async def verify(db: AsyncSession) -> Verdict:
    """Walk the chain from the purge anchor to the head, recomputing every hash and link."""
    head = await db.get(AuditHead, HEAD_ID)
    last_id, last_hash = (head.last_id, head.last_hash) if head else (0, GENESIS_HASH)
    prev_id, prev_hash = (head.anchor_id, head.anchor_hash) if head else (0, GENESIS_HASH)
    checked = 0

    def broken(at: int, reason: str) -> Verdict:
        return Verdict(
            checked=checked, head_id=last_id, head_hash=last_hash, broken_at=at, reason=reason
        )

    older = await db.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.id <= prev_id))
    if older is not None:
        return broken(older, "is older than the purge anchor: it was inserted or restored")
    while True:
        after = select(AuditEvent).where(AuditEvent.id > prev_id)
        page = (await db.scalars(after.order_by(AuditEvent.id).limit(PAGE))).all()
        for event in page:
            if event.id != prev_id + 1:
                return broken(prev_id + 1, f"is missing (the chain jumps to event {event.id})")
            if event.prev_hash != prev_hash:
                return broken(event.id, "does not link to the event before it")
            if _hash_of(prev_hash, event) != event.hash:
                return broken(event.id, "was altered: its hash does not match its content")
            prev_id, prev_hash, checked = event.id, event.hash, checked + 1
        if len(page) < PAGE:
            break
    if prev_id < last_id:
        return broken(prev_id + 1, f"is missing (the head says the newest is event {last_id})")
    if prev_id > last_id or prev_hash != last_hash:
        return broken(prev_id, "is not the head's newest event: it was inserted or altered")
    return Verdict(checked=checked, head_id=last_id, head_hash=last_hash)


def _hash_of(prev_hash: str, event: AuditEvent) -> str | None:
    """The hash the event should have; None when its columns no longer make a link at all."""
    if not isinstance(event.detail, dict) or not isinstance(event.at, datetime):
        return None  # e.g. a detail rewritten into a JSON list
    return link_hash(prev_hash, _link_of(event))


def _link_of(event: AuditEvent) -> Link:
    return Link(
        id=event.id,
        at=event.at,
        kind=event.kind,
        actor=event.actor,
        subject=event.subject,
        detail=dict(event.detail),
    )


class Purged(msgspec.Struct, kw_only=True, frozen=True):
    """What a purge removed: how many events, up to which id."""

    deleted: int
    anchor_id: int


async def purge(db: AsyncSession, *, retention_days: int, now: datetime | None = None) -> Purged:
    """Delete the events older than the retention, keeping the newest one's hash as anchor.

    Only a prefix of the chain goes (ids at most the newest old event), so verification
    from the anchor still covers every remaining event. Idempotent: a second run finds
    nothing older and changes nothing.
    """
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)

    def _purge(session: Session) -> Purged:
        connection = session.connection()
        _lock_head(connection)
        newest_old = connection.execute(
            select(_EVENT.c.id, _EVENT.c.hash)
            .where(_EVENT.c.at < cutoff)
            .order_by(_EVENT.c.id.desc())
            .limit(1)
        ).one_or_none()
        if newest_old is None:
            return Purged(deleted=0, anchor_id=_anchor_id(connection))
        deleted = connection.execute(delete(_EVENT).where(_EVENT.c.id <= newest_old.id))
        connection.execute(
            update(_HEAD)
            .where(_HEAD.c.id == HEAD_ID)
            .values(anchor_id=newest_old.id, anchor_hash=newest_old.hash, anchored_at=cutoff)
        )
        count = int(getattr(deleted, "rowcount", 0))
        append_on(
            connection,
            AuditKind.AUDIT_PURGED,
            actor="system",
            subject="audit",
            detail={"deleted": count, "anchor_id": newest_old.id, "days": retention_days},
        )
        return Purged(deleted=count, anchor_id=newest_old.id)

    return await db.run_sync(_purge)


def _anchor_id(connection: Connection) -> int:
    value: Any = connection.execute(
        select(_HEAD.c.anchor_id).where(_HEAD.c.id == HEAD_ID)
    ).scalar_one()
    return int(value)
