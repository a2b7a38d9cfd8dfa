"""后台分类审批: one sub-case per matter, each to its department, in dependency order.

Independent matters start at once and run in parallel; a matter that depends on others
waits until they are approved, and is cancelled when one of them is rejected. Each starts its
own clock of promised working days when it starts. The application is finished when every
sub-case has ended.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from app.applications.case_models import Application, Card, SubCase
from app.applications.context import CaseContext
from app.applications.history import move, move_sub_case, record
from app.applications.states import (
    ENDED_SUB_CASE,
    Action,
    Actor,
    SubCaseState,
    next_sub_case_state,
)
from app.i18n import N_

CANCELLED_NOTE = N_("Not processed: a service item it depends on was rejected.")


async def sub_cases_of(ctx: CaseContext, application: Application) -> Sequence[SubCase]:
    """The application's sub-cases, in the order of its matters."""
    rows = (
        await ctx.db.scalars(select(SubCase).where(SubCase.application_id == application.id))
    ).all()
    order = {code: i for i, code in enumerate(application.matter_codes)}
    return sorted(rows, key=lambda s: order.get(s.matter_code, len(order)))


async def dispatch(ctx: CaseContext, application: Application, actor: Actor) -> list[SubCase]:
    """Make the sub-cases of a just accepted application and start the independent ones."""
    bundle = ctx.catalog.bundles[application.bundle_code]
    selected = set(application.matter_codes)
    depends = {m.matter: [d for d in m.depends_on if d in selected] for m in bundle.matters}
    made = []
    for code in application.matter_codes:
        matter = ctx.catalog.matters[code]
        waits = depends.get(code, [])
        sub_case = SubCase(
            application_id=application.id,
            matter_code=code,
            department_code=matter.department,
            state=next_sub_case_state(None, Action.DISPATCH if waits else Action.START),
            depends_on=waits,
            limit_days=matter.promised_days,
            card=Card.NONE,
        )
        if not waits:
            _start_clock(ctx, sub_case)
        ctx.db.add(sub_case)
        made.append(sub_case)
    # Written before their history: the events refer to them (there is no ORM relationship
    # to order the inserts).
    await ctx.db.flush()
    for sub_case in made:
        action = Action.START if sub_case.state == SubCaseState.IN_REVIEW else Action.DISPATCH
        record(ctx.db, application, action, actor, sub_case=sub_case, to_state=sub_case.state)
    await ctx.db.flush()
    return made


def _start_clock(ctx: CaseContext, sub_case: SubCase) -> None:
    today = ctx.clock.today()
    sub_case.started_on = today
    sub_case.due_on = ctx.calendar.add_working_days(today, sub_case.limit_days)


def start(ctx: CaseContext, application: Application, sub_case: SubCase, actor: Actor) -> None:
    """Start a waiting sub-case's clock: due after its promised working days from today."""
    _start_clock(ctx, sub_case)
    move_sub_case(ctx.db, application, sub_case, Action.START, actor)


async def after_sub_case_ended(
    ctx: CaseContext, application: Application, ended: SubCase, actor: Actor
) -> None:
    """Start what waited for ``ended``, cancel what can no longer be done, finish if all ended."""
    cases = await sub_cases_of(ctx, application)
    by_code = {c.matter_code: c for c in cases}
    system = Actor.system()
    changed = True
    while changed:  # a cancellation may cancel what depends on the cancelled one in turn
        changed = False
        for case in cases:
            if case.state != SubCaseState.WAITING:
                continue
            states = [by_code[d].state for d in case.depends_on if d in by_code]
            if any(s in (SubCaseState.REJECTED, SubCaseState.CANCELLED) for s in states):
                move_sub_case(ctx.db, application, case, Action.CANCEL, system, CANCELLED_NOTE)
                case.finished_at = ctx.clock.now()
                changed = True
            elif all(s == SubCaseState.APPROVED for s in states):
                start(ctx, application, case, system)
                changed = True
    if all(c.state in ENDED_SUB_CASE for c in cases):
        application.finished_at = ctx.clock.now()
        move(ctx.db, application, Action.FINISH, actor if actor else system)
    await ctx.db.flush()
