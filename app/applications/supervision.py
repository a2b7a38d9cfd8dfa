"""电子监察: time-limit cards, lapsed commitments, and what supervisors see.

The sweeps are idempotent: a card only ever moves up (none → yellow → red) and each is
recorded once; a commitment is reminded once and escalated once. On PostgreSQL rows are
claimed with ``FOR UPDATE SKIP LOCKED``, so two workers sweeping at once share the work.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec
from sqlalchemy import select

from app.applications.case_models import Application, Card, Complaint, ComplaintState, SubCase
from app.applications.context import CaseContext
from app.applications.history import record
from app.applications.states import Action, Actor, ApplicationState, SubCaseState
from app.i18n import N_

_ORDER = {Card.NONE: 0, Card.YELLOW: 1, Card.RED: 2}
REMINDER_NOTE = N_("The materials promised are due within one working day.")
LAPSED_NOTE = N_("The materials promised did not arrive in time: escalated to supervisors.")


def card_for(ctx: CaseContext, sub_case: SubCase) -> Card:
    """The card a running sub-case deserves today: red when overdue, yellow near its limit."""
    if sub_case.state != SubCaseState.IN_REVIEW or sub_case.due_on is None:
        return Card(sub_case.card)
    today = ctx.clock.today()
    if today > sub_case.due_on:
        return Card.RED
    left = ctx.calendar.working_days_between(today, sub_case.due_on)
    used = sub_case.limit_days - left
    threshold = math.ceil(ctx.rules.yellow_share * sub_case.limit_days)
    return Card.YELLOW if sub_case.limit_days and used >= threshold else Card.NONE


class SweepResult(msgspec.Struct, kw_only=True):
    """What one sweep changed."""

    yellow: int = 0
    red: int = 0
    reminded: int = 0
    lapsed: int = 0


async def sweep_time_limits(ctx: CaseContext, result: SweepResult | None = None) -> SweepResult:
    """Raise the card of every running sub-case that deserves a higher one, once."""
    result = result or SweepResult()
    query = (
        select(SubCase, Application)
        .join(Application, Application.id == SubCase.application_id)
        .where(SubCase.state == SubCaseState.IN_REVIEW, SubCase.card != Card.RED)
        .with_for_update(skip_locked=True, of=SubCase)
    )
    for sub_case, application in (await ctx.db.execute(query)).all():
        card = card_for(ctx, sub_case)
        if _ORDER[card] <= _ORDER[Card(sub_case.card)]:
            continue
        sub_case.card = card
        action = Action.WARNING_RED if card is Card.RED else Action.WARNING_YELLOW
        record(ctx.db, application, action, Actor.system(), sub_case=sub_case)
        if card is Card.RED:
            result.red += 1
        else:
            result.yellow += 1
    await ctx.db.flush()
    return result


async def sweep_commitments(ctx: CaseContext, result: SweepResult | None = None) -> SweepResult:
    """Remind a working day before a commitment is due; escalate once it has lapsed."""
    result = result or SweepResult()
    today = ctx.clock.today()
    query = (
        select(Application)
        .where(
            Application.state == ApplicationState.ACCEPTED,
            Application.commitment_due_on.is_not(None),
            Application.commitment_fulfilled_at.is_(None),
            Application.commitment_lapsed_at.is_(None),
        )
        .with_for_update(skip_locked=True)
    )
    for application in (await ctx.db.scalars(query)).all():
        due = application.commitment_due_on or today  # never None: the query says so
        if today > due:
            application.commitment_lapsed_at = ctx.clock.now()
            record(ctx.db, application, Action.COMMITMENT_LAPSED, Actor.system(), note=LAPSED_NOTE)
            result.lapsed += 1
        elif (
            application.commitment_reminded_at is None
            and ctx.calendar.working_days_between(today, due) <= 1
        ):
            application.commitment_reminded_at = ctx.clock.now()
            record(
                ctx.db, application, Action.COMMITMENT_REMINDED, Actor.system(), note=REMINDER_NOTE
            )
            result.reminded += 1
    await ctx.db.flush()
    return result


async def sweep(ctx: CaseContext) -> SweepResult:
    """Both sweeps, in the caller's transaction."""
    result = await sweep_time_limits(ctx)
    return await sweep_commitments(ctx, result)


class Board(msgspec.Struct, kw_only=True):
    """What a supervisor sees: cards, lapsed commitments, open complaints."""

    cards: list[tuple[SubCase, Application]]
    lapsed: list[Application]
    complaints: list[tuple[Complaint, Application]]


async def board(ctx: CaseContext) -> Board:
    """Running sub-cases with a yellow or red card (red first), lapses, open complaints."""
    cards_query = (
        select(SubCase, Application)
        .join(Application, Application.id == SubCase.application_id)
        .where(SubCase.card.in_([Card.YELLOW, Card.RED]))
        .where(SubCase.state.in_([SubCaseState.IN_REVIEW, SubCaseState.SUPPLEMENT]))
        .order_by(SubCase.card, SubCase.due_on)  # 'red' sorts before 'yellow'
    )
    lapsed_query = (
        select(Application)
        .where(Application.commitment_lapsed_at.is_not(None))
        .where(Application.commitment_fulfilled_at.is_(None))
        .order_by(Application.commitment_due_on)
    )
    complaints_query = (
        select(Complaint, Application)
        .join(Application, Application.id == Complaint.application_id)
        .where(Complaint.state == ComplaintState.OPEN)
        .order_by(Complaint.due_on)
    )
    cards: Sequence[tuple[SubCase, Application]] = [
        (r[0], r[1]) for r in (await ctx.db.execute(cards_query)).all()
    ]
    return Board(
        cards=list(cards),
        lapsed=list((await ctx.db.scalars(lapsed_query)).all()),
        complaints=[(r[0], r[1]) for r in (await ctx.db.execute(complaints_query)).all()],
    )
