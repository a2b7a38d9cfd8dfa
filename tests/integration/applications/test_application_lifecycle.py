"""Applications through their services: submit once, accept, dispatch, review, time limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select

from app.applications.acceptance import WindowDesk
from app.applications.applicant import RESUMES_WITH_MATERIALS, ApplicantCases
from app.applications.calendar import default_calendar
from app.applications.case_models import (
    Application,
    ApplicationEvent,
    Card,
    ComplaintState,
    SubCase,
)
from app.applications.context import CaseContext, Clock
from app.applications.ratings import Ratings
from app.applications.review import WAITING_FOR_MATERIAL, ReviewDesk
from app.applications.states import (
    SUSPENDED_NOTE,
    Action,
    Actor,
    ApplicationState,
    IllegalTransition,
    SubCaseState,
)
from app.applications.submission import COMMIT_NEEDED, KEY_REUSED
from app.applications.supervision import board, sweep
from app.applications.sweeps import run_sweep
from app.catalog.loader import default_catalog
from app.composition.build import create_engine
from app.config import Settings
from app.errors import Conflict, RuleViolation
from app.notices.models import Notice
from app.protection import DataProtector, load_protection_keys
from app.staff.service import StaffCreate, StaffService
from tests.integration.application_support import PDF, Desk, at, engine_sessionmaker

MONDAY = date(2026, 9, 28)  # National Day week follows: 1–7 October off, 10 October worked
CLERK = Actor.staff(UUID(int=1))
REVIEWER = Actor.staff(UUID(int=2))


@pytest.fixture
async def desk(settings: Settings, tmp_path: Path) -> AsyncIterator[Desk]:
    engine = create_engine(settings)
    protector = DataProtector(load_protection_keys(None, settings.var_dir, production=False))
    yield Desk(engine_sessionmaker(engine), protector, tmp_path / "files", Clock(at(MONDAY)))
    await engine.dispose()


async def _cases(ctx: CaseContext, application_id: UUID) -> dict[str, SubCase]:
    rows = await ctx.db.scalars(select(SubCase).where(SubCase.application_id == application_id))
    return {c.matter_code: c for c in rows}


async def _state(desk: Desk, application_id: UUID) -> tuple[Application, dict[str, SubCase]]:
    async with desk.context() as ctx:
        application = await ctx.db.get(Application, application_id)
        assert application is not None
        return application, await _cases(ctx, application_id)


async def _review(
    desk: Desk, application_id: UUID, matter: str, action: str, text: str = ""
) -> None:
    async with desk.context() as ctx:
        reviews = ReviewDesk(ctx)
        application = await ctx.db.get(Application, application_id)
        assert application is not None
        case = (await _cases(ctx, application_id))[matter]
        if action == "approve":
            await reviews.approve(case, application, REVIEWER)
        elif action == "reject":
            await reviews.reject(case, application, REVIEWER, text)
        else:
            await reviews.ask_supplement(case, application, REVIEWER, text)


async def test_a_complete_application_is_accepted_at_once_and_independent_items_start_together(
    desk: Desk,
) -> None:
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person))

    application, cases = await _state(desk, application.id)
    assert application.state == ApplicationState.ACCEPTED
    assert application.number.startswith("YJS-20260928-")
    assert {k: c.state for k, c in cases.items()} == {
        "certificate": SubCaseState.IN_REVIEW,
        "insurance": SubCaseState.IN_REVIEW,
        "household": SubCaseState.WAITING,
        "card": SubCaseState.WAITING,
    }
    # 2 and 5 working days from Monday 28 September, across the National Day holidays.
    assert cases["certificate"].due_on == date(2026, 9, 30)
    assert cases["insurance"].due_on == date(2026, 10, 10)  # a make-up Saturday


async def test_a_dependent_item_waits_for_its_predecessor_and_the_application_then_finishes(
    desk: Desk,
) -> None:
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person))
    desk.clock.fixed = at(date(2026, 9, 30))
    await _review(desk, application.id, "certificate", "approve")

    _, cases = await _state(desk, application.id)
    assert cases["household"].state == SubCaseState.IN_REVIEW
    assert cases["household"].started_on == date(2026, 9, 30)
    assert cases["household"].due_on == date(2026, 10, 10)  # 8, 9 and (worked) 10 October
    assert cases["card"].state == SubCaseState.WAITING

    for matter in ("household", "card", "insurance"):
        await _review(desk, application.id, matter, "approve")
    application, cases = await _state(desk, application.id)
    assert application.state == ApplicationState.FINISHED
    assert all(c.state == SubCaseState.APPROVED for c in cases.values())


async def test_a_rejection_cancels_what_depends_on_it_and_the_rest_goes_on(desk: Desk) -> None:
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person))
    with pytest.raises(RuleViolation):
        await _review(desk, application.id, "certificate", "reject", "  ")
    await _review(desk, application.id, "certificate", "reject", "出生证明与医院记录不符")

    application, cases = await _state(desk, application.id)
    assert cases["certificate"].reasons == "出生证明与医院记录不符"
    assert cases["household"].state == SubCaseState.CANCELLED
    assert cases["card"].state == SubCaseState.CANCELLED
    assert application.state == ApplicationState.ACCEPTED
    await _review(desk, application.id, "insurance", "approve")
    application, _ = await _state(desk, application.id)
    assert application.state == ApplicationState.FINISHED


async def test_a_supplement_stops_the_clock_until_the_applicant_sends_it(desk: Desk) -> None:
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person))
    desk.clock.fixed = at(date(2026, 9, 29))  # insurance due 10 October: 4 working days left
    await _review(desk, application.id, "insurance", "supplement", "照片不清晰")

    desk.clock.fixed = at(date(2026, 10, 12))  # past the old due date; the clock was stopped
    async with desk.context() as ctx:
        cases = ApplicantCases(ctx, max_bytes=10**6, max_pixels=10**6)
        mine = await cases.get(person.id, application.id, enterprise_id=None)
        actor = Actor.applicant(person.id)
        await cases.upload(mine, "photo", "photo.pdf", PDF, actor)
        insurance = (await _cases(ctx, application.id))["insurance"]
        await cases.send_supplement(mine, insurance.id, actor, "已重新上传")

    _, cases_now = await _state(desk, application.id)
    assert cases_now["insurance"].state == SubCaseState.IN_REVIEW
    assert cases_now["insurance"].due_on == date(2026, 10, 16)  # 4 working days from the 12th


async def test_the_window_returns_an_application_and_its_resubmission_is_accepted(
    desk: Desk,
) -> None:
    person = await desk.person()
    draft = await desk.draft(person, uploads=("birth-proof",))
    application = await desk.submit(person, draft, commitment=True)
    assert application.state == ApplicationState.SUBMITTED  # a material is to follow

    async with desk.context() as ctx:
        window = WindowDesk(ctx)
        found = await window.get(application.id)
        with pytest.raises(RuleViolation):
            await window.accept(found, CLERK)
        await window.return_for_supplement(found, CLERK, "请补交照片")
    async with desk.context() as ctx:
        cases = ApplicantCases(ctx, max_bytes=10**6, max_pixels=10**6)
        mine = await cases.get(person.id, application.id, enterprise_id=None)
        assert mine.return_reasons == "请补交照片"
        await cases.upload(mine, "photo", "photo.pdf", PDF, Actor.applicant(person.id))
        await cases.resubmit(mine, Actor.applicant(person.id))

    application, cases_now = await _state(desk, application.id)
    assert application.state == ApplicationState.ACCEPTED
    assert application.deferred_materials == []
    assert len(cases_now) == 4


async def test_a_lapsed_commitment_is_reminded_then_escalated_once(desk: Desk) -> None:
    person = await desk.person()
    draft = await desk.draft(person, uploads=("birth-proof",))
    with pytest.raises(RuleViolation) as refused:
        await desk.submit(person, draft)
    assert refused.value.fields == {"commitment": COMMIT_NEEDED}
    application = await desk.submit(person, draft, commitment=True)
    async with desk.context() as ctx:
        window = WindowDesk(ctx)
        await window.accept_on_commitment(await window.get(application.id), CLERK)
    application, _ = await _state(desk, application.id)
    assert application.commitment_due_on == date(2026, 10, 10)  # 5 working days from 28 Sep
    with pytest.raises(RuleViolation, match=WAITING_FOR_MATERIAL):
        await _review(desk, application.id, "insurance", "approve")

    for day, reminded, lapsed in [
        (date(2026, 10, 7), False, False),  # a holiday: 3 working days left
        (date(2026, 10, 9), True, False),  # 1 working day left
        (date(2026, 10, 10), True, False),  # due today, a make-up Saturday
        (date(2026, 10, 11), True, True),
        (date(2026, 10, 12), True, True),
    ]:
        desk.clock.fixed = at(day)
        async with desk.context() as ctx:
            await sweep(ctx)
        application, _ = await _state(desk, application.id)
        assert (application.commitment_reminded_at is not None) is reminded, day
        assert (application.commitment_lapsed_at is not None) is lapsed, day

    async with desk.context() as ctx:
        kinds = list(
            await ctx.db.scalars(
                select(ApplicationEvent.action).where(
                    ApplicationEvent.application_id == application.id
                )
            )
        )
        assert kinds.count(Action.COMMITMENT_REMINDED) == 1
        assert kinds.count(Action.COMMITMENT_LAPSED) == 1
        assert application.id in {a.id for a in (await board(ctx)).lapsed}


async def test_a_sub_case_turns_yellow_then_red_counting_only_working_days(desk: Desk) -> None:
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person))  # insurance due 10 Oct

    expected = [
        (date(2026, 9, 30), Card.NONE),
        (date(2026, 10, 7), Card.NONE),  # a week later, but still 3 working days left
        (date(2026, 10, 9), Card.YELLOW),  # 4 of 5 used: 80 %
        (date(2026, 10, 10), Card.YELLOW),  # due today
        (date(2026, 10, 11), Card.RED),  # overdue
    ]
    for day, card in expected:
        desk.clock.fixed = at(day)
        async with desk.context() as ctx:
            await sweep(ctx)
            await sweep(ctx)  # twice: the same outcome, recorded once
        _, cases = await _state(desk, application.id)
        assert cases["insurance"].card == card, day

    async with desk.context() as ctx:
        warnings = await ctx.db.scalar(
            select(func.count())
            .select_from(ApplicationEvent)
            .where(ApplicationEvent.application_id == application.id)
            .where(ApplicationEvent.action.in_([Action.WARNING_YELLOW, Action.WARNING_RED]))
        )
        on_board = {(s.matter_code, a.id) for s, a in (await board(ctx)).cards}
    assert warnings == 4  # yellow and red for certificate (due 30 Sep) and insurance
    assert ("insurance", application.id) in on_board


async def test_a_retried_submit_with_the_same_key_makes_one_application(desk: Desk) -> None:
    person = await desk.person()
    draft = await desk.draft(person)
    first = await desk.submit(person, draft, key="retry-key-0001")
    again = await desk.submit(person, draft, key="retry-key-0001")
    assert again.id == first.id
    with pytest.raises(RuleViolation, match=KEY_REUSED):
        await desk.submit(person, draft, key="retry-key-0001", commitment=True)
    with pytest.raises(Conflict):
        await desk.submit(person, draft, key="another-key-0002")


async def test_two_simultaneous_submits_with_one_key_make_one_application(desk: Desk) -> None:
    person = await desk.person()
    draft = await desk.draft(person)
    results = await asyncio.gather(
        desk.submit(person, draft, key="twin-key-0001"),
        desk.submit(person, draft, key="twin-key-0001"),
    )
    assert results[0].id == results[1].id
    async with desk.context() as ctx:
        count = await ctx.db.scalar(
            select(func.count()).select_from(Application).where(Application.draft_id == draft.id)
        )
    assert count == 1


async def test_withdrawing_is_possible_before_acceptance_only(desk: Desk) -> None:
    person = await desk.person()
    accepted = await desk.submit(person, await desk.draft(person))
    waiting = await desk.submit(
        person, await desk.draft(person, uploads=("birth-proof",)), commitment=True
    )
    async with desk.context() as ctx:
        cases = ApplicantCases(ctx, max_bytes=10**6, max_pixels=10**6)
        with pytest.raises(IllegalTransition):
            await cases.withdraw(await cases.get(person.id, accepted.id, enterprise_id=None),
                                 Actor.applicant(person.id))  # fmt: skip
        await cases.withdraw(await cases.get(person.id, waiting.id, enterprise_id=None),
                             Actor.applicant(person.id))  # fmt: skip
    application, cases_now = await _state(desk, waiting.id)
    assert application.state == ApplicationState.WITHDRAWN
    assert cases_now == {}


async def test_a_poor_rating_opens_a_complaint_a_supervisor_answers(desk: Desk) -> None:
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person, leave_out=("card",)))
    for matter in ("certificate", "household", "insurance"):
        await _review(desk, application.id, matter, "approve")
    async with desk.context() as ctx:
        finished = await ctx.db.get(Application, application.id)
        assert finished is not None
        ratings = Ratings(ctx)
        await ratings.rate(finished, person.id, 1, ["slow"], "等太久了")
        with pytest.raises(Conflict):
            await ratings.rate(finished, person.id, 5, [], "")
        _, complaint = await ratings.of(finished)
    assert complaint is not None
    assert complaint.due_on == date(2026, 10, 10)
    async with desk.context() as ctx:
        supervisor = await StaffService(ctx.db, keyring=desk.protector.keyring).create(
            StaffCreate(username=f"sup-{uuid4().hex[:8]}", display_name="督办", role="supervisor",
                        password="correct horse battery staple"), actor="test",
        )  # fmt: skip
        answered = await Ratings(ctx).answer(
            complaint.id, Actor.staff(supervisor.staff.id), "已约谈窗口"
        )
    assert answered.state == ComplaintState.ANSWERED


async def test_the_worker_sweep_runs_in_its_own_transaction_and_reports_what_changed(
    desk: Desk, settings: Settings
) -> None:
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person))
    far = Clock(at(date(2027, 3, 1)))  # a year no schedule knows: weekends only, no failure
    parts = {"protector": desk.protector, "calendar": default_calendar(),
             "catalog": default_catalog(), "storage": desk.storage}  # fmt: skip
    first = await run_sweep(settings, desk.sessionmaker, **parts, clock=far)
    again = await run_sweep(settings, desk.sessionmaker, **parts, clock=far)
    assert first["red"] >= 2  # this application's two running items, at least
    assert again == {"yellow": 0, "red": 0, "reminded": 0, "lapsed": 0, "suspended": 0,
                     "complaints_overdue": 0}  # fmt: skip
    _, cases = await _state(desk, application.id)
    assert cases["insurance"].card == Card.RED


async def test_a_lapse_suspends_the_items_that_need_the_missing_material_until_it_arrives(
    desk: Desk,
) -> None:
    person = await desk.person()
    application = await desk.submit(
        person, await desk.draft(person, uploads=("birth-proof",)), commitment=True
    )
    async with desk.context() as ctx:
        window = WindowDesk(ctx)
        await window.accept_on_commitment(await window.get(application.id), CLERK)
    desk.clock.fixed = at(date(2026, 10, 9))  # the reminder's day: nothing suspended yet
    async with desk.context() as ctx:
        assert (await sweep(ctx)).suspended == 0

    desk.clock.fixed = at(date(2026, 10, 12))  # due 10 Oct: lapsed
    async with desk.context() as ctx:
        first = await sweep(ctx)
        again = await sweep(ctx)  # twice: suspended once
    assert (first.lapsed, first.suspended) == (1, 1)
    assert (again.lapsed, again.suspended) == (0, 0)
    _, cases = await _state(desk, application.id)
    assert cases["insurance"].state == SubCaseState.SUPPLEMENT  # needs the photo
    assert cases["insurance"].reasons == SUSPENDED_NOTE
    assert cases["certificate"].state == SubCaseState.IN_REVIEW  # needs nothing missing
    async with desk.context() as ctx:
        suspended = await ctx.db.scalars(
            select(Notice.kind).where(Notice.application_id == application.id)
        )
        assert list(suspended).count(Action.SUSPEND) == 1  # the applicant is told
        assert (await board(ctx)).suspended[application.id] == 1  # supervisors see it

    desk.clock.fixed = at(date(2026, 10, 13))
    async with desk.context() as ctx:
        cases_service = ApplicantCases(ctx, max_bytes=10**6, max_pixels=10**6)
        mine = await cases_service.get(person.id, application.id, enterprise_id=None)
        with pytest.raises(RuleViolation, match=RESUMES_WITH_MATERIALS):  # not without them
            await cases_service.send_supplement(
                mine, cases["insurance"].id, Actor.applicant(person.id)
            )
    async with desk.context() as ctx:
        cases_service = ApplicantCases(ctx, max_bytes=10**6, max_pixels=10**6)
        mine = await cases_service.get(person.id, application.id, enterprise_id=None)
        await cases_service.upload(mine, "photo", "photo.pdf", PDF, Actor.applicant(person.id))
    application, cases = await _state(desk, application.id)
    assert application.commitment_fulfilled_at is not None
    assert cases["insurance"].state == SubCaseState.IN_REVIEW  # resumed by the materials
    async with desk.context() as ctx:
        assert (await sweep(ctx)).suspended == 0


async def test_a_complaint_left_unanswered_past_its_day_is_marked_overdue_once(
    desk: Desk,
) -> None:
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person, leave_out=("card",)))
    for matter in ("certificate", "household", "insurance"):
        await _review(desk, application.id, matter, "approve")
    async with desk.context() as ctx:
        finished = await ctx.db.get(Application, application.id)
        assert finished is not None
        await Ratings(ctx).rate(finished, person.id, 2, ["slow"], "")
        _, complaint = await Ratings(ctx).of(finished)
    assert complaint is not None
    assert complaint.due_on == date(2026, 10, 10)

    for day, overdue in [(date(2026, 10, 10), False), (date(2026, 10, 11), True)]:
        desk.clock.fixed = at(day)
        async with desk.context() as ctx:
            first = await sweep(ctx)
            again = await sweep(ctx)
            _, now = await Ratings(ctx).of(finished)
            assert now is not None
            assert (now.overdue_at is not None) is overdue, day
        assert again.complaints_overdue == 0
    assert first.complaints_overdue >= 1  # this one, and any other test's left open

    async with desk.context() as ctx:
        kinds = list(
            await ctx.db.scalars(select(Notice.kind).where(Notice.application_id == application.id))
        )
        on_board = {c.id: c for c, _ in (await board(ctx)).complaints}
        assert (await board(ctx)).overdue_complaints >= 1
    assert kinds.count(Action.COMPLAINT_OVERDUE) == 1  # the applicant is told, once
    assert on_board[complaint.id].overdue_at is not None
    async with desk.context() as ctx:  # late, but still answerable
        supervisor = await StaffService(ctx.db, keyring=desk.protector.keyring).create(
            StaffCreate(username=f"sup-{uuid4().hex[:8]}", display_name="督办", role="supervisor",
                        password="correct horse battery staple"), actor="test",
        )  # fmt: skip
        answered = await Ratings(ctx).answer(
            complaint.id, Actor.staff(supervisor.staff.id), "已处理"
        )
    assert answered.state == ComplaintState.ANSWERED


async def test_a_reviewer_may_end_an_item_suspended_for_a_lapse_but_not_one_asked_to_supplement(
    desk: Desk,
) -> None:
    person = await desk.person()
    lapsed = await desk.submit(
        person, await desk.draft(person, uploads=("birth-proof",), leave_out=("card",)),
        commitment=True,
    )  # fmt: skip
    async with desk.context() as ctx:
        window = WindowDesk(ctx)
        await window.accept_on_commitment(await window.get(lapsed.id), CLERK)
    desk.clock.fixed = at(date(2026, 10, 12))
    async with desk.context() as ctx:
        await sweep(ctx)
    await _review(desk, lapsed.id, "insurance", "reject", "承诺材料逾期未补齐，终止办理")
    await _review(desk, lapsed.id, "certificate", "approve")
    await _review(desk, lapsed.id, "household", "approve")
    application, cases = await _state(desk, lapsed.id)
    assert cases["insurance"].state == SubCaseState.REJECTED
    assert application.state == ApplicationState.FINISHED  # a lapse cannot hold it forever

    other = await desk.submit(person, await desk.draft(person))
    await _review(desk, other.id, "insurance", "supplement", "照片不清晰")
    with pytest.raises(IllegalTransition):  # the applicant's supplement is awaited
        await _review(desk, other.id, "insurance", "reject", "不予办理")
