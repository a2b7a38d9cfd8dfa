"""电子监察: time-limit cards, lapsed commitments, and what supervisors see.

The sweeps are idempotent: a card only ever moves up (none → yellow → red) and each is
recorded once; a commitment is reminded once and escalated once; an item whose promised
materials are overdue is suspended once (it is then no longer in review). On PostgreSQL rows
are claimed with ``FOR UPDATE SKIP LOCKED``, so two workers sweeping at once share the work.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from uuid import UUID

import msgspec
from sqlalchemy import func, select

from app.applications.case_models import Application, Card, Complaint, ComplaintState, SubCase
from app.applications.context import CaseContext
from app.applications.history import record
from app.applications.review import needs_deferred_material, pause_for_supplement
from app.applications.states import (
    SUSPENDED_NOTE,
    Action,
    Actor,
    ApplicationState,
    SubCaseState,
)
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
    suspended: int = 0
    complaints_overdue: int = 0


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


async def suspend_for_lapsed_commitments(
    ctx: CaseContext, result: SweepResult | None = None
) -> SweepResult:
    """What a lapse does: each item in review that needs a missing material is suspended.

    Rule chosen (容缺受理, 逾期未补齐): the seeds ask offices to publish which
    matters may be accepted with materials missing (依法依规编制并公布
    可容缺受理的政务服务事项清单: Changsha's 2023 work plan for 一件事一次办,
    三(二)2 优化业务办理流程) but name no consequence of a lapse; local rules
    either terminate the case (终止办理) or suspend it (中止办理) until the
    materials arrive. We suspend: it is the reversible one; it is a transition of the
    state table, in review -> supplement by ``Action.SUSPEND`` (the clock stops with
    the working days left, a notice tells the applicant); and a reviewer who judges
    the case lost can still end it, rejecting the suspended item with reasons. Items
    that need nothing missing go on; an item that starts later, or is resumed while
    the materials are still missing, is suspended by the next sweep. The materials'
    arrival fulfils the commitment and resumes what was suspended
    (``ApplicantCases.upload``).
    """
    result = result or SweepResult()
    query = (
        select(SubCase, Application)
        .join(Application, Application.id == SubCase.application_id)
        .where(
            Application.state == ApplicationState.ACCEPTED,
            Application.commitment_lapsed_at.is_not(None),
            Application.commitment_fulfilled_at.is_(None),
            SubCase.state == SubCaseState.IN_REVIEW,
        )
        .with_for_update(skip_locked=True, of=SubCase)
    )
    for sub_case, application in (await ctx.db.execute(query)).all():
        if needs_deferred_material(ctx, sub_case, application):
            pause_for_supplement(
                ctx, application, sub_case, Actor.system(), SUSPENDED_NOTE, Action.SUSPEND
            )
            result.suspended += 1
    await ctx.db.flush()
    return result


async def sweep_complaints(ctx: CaseContext, result: SweepResult | None = None) -> SweepResult:
    """Mark once each open complaint whose due day passed without an answer.

    The event tells the applicant (a notice) that the answer is late; supervisors see the
    complaint flagged at the top of their page (staff have no inbox of their own).
    """
    result = result or SweepResult()
    query = (
        select(Complaint, Application)
        .join(Application, Application.id == Complaint.application_id)
        .where(
            Complaint.state == ComplaintState.OPEN,
            Complaint.overdue_at.is_(None),
            Complaint.due_on < ctx.clock.today(),
        )
        .with_for_update(skip_locked=True, of=Complaint)
    )
    for complaint, application in (await ctx.db.execute(query)).all():
        complaint.overdue_at = ctx.clock.now()
        record(ctx.db, application, Action.COMPLAINT_OVERDUE, Actor.system())
        result.complaints_overdue += 1
    await ctx.db.flush()
    return result


async def sweep(ctx: CaseContext) -> SweepResult:
    """Every sweep, in the caller's transaction."""
    result = await sweep_time_limits(ctx)
    result = await sweep_commitments(ctx, result)
    result = await suspend_for_lapsed_commitments(ctx, result)
    return await sweep_complaints(ctx, result)


class Board(msgspec.Struct, kw_only=True):
    """What a supervisor sees: cards, lapsed commitments, open complaints."""

    cards: list[tuple[SubCase, Application]]
    lapsed: list[Application]
    suspended: dict[UUID, int]  # lapsed application id -> items suspended for it
    complaints: list[tuple[Complaint, Application]]

    @property
    def overdue_complaints(self) -> int:
        """Open complaints the sweep found overdue."""
        return sum(1 for complaint, _ in self.complaints if complaint.overdue_at is not None)


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
    suspended_query = (
        select(SubCase.application_id, func.count())
        .where(SubCase.state == SubCaseState.SUPPLEMENT, SubCase.reasons == SUSPENDED_NOTE)
        .group_by(SubCase.application_id)
    )
    complaints_query = (
        select(Complaint, Application)
        .join(Application, Application.id == Complaint.application_id)
        .where(Complaint.state == ComplaintState.OPEN)
        .order_by(Complaint.due_on)  # the overdue ones first
    )
    cards: Sequence[tuple[SubCase, Application]] = [
        (r[0], r[1]) for r in (await ctx.db.execute(cards_query)).all()
    ]
    return Board(
        cards=list(cards),
        lapsed=list((await ctx.db.scalars(lapsed_query)).all()),
        suspended={row[0]: int(row[1]) for row in await ctx.db.execute(suspended_query)},
        complaints=[(r[0], r[1]) for r in (await ctx.db.execute(complaints_query)).all()],
    )
