"""Copies the records that already exist into the audit chain, in the same flush.

The security log (``SecurityEvent``), an authorization's history (``AuthorizationEvent``),
an application event done for someone else and a record read by staff for a person
(``DataAccess``; also staff finding a person by phone) are written in many places; a mapper
hook on each makes every one of them a link of the chain in the same transaction, whatever
code path wrote it. The hooks emit SQL on the flush's own connection, which SQLAlchemy
allows in ``after_insert``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Mapper

from app.applications.case_models import ApplicationEvent
from app.assist.models import Authorization, AuthorizationEvent, AuthorizationEventKind
from app.audit.models import AuditKind
from app.audit.service import append_on
from app.identity.models import SecurityEvent
from app.records.models import DataAccess
from app.records.sources import ACCOUNT
from app.staff.models import Staff

_AUTHORIZATION_KINDS = {
    AuthorizationEventKind.GRANTED: AuditKind.AUTHORIZATION_PROPOSED,
    AuthorizationEventKind.CONFIRMED: AuditKind.AUTHORIZATION_CONFIRMED,
    AuthorizationEventKind.REVOKED: AuditKind.AUTHORIZATION_REVOKED,
    AuthorizationEventKind.EXPIRED: AuditKind.AUTHORIZATION_EXPIRED,
    AuthorizationEventKind.USED: AuditKind.ON_BEHALF,
    AuthorizationEventKind.CHECKED: AuditKind.AUTHORIZATION_CHECKED,
    AuthorizationEventKind.REJECTED: AuditKind.AUTHORIZATION_REJECTED,
    AuthorizationEventKind.EVIDENCE_VIEWED: AuditKind.EVIDENCE_VIEWED,
}


def install() -> None:
    """Hook the mirrors on their models (idempotent; called when an engine is made)."""
    for model, hook in (
        (SecurityEvent, _security_event),
        (AuthorizationEvent, _authorization_event),
        (ApplicationEvent, _application_event),
        (DataAccess, _data_access),
    ):
        if not event.contains(model, "after_insert", hook):
            event.listen(model, "after_insert", hook)


def _security_event(_mapper: Mapper[Any], connection: Connection, target: SecurityEvent) -> None:
    detail: dict[str, str | int | bool | None] = {"security_event": target.id}
    if target.detail:
        detail["note"] = target.detail
    if target.person_id is not None:
        actor = f"person:{target.person_id}"
    elif target.staff_id is not None:
        actor = f"staff:{target.staff_id}"
    else:
        actor = "unknown"  # a refused sign-in for a number or session nobody holds
    if target.kind in {"staff_created", "staff_disabled"}:
        actor = _by(connection, target.detail)
    if target.enterprise_id is not None:
        subject = f"enterprise:{target.enterprise_id}"
    elif target.staff_id is not None:
        subject = f"staff:{target.staff_id}"
    else:
        subject = actor
    # Under the security log's own kind: a kind added there is recorded as it is.
    append_on(connection, str(target.kind), actor=actor, subject=subject, detail=detail)


def _by(connection: Connection, note: str) -> str:
    # StaffService writes "by staff <username>" (an administrator) or "by command line".
    if note.startswith("by staff "):
        username = note.removeprefix("by staff ")
        found = connection.execute(select(Staff.id).where(Staff.username == username)).scalar()
        return f"staff:{found}" if found else "unknown"
    return "operator:command-line" if note == "by command line" else "unknown"


def _authorization_event(
    _mapper: Mapper[Any], connection: Connection, target: AuthorizationEvent
) -> None:
    kind = _AUTHORIZATION_KINDS.get(AuthorizationEventKind(target.kind))
    if kind is None:
        return
    principal = connection.execute(
        select(Authorization.person_id).where(Authorization.id == target.authorization_id)
    ).scalar_one()
    actor = f"{target.actor_kind}:{target.actor_id}" if target.actor_id else target.actor_kind
    detail: dict[str, str | int | bool | None] = {
        "authorization": str(target.authorization_id),
        "authorization_event": target.id,
    }
    if kind is AuditKind.ON_BEHALF:
        # "scope: what was done" — the scope is a code; the rest stays in the assist history.
        detail["scope"] = target.note.split(":", 1)[0]
    elif kind is AuditKind.EVIDENCE_VIEWED:
        detail["evidence"] = target.note  # "signature" or "id_photo"
    append_on(connection, kind, actor=actor, subject=f"person:{principal}", detail=detail)


def _application_event(
    _mapper: Mapper[Any], connection: Connection, target: ApplicationEvent
) -> None:
    if target.on_behalf_of_id is None:
        return
    append_on(
        connection,
        AuditKind.ON_BEHALF,
        actor=f"{target.actor_kind}:{target.actor_id}",
        subject=f"{target.on_behalf_of_kind}:{target.on_behalf_of_id}",
        detail={
            "application": str(target.application_id),
            "application_event": target.id,
            "action": target.action,
        },
    )


def _data_access(_mapper: Mapper[Any], connection: Connection, target: DataAccess) -> None:
    if target.staff_id is None and target.agent_person_id is None:
        return  # the person read their own records: not an action for someone else
    # Staff finding the person by phone is a look-up, not an act for them.
    looked_up = target.source == ACCOUNT.code
    append_on(
        connection,
        AuditKind.PERSON_LOOKED_UP if looked_up else AuditKind.ON_BEHALF,
        actor=f"staff:{target.staff_id}"
        if target.staff_id is not None
        else f"person:{target.agent_person_id}",
        subject=f"person:{target.person_id}",
        detail={
            "data_access": target.id,
            "source": target.source,
            "purpose": target.purpose_kind,
            "outcome": str(target.outcome),
        },
    )
