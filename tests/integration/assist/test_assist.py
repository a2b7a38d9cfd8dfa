"""Assisted service through its services: a field worker acts for a resident only inside an
authorization the resident confirmed, and everything they do says "on behalf of"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.applications.case_models import Application, ApplicationEvent, Channel
from app.applications.models import DraftStage
from app.assist.authorizations import AuthorizationRequest, AuthorizationService
from app.assist.models import AuthorizationEventKind, Scope
from app.composition.build import create_engine, protector_for
from app.config import Settings
from app.errors import Conflict, Forbidden, NotFound, RuleViolation
from app.identity.models import Person, RealNameLevel
from app.records.models import DataAccess
from tests.integration.application_support import PDF, engine_sessionmaker
from tests.integration.assist_support import BUNDLE, CATALOG, OTHER_BUNDLE, AssistWorld


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[AssistWorld]:
    engine = create_engine(settings)
    yield AssistWorld(engine_sessionmaker(engine), protector_for(settings), tmp_path)
    await engine.dispose()


async def _kinds(world: AssistWorld, authorization_id: object) -> list[str]:
    async with world.context() as ctx:
        service = AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock)
        return [e.kind for e in await service.events(authorization_id)]  # type: ignore[arg-type]


async def _prepare_to_review(world: AssistWorld, worker: object, visit_id: object) -> object:
    """Start, answer, notice, consent (records read), form, materials: the draft at review."""
    async with world.desk(worker) as desk:  # type: ignore[arg-type]
        draft = await desk.start(visit_id, BUNDLE)  # type: ignore[arg-type]
        draft_id = draft.id
    async with world.desk(worker) as desk:  # type: ignore[arg-type]
        _, draft = await desk.draft(visit_id, draft_id, Scope.PREPARE)  # type: ignore[arg-type]
        await desk.drafts.answer(draft, {}, [])
        await desk.drafts.acknowledge_notice(draft)
    async with world.desk(worker) as desk:  # type: ignore[arg-type]
        person, draft = await desk.draft(visit_id, draft_id, Scope.CONSENT)  # type: ignore[arg-type]
        assert await desk.drafts.grant_consent(draft, person) == []
    async with world.desk(worker) as desk:  # type: ignore[arg-type]
        _, draft = await desk.draft(visit_id, draft_id, Scope.PREPARE)  # type: ignore[arg-type]
        await desk.drafts.save_values(draft, {"child.name": "张小宝"}, complete=True)
        for code in ("birth-proof", "photo"):
            await desk.materials.upload(draft, code, f"{code}.pdf", PDF)
        await desk.materials.finish(draft)
        assert draft.stage == DraftStage.REVIEW
    return draft_id


async def test_a_worker_prepares_and_submits_for_the_resident_all_marked_on_behalf(
    world: AssistWorld,
) -> None:
    person, _ = await world.resident()
    worker = await world.staff()
    visit_id = await world.visit(worker, person)
    authorization = await world.authorize(worker, person)
    draft_id = await _prepare_to_review(world, worker, visit_id)
    async with world.desk(worker) as desk:
        application = await desk.submit(
            visit_id, draft_id, delivery="electronic", key="visit-key-1"
        )
    async with world.context() as ctx:
        stored = await ctx.db.get(Application, application.id)
        assert stored is not None
        assert (stored.person_id, stored.acted_by_kind, stored.acted_by_id) == (
            person.id, "staff", worker.id,
        )  # fmt: skip
        assert (stored.acting, stored.channel) == ("delegate", Channel.FIELD)
        submitted = await ctx.db.scalar(
            select(ApplicationEvent).where(
                ApplicationEvent.application_id == application.id,
                ApplicationEvent.action == "submit",
            )
        )
        assert submitted is not None
        assert (submitted.actor_kind, submitted.actor_id, submitted.on_behalf_of_kind,
                submitted.on_behalf_of_id) == ("staff", worker.id, "person", person.id)  # fmt: skip
        reads = list(await ctx.db.scalars(select(DataAccess).where(
            DataAccess.person_id == person.id, DataAccess.source != "account")))  # fmt: skip
        assert reads
        assert all(r.staff_id == worker.id for r in reads)
        # Besides the records: the supervisor finding the resident by phone for the visit.
        looked_up = list(await ctx.db.scalars(select(DataAccess).where(
            DataAccess.person_id == person.id, DataAccess.source == "account")))  # fmt: skip
        assert [(r.purpose_kind, r.purpose_ref) for r in looked_up] == [
            ("home_visit", str(visit_id))
        ]
        # The name came from the population record, read under the worker's id.
        values = ctx.protector.unseal(stored.sealed_form, context=f"application:{stored.id}")
        assert "王奶奶" in values
    kinds = await _kinds(world, authorization.id)
    assert kinds[:2] == ["granted", "confirmed"]
    assert kinds.count("used") >= 5
    assert kinds[-1] == "used"


async def test_a_retried_field_submit_with_the_same_key_makes_one_application(
    world: AssistWorld,
) -> None:
    person, _ = await world.resident()
    worker = await world.staff()
    visit_id = await world.visit(worker, person)
    await world.authorize(worker, person)
    draft_id = await _prepare_to_review(world, worker, visit_id)
    async with world.desk(worker) as desk:
        first = await desk.submit(visit_id, draft_id, delivery="electronic", key="replayed-key")
    async with world.desk(worker) as desk:
        again = await desk.submit(visit_id, draft_id, delivery="electronic", key="replayed-key")
    assert again.id == first.id


async def test_without_an_authorization_the_worker_sees_nothing_of_the_resident(
    world: AssistWorld,
) -> None:
    person, _ = await world.resident()
    worker = await world.staff()
    visit_id = await world.visit(worker, person)
    async with world.desk(worker) as desk:
        with pytest.raises(NotFound):
            await desk.start(visit_id, BUNDLE)
    unconfirmed = await world.authorize(worker, person, confirm=False)
    async with world.desk(worker) as desk:
        with pytest.raises(NotFound):
            await desk.start(visit_id, BUNDLE)
        assert await desk.applications(visit_id) == []
    assert await _kinds(world, unconfirmed.id) == ["granted"]


async def test_the_agent_cannot_act_after_the_authorization_is_revoked(world: AssistWorld) -> None:
    person, _ = await world.resident()
    worker = await world.staff()
    visit_id = await world.visit(worker, person)
    authorization = await world.authorize(worker, person)
    async with world.desk(worker) as desk:
        draft_id = (await desk.start(visit_id, BUNDLE)).id
    await world.revoke(person, authorization.id)
    async with world.desk(worker) as desk:  # the very next request
        with pytest.raises(NotFound):
            await desk.draft(visit_id, draft_id, Scope.PREPARE)
    assert (await _kinds(world, authorization.id))[-1] == AuthorizationEventKind.REVOKED


async def test_an_authorization_for_one_bundle_does_not_open_another(world: AssistWorld) -> None:
    person, _ = await world.resident()
    worker = await world.staff()
    visit_id = await world.visit(worker, person)
    await world.authorize(worker, person, bundles=(BUNDLE,), scopes=("prepare",))
    async with world.context() as ctx:  # the resident started the other bundle themself
        from app.applications.drafts import DraftService

        own = await DraftService(ctx.db, catalog=CATALOG, protector=world.protector,
                                 records=world.records(ctx)).start(
            person, OTHER_BUNDLE, enterprise_id=None)  # fmt: skip
    async with world.desk(worker) as desk:
        with pytest.raises(NotFound):
            await desk.start(visit_id, OTHER_BUNDLE)
        with pytest.raises(NotFound):
            await desk.draft(visit_id, own.id, Scope.PREPARE)
        assert await desk.open_drafts(visit_id) == []
        draft = await desk.start(visit_id, BUNDLE)
    async with world.desk(worker) as desk:  # prepare is not consent, nor submit
        with pytest.raises(NotFound):
            await desk.draft(visit_id, draft.id, Scope.CONSENT)
        with pytest.raises(NotFound):
            await desk.submit(visit_id, draft.id, delivery="electronic", key="scope-key-1")


async def test_an_expired_authorization_refuses_at_once_and_its_expiry_is_recorded(
    world: AssistWorld,
) -> None:
    person, _ = await world.resident()
    worker = await world.staff()
    visit_id = await world.visit(worker, person)
    authorization = await world.authorize(worker, person, days=1)
    async with world.desk(worker) as desk:
        draft_id = (await desk.start(visit_id, BUNDLE)).id
    world.days_later(2)
    async with world.desk(worker) as desk:
        with pytest.raises(NotFound):
            await desk.draft(visit_id, draft_id, Scope.PREPARE)
    async with world.context() as ctx:
        views = await AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock).mine(person)
        assert [v.active for v in views] == [False]
    assert (await _kinds(world, authorization.id))[-1] == AuthorizationEventKind.EXPIRED


async def test_another_workers_visit_and_another_residents_draft_answer_404(
    world: AssistWorld,
) -> None:
    person, _ = await world.resident()
    neighbour, _ = await world.resident("李爷爷")
    worker, colleague = await world.staff(), await world.staff()
    visit_id = await world.visit(worker, person)
    neighbours_visit = await world.visit(worker, neighbour)
    await world.authorize(worker, person)
    await world.authorize(worker, neighbour)
    async with world.desk(worker) as desk:
        draft_id = (await desk.start(visit_id, BUNDLE)).id
    async with world.desk(colleague) as desk:
        with pytest.raises(NotFound):
            await desk.resident(visit_id)
    async with world.desk(worker) as desk:  # the draft is not the neighbour's
        with pytest.raises(NotFound):
            await desk.draft(neighbours_visit, draft_id, Scope.PREPARE)


async def test_only_the_principal_sees_and_revokes_an_authorization(world: AssistWorld) -> None:
    person, _ = await world.resident()
    stranger, _ = await world.resident("陌生人")
    worker = await world.staff()
    authorization = await world.authorize(worker, person, confirm=False)
    async with world.context() as ctx:
        service = AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock)
        with pytest.raises(NotFound):
            await service.revoke(stranger, authorization.id)
        with pytest.raises(NotFound):
            await service.confirm_signed_in(stranger, authorization.id)
        assert await service.mine(stranger) == []
        [view] = await service.mine(person)
        assert (view.agent_name, view.active) == ("上门员", False)


async def test_a_proposal_names_known_bundles_scopes_and_a_bounded_period(
    world: AssistWorld,
) -> None:
    person, _ = await world.resident()
    worker, clerk = await world.staff(), await world.staff("window_clerk")
    async with world.context() as ctx:
        service = AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock)
        with pytest.raises(RuleViolation) as refused:
            await service.propose(worker, person.id, AuthorizationRequest(
                bundles=("nope",), scopes=("fly",), days=365))  # fmt: skip
        assert set(refused.value.fields) == {"bundles", "scopes", "days"}
        with pytest.raises(NotFound):
            await service.propose(clerk, person.id, AuthorizationRequest(
                bundles=(BUNDLE,), scopes=("prepare",)))  # fmt: skip
    authorization = await world.authorize(worker, person)
    async with world.context() as ctx:
        service = AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock)
        with pytest.raises(Conflict):  # confirmed once only
            await service.confirm_signed_in(person, authorization.id)


async def test_the_worker_raises_the_resident_to_l3_after_checking_the_id_card(
    world: AssistWorld,
) -> None:
    person, id_number = await world.resident()
    worker = await world.staff()
    visit_id = await world.visit(worker, person)
    async with world.desk(worker) as desk:
        with pytest.raises(RuleViolation):
            await desk.visits.check_identity(worker, visit_id, "11010519491231002X")
        checked = await desk.visits.check_identity(worker, visit_id, id_number.lower())
        assert checked.real_name_level == RealNameLevel.IN_PERSON
        visit, _ = await desk.resident(visit_id)
        assert visit.id_checked_by_id == worker.id
    async with world.context() as ctx:
        stored = await ctx.db.get(Person, person.id)
        assert stored is not None
        assert stored.real_name_level == RealNameLevel.IN_PERSON


async def test_visits_are_scheduled_by_supervisors_only(world: AssistWorld) -> None:
    person, _ = await world.resident()
    worker, other = await world.staff(), await world.staff()
    supervisor, clerk = await world.staff("supervisor"), await world.staff("window_clerk")
    await world.visit(worker, person, scheduler=supervisor)
    for scheduler in (worker, other, clerk):  # a field worker not even for themself
        with pytest.raises(Forbidden):
            await world.visit(worker, person, scheduler=scheduler)
    with pytest.raises(RuleViolation):  # a supervisor is no field worker
        await world.visit(supervisor, person, scheduler=supervisor)
    async with world.desk(worker) as desk:
        cards = await desk.visits.today(worker)
    assert [c.resident_name for c in cards] == ["王奶奶"]
    assert "****" in cards[0].masked_phone
