"""The application state machine through its services, on the real database (issue 9).

A Hypothesis rule machine takes one submitted application (a material to follow, so it
waits at the window) and tries the window's and the applicant's actions in any order:
accept on commitment, return for supplement, withdraw, resubmit. After each, the stored
state is the one the transition table predicts; an action the table refuses raises
``IllegalTransition`` and leaves the stored state and history exactly as they were.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app.applications.acceptance import WindowDesk
from app.applications.applicant import ApplicantCases
from app.applications.case_models import Application, ApplicationEvent
from app.applications.context import CaseContext, Clock
from app.applications.states import (
    APPLICATION_TRANSITIONS,
    Action,
    Actor,
    ApplicationState,
    IllegalTransition,
)
from app.composition.build import create_engine
from app.config import Settings
from app.protection import DataProtector, load_protection_keys
from tests.integration.application_support import Desk, at, engine_sessionmaker
from tests.integration.applications.test_application_lifecycle import CLERK, MONDAY

Step = Callable[[CaseContext, Application], Awaitable[None]]


def _machine(settings: Settings, files: Path) -> type[RuleBasedStateMachine]:
    class ApplicationAtTheWindow(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.loop = asyncio.new_event_loop()
            self.engine = create_engine(settings)
            protector = DataProtector(
                load_protection_keys(None, settings.var_dir, production=False)
            )
            self.desk = Desk(engine_sessionmaker(self.engine), protector, files, Clock(at(MONDAY)))
            self.application_id, self.person_id = self._run(self._submitted())
            self.state: ApplicationState = ApplicationState.SUBMITTED

        def _run(self, coroutine: Awaitable[Any]) -> Any:
            return self.loop.run_until_complete(coroutine)

        def teardown(self) -> None:
            self._run(self.engine.dispose())
            self.loop.close()

        async def _submitted(self) -> tuple[UUID, UUID]:
            person = await self.desk.person()
            draft = await self.desk.draft(person, uploads=("birth-proof",))
            application = await self.desk.submit(person, draft, commitment=True)
            assert application.state == ApplicationState.SUBMITTED
            return application.id, person.id

        async def _stored(self) -> tuple[str, int]:
            async with self.desk.context() as ctx:
                application = await ctx.db.get(Application, self.application_id)
                assert application is not None
                events = await ctx.db.scalar(
                    select(func.count()).where(
                        ApplicationEvent.application_id == self.application_id
                    )
                )
                return str(application.state), int(events or 0)

        async def _do(self, step: Step) -> None:
            async with self.desk.context() as ctx:
                application = await ctx.db.get(Application, self.application_id)
                assert application is not None
                await step(ctx, application)

        def _try(self, action: Action, step: Step) -> None:
            expected = APPLICATION_TRANSITIONS.get((self.state, action))
            before, events = self._run(self._stored())
            assert before == self.state
            if expected is None:
                with pytest.raises(IllegalTransition):
                    self._run(self._do(step))
                assert self._run(self._stored()) == (before, events)
                return
            self._run(self._do(step))
            self.state = expected
            after, events_after = self._run(self._stored())
            assert after == expected
            assert events_after > events

        def _applicant(self) -> Actor:
            return Actor.applicant(self.person_id)

        @rule()
        def accept_on_commitment(self) -> None:
            self._try(
                Action.ACCEPT_WITH_COMMITMENT,
                lambda ctx, a: WindowDesk(ctx).accept_on_commitment(a, CLERK),
            )

        @rule()
        def return_for_supplement(self) -> None:
            reasons = "请补交照片"
            self._try(
                Action.RETURN,
                lambda ctx, a: WindowDesk(ctx).return_for_supplement(a, CLERK, reasons),
            )

        @rule()
        def withdraw(self) -> None:
            self._try(Action.WITHDRAW, lambda ctx, a: _cases(ctx).withdraw(a, self._applicant()))

        @rule()
        def resubmit(self) -> None:
            self._try(Action.RESUBMIT, lambda ctx, a: _cases(ctx).resubmit(a, self._applicant()))

    return ApplicationAtTheWindow


def _cases(ctx: CaseContext) -> ApplicantCases:
    return ApplicantCases(ctx, max_bytes=10**6, max_pixels=10**6)


def test_an_application_moves_through_its_services_only_as_the_table_says(
    settings: Settings, tmp_path: Path
) -> None:
    profile = hypothesis_settings()
    run_state_machine_as_test(
        _machine(settings, tmp_path / "files"),
        settings=hypothesis_settings(
            profile, max_examples=max(profile.max_examples // 5, 8), stateful_step_count=8
        ),
    )
