"""A department reviewer's sub-cases: approve, reject with reasons, or ask for a supplement.

A reviewer sees only their own department's sub-cases (anything else answers 404). Asking
for a supplement stops the clock with the working days left; the applicant's supplement
starts it again with those days. A matter whose materials were accepted as missing (容缺)
cannot be approved before they arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select

from app.applications.acceptance import check_reasons
from app.applications.case_models import Application, Card, SubCase
from app.applications.context import CaseContext
from app.applications.dispatch import after_sub_case_ended
from app.applications.history import move_sub_case
from app.applications.results import produce
from app.applications.states import Action, Actor, IllegalTransition, SubCaseState
from app.errors import NotFound, RuleViolation
from app.i18n import N_
from app.identity.models import Department
from app.staff.models import Staff

WAITING_FOR_MATERIAL = N_(
    "A material this item needs was accepted as missing and has not arrived yet."
)


def needs_deferred_material(ctx: CaseContext, sub_case: SubCase, application: Application) -> bool:
    """Whether the sub-case's matter asks for a material accepted as missing (容缺).

    A matter the catalog no longer lists cannot say: it is taken to need them.
    """
    matter = ctx.catalog.matters.get(sub_case.matter_code)
    if matter is None:
        return bool(application.deferred_materials)
    return bool({m.code for m in matter.materials} & set(application.deferred_materials))


def pause_for_supplement(
    ctx: CaseContext, application: Application, sub_case: SubCase, actor: Actor, reasons: str,
    action: Action = Action.ASK_SUPPLEMENT,
) -> None:  # fmt: skip
    """Move a sub-case in review to 补正 (or 中止, ``Action.SUSPEND``): its clock stops with
    the working days left."""
    move_sub_case(ctx.db, application, sub_case, action, actor, reasons)
    today = ctx.clock.today()
    left = ctx.calendar.working_days_between(today, sub_case.due_on or today)
    sub_case.days_left_when_paused = max(left, 0)
    sub_case.reasons = reasons
    sub_case.card = Card.NONE


class ReviewDesk:
    """Sub-cases of one reviewer's department."""

    def __init__(self, ctx: CaseContext) -> None:
        self._ctx = ctx

    async def department_code(self, staff: Staff) -> str:
        """The code of the reviewer's department (``NotFound`` without one)."""
        department = (
            await self._ctx.db.get(Department, staff.department_id) if staff.department_id else None
        )
        if department is None:
            raise NotFound
        return department.code

    async def queue(self, staff: Staff) -> Sequence[tuple[SubCase, Application]]:
        """Sub-cases in review or waiting for a supplement, the earliest due first."""
        code = await self.department_code(staff)
        query = (
            select(SubCase, Application)
            .join(Application, Application.id == SubCase.application_id)
            .where(SubCase.department_code == code)
            .where(SubCase.state.in_([SubCaseState.IN_REVIEW, SubCaseState.SUPPLEMENT]))
            .order_by(SubCase.due_on, SubCase.created_at)
        )
        return [(row[0], row[1]) for row in (await self._ctx.db.execute(query)).all()]

    async def get(self, staff: Staff, sub_case_id: UUID) -> tuple[SubCase, Application]:
        """One sub-case of the reviewer's department with its application; else ``NotFound``."""
        sub_case = await self._ctx.db.get(SubCase, sub_case_id)
        if sub_case is None or sub_case.department_code != await self.department_code(staff):
            raise NotFound
        application = await self._ctx.db.get(Application, sub_case.application_id)
        if application is None:
            raise NotFound
        return sub_case, application

    async def approve(
        self, sub_case: SubCase, application: Application, actor: Actor, note: str = ""
    ) -> None:
        """Approve: the result is issued, and what waited for this matter may start."""
        self._require(sub_case, SubCaseState.IN_REVIEW)
        if application.commitment_open and self._needs_deferred(sub_case, application):
            raise RuleViolation(WAITING_FOR_MATERIAL)
        move_sub_case(self._ctx.db, application, sub_case, Action.APPROVE, actor, note.strip())
        await produce(self._ctx, application, sub_case)
        await self._end(sub_case, application, actor)

    async def reject(
        self, sub_case: SubCase, application: Application, actor: Actor, reasons: str
    ) -> None:
        """Reject with reasons (also an item suspended for a lapse); what depends on it is
        cancelled."""
        reasons = check_reasons(reasons)
        if not sub_case.suspended:  # a suspended item (容缺 lapsed) may be ended as it is
            self._require(sub_case, SubCaseState.IN_REVIEW)
        move_sub_case(self._ctx.db, application, sub_case, Action.REJECT, actor, reasons)
        sub_case.reasons = reasons
        await self._end(sub_case, application, actor)

    async def ask_supplement(
        self, sub_case: SubCase, application: Application, actor: Actor, reasons: str
    ) -> None:
        """Ask the applicant for more; the clock stops with the working days left."""
        reasons = check_reasons(reasons)
        self._require(sub_case, SubCaseState.IN_REVIEW)
        pause_for_supplement(self._ctx, application, sub_case, actor, reasons)
        await self._ctx.db.flush()

    async def _end(self, sub_case: SubCase, application: Application, actor: Actor) -> None:
        sub_case.finished_at = self._ctx.clock.now()
        await after_sub_case_ended(self._ctx, application, sub_case, actor)

    def _needs_deferred(self, sub_case: SubCase, application: Application) -> bool:
        return needs_deferred_material(self._ctx, sub_case, application)

    @staticmethod
    def _require(sub_case: SubCase, state: SubCaseState) -> None:
        if sub_case.state != state:
            raise IllegalTransition
