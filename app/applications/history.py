"""The one place history is written: each transition appends an ``ApplicationEvent``.

Notices (issue 6) hook in here: whatever ``record`` adds to the session commits in the same
transaction as the change of state it describes, so a notice written beside the event can
neither be lost nor sent for a change that was rolled back.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from app.applications.case_models import Application, ApplicationEvent, SubCase
from app.applications.states import (
    Action,
    Actor,
    next_application_state,
    next_sub_case_state,
)
from app.notices.models import Notice
from app.notices.outbox import add_with_deliveries, stage_application_change
from app.notices.texts import text_for


def record(
    db: AsyncSession,
    application: Application,
    action: Action,
    actor: Actor,
    *,
    sub_case: SubCase | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str = "",
) -> ApplicationEvent:
    """Append one event to the application's history (in the caller's transaction)."""
    event = ApplicationEvent(
        application_id=application.id,
        sub_case_id=sub_case.id if sub_case is not None else None,
        matter_code=sub_case.matter_code if sub_case is not None else None,
        action=str(action),
        from_state=from_state,
        to_state=to_state,
        actor_kind=str(actor.kind),
        actor_id=actor.id,
        on_behalf_of_kind=actor.on_behalf_of_kind,
        on_behalf_of_id=actor.on_behalf_of_id,
        note=note,
    )
    db.add(event)
    # Same transaction: the notice and its deliveries commit or roll back with the event.
    write_for_event(db, application, event)
    return event


def write_for_event(
    db: AsyncSession, application: Application, event_row: ApplicationEvent
) -> Notice | None:
    """Add the notice and its deliveries for ``event_row`` if the applicant is told of it."""
    stage_application_change(db, application.id)
    text = text_for(event_row.action)
    if text is None:
        return None
    notice = Notice(
        id=uuid7(),
        person_id=application.person_id,
        enterprise_id=application.enterprise_id,
        application_id=application.id,
        kind=event_row.action,
        title_id=text.title,
        body_id=text.body,
        params={"number": application.number},
    )
    # The event's id is known only at flush: the relationship sets ``event_id`` then.
    event_row.notices.append(notice)
    add_with_deliveries(db, notice)
    return notice


def move(
    db: AsyncSession, application: Application, action: Action, actor: Actor, note: str = ""
) -> ApplicationEvent:
    """Move the application by ``action`` (``IllegalTransition`` when not allowed) and record it."""
    before = application.state if application.state else None
    application.state = next_application_state(before, action)
    return record(
        db, application, action, actor, from_state=before, to_state=application.state, note=note
    )


def move_sub_case(
    db: AsyncSession,
    application: Application,
    sub_case: SubCase,
    action: Action,
    actor: Actor,
    note: str = "",
) -> ApplicationEvent:
    """Move one sub-case by ``action`` and record it in the application's history."""
    before = sub_case.state if sub_case.state else None
    sub_case.state = next_sub_case_state(before, action)
    return record(
        db,
        application,
        action,
        actor,
        sub_case=sub_case,
        from_state=before,
        to_state=sub_case.state,
        note=note,
    )
