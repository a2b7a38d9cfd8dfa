"""前台综合受理: accepting an application, automatically when complete, else at the window.

Complete means every required material is uploaded or proven, none left to follow. An
application with materials left to follow waits for a window clerk, who accepts it on the
applicant's written commitment (容缺受理, with a deadline in working days) or returns it for
supplement (补正) with reasons. Either acceptance dispatches the sub-cases at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select

from app.applications.case_models import Application
from app.applications.context import CaseContext
from app.applications.dispatch import dispatch
from app.applications.history import move
from app.applications.states import Action, Actor, ApplicationState, IllegalTransition
from app.errors import NotFound, RuleViolation
from app.i18n import N_
from app.text_input import INVISIBLE, has_invisible

REASONS_NEEDED = N_("Say what is wrong or missing, so the applicant can put it right.")
MISSING_NEEDS_COMMITMENT = N_(
    "Materials are missing: accept on the applicant's commitment, or return it for supplement."
)
NO_COMMITMENT = N_("Nothing is missing: accept the application normally.")
MAX_REASONS = 1000


def check_reasons(reasons: str) -> str:
    """Reasons as given, trimmed; ``RuleViolation`` when empty or too long."""
    reasons = reasons.strip()
    if not 0 < len(reasons) <= MAX_REASONS:
        raise RuleViolation(fields={"reasons": REASONS_NEEDED})
    if has_invisible(reasons, multiline=True):
        raise RuleViolation(fields={"reasons": INVISIBLE})
    return reasons


async def accept_if_complete(ctx: CaseContext, application: Application) -> bool:
    """Accept and dispatch at once when nothing is left to follow (the rules accept it)."""
    if application.state != ApplicationState.SUBMITTED or application.deferred_materials:
        return False
    await _accept(ctx, application, Action.ACCEPT, Actor.system())
    return True


async def _accept(ctx: CaseContext, application: Application, action: Action, actor: Actor) -> None:
    move(ctx.db, application, action, actor)
    application.accepted_at = ctx.clock.now()
    application.return_reasons = None
    await dispatch(ctx, application, actor)


class WindowDesk:
    """What a window clerk (综合窗口) does with submitted applications."""

    def __init__(self, ctx: CaseContext) -> None:
        self._ctx = ctx

    async def queue(self) -> Sequence[Application]:
        """Applications waiting for acceptance, oldest first."""
        query = select(Application).where(Application.state == ApplicationState.SUBMITTED)
        return (await self._ctx.db.scalars(query.order_by(Application.submitted_at))).all()

    async def get(self, application_id: UUID) -> Application:
        """Any application (the window serves every applicant); ``NotFound`` when none."""
        application = await self._ctx.db.get(Application, application_id)
        if application is None:
            raise NotFound
        return application

    async def accept(self, application: Application, actor: Actor) -> None:
        """Accept an application that lacks nothing."""
        self._require_submitted(application)
        if application.deferred_materials:
            raise RuleViolation(MISSING_NEEDS_COMMITMENT)
        await _accept(self._ctx, application, Action.ACCEPT, actor)

    async def accept_on_commitment(self, application: Application, actor: Actor) -> None:
        """容缺受理: accept with the named materials to follow by a deadline in working days."""
        self._require_submitted(application)
        if not application.deferred_materials:
            raise RuleViolation(NO_COMMITMENT)
        ctx = self._ctx
        application.commitment_due_on = ctx.calendar.add_working_days(
            ctx.clock.today(), ctx.rules.deferred_material_days
        )
        await _accept(ctx, application, Action.ACCEPT_WITH_COMMITMENT, actor)

    async def return_for_supplement(
        self, application: Application, actor: Actor, reasons: str
    ) -> None:
        """补正: send it back to the applicant with what to put right."""
        reasons = check_reasons(reasons)
        move(self._ctx.db, application, Action.RETURN, actor, note=reasons)
        application.return_reasons = reasons
        await self._ctx.db.flush()

    def _require_submitted(self, application: Application) -> None:
        if application.state != ApplicationState.SUBMITTED:
            raise IllegalTransition
