"""Relatives and guardians as agents, through the services: a person acts for another only
inside an authorization (or a proven guardianship), every act checked on the next request,
and everything recorded as "agent X for principal Y" in the history and the data-access log."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from stdnum.cn import ric

from app.applications.case_models import Application, ApplicationEvent
from app.applications.models import DraftStage
from app.assist.acting import AgentDesk
from app.assist.authorizations import Agent, AuthorizationService
from app.assist.guardians import Guardianships, eighteenth_birthday
from app.assist.models import Authorization, AuthorizationEventKind, Scope
from app.assist.relatives import RelativeRequest, Relatives
from app.composition.build import create_engine, protector_for
from app.config import Settings
from app.errors import Conflict, NotFound
from app.identity.models import PERSON_PHONE, Person
from app.notices.models import Notice
from app.records.data_use import data_use_entries
from app.records.models import DataAccess
from app.staff.models import Staff
from app.storage import LocalFileStorage
from tests.integration.application_support import PDF, engine_sessionmaker
from tests.integration.assist_support import ALL_SCOPES, BUNDLE, CATALOG, OTHER_BUNDLE, AssistWorld
from tests.integration.records_support import new_phone, resident, write_records


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[AssistWorld]:
    engine = create_engine(settings)
    yield AssistWorld(engine_sessionmaker(engine), protector_for(settings), tmp_path)
    await engine.dispose()


def _phone(world: AssistWorld, person: Person) -> str:
    return world.protector.reveal(person.phone_ciphertext, PERSON_PHONE)


def _request(world: AssistWorld, whom: Person, name: str, **kw: object) -> RelativeRequest:
    fields: dict[str, object] = {"bundles": (BUNDLE,), "scopes": ALL_SCOPES, "days": 7, **kw}
    return RelativeRequest(phone=_phone(world, whom), name=name, **fields)  # type: ignore[arg-type]


async def _relatives(world: AssistWorld, ctx: object) -> Relatives:
    service = AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock)  # type: ignore[attr-defined]
    return Relatives(ctx.db, authorizations=service, protector=world.protector)  # type: ignore[attr-defined]


async def _count(world: AssistWorld) -> int:
    async with world.context() as ctx:
        return int(await ctx.db.scalar(select(func.count()).select_from(Authorization)) or 0)


async def _grant(world: AssistWorld, principal: Person, relative: Person, name: str,
                 **kw: object) -> Authorization:  # fmt: skip
    async with world.context() as ctx:
        await (await _relatives(world, ctx)).grant(principal, _request(world, relative, name, **kw))
        found = await ctx.db.scalar(
            select(Authorization)
            .where(Authorization.person_id == principal.id,
                   Authorization.agent_person_id == relative.id)
            .order_by(Authorization.created_at.desc())
        )  # fmt: skip
        assert found is not None
        return found


async def _kinds(world: AssistWorld, authorization_id: object) -> list[str]:
    async with world.context() as ctx:
        service = AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock)
        return [e.kind for e in await service.events(authorization_id)]  # type: ignore[arg-type]


def _desk(world: AssistWorld, ctx: object, agent: Person) -> AgentDesk:
    return AgentDesk(ctx, agent=agent, records=world.records(ctx), max_bytes=10**6,  # type: ignore[arg-type]
                     max_pixels=10**6)  # fmt: skip


async def _to_review(world: AssistWorld, agent: Person, principal: Person) -> object:
    """The relative prepares the principal's draft up to its review (records read)."""
    async with world.context() as ctx:
        draft_id = (await _desk(world, ctx, agent).start(principal.id, BUNDLE)).id
    async with world.context() as ctx:
        desk = _desk(world, ctx, agent)
        _, draft = await desk.draft(principal.id, draft_id, Scope.PREPARE, note="answers")
        await desk.drafts.answer(draft, {}, [])
        await desk.drafts.acknowledge_notice(draft)
    async with world.context() as ctx:
        desk = _desk(world, ctx, agent)
        person, draft = await desk.draft(principal.id, draft_id, Scope.CONSENT, note="consent")
        assert await desk.drafts.grant_consent(draft, person) == []
    async with world.context() as ctx:
        desk = _desk(world, ctx, agent)
        _, draft = await desk.draft(principal.id, draft_id, Scope.PREPARE, note="form")
        await desk.drafts.save_values(draft, {"child.name": "张小宝"}, complete=True)
        for code in ("birth-proof", "photo"):
            await desk.materials.upload(draft, code, f"{code}.pdf", PDF)
        await desk.materials.finish(draft)
        assert draft.stage == DraftStage.REVIEW
    return draft_id


async def test_a_relative_named_by_the_principal_submits_recorded_as_agent_for_principal(
    world: AssistWorld,
) -> None:
    principal, _ = await world.resident("王奶奶")
    relative, _ = await world.resident("王小明")
    authorization = await _grant(world, principal, relative, "王小明")
    async with world.context() as ctx:  # the relative is told, without names in the notice
        notice = await ctx.db.scalar(select(Notice).where(Notice.person_id == relative.id))
        assert notice is not None
        assert notice.subject_key == f"authorization:{authorization.id}:given"
    draft_id = await _to_review(world, relative, principal)
    async with world.context() as ctx:
        application = await _desk(world, ctx, relative).submit(
            principal.id,
            draft_id,
            delivery="electronic",
            key="relative-key-1",  # type: ignore[arg-type]
        )
    async with world.context() as ctx:
        stored = await ctx.db.get(Application, application.id)
        assert stored is not None
        assert (stored.person_id, stored.acted_by_kind, stored.acted_by_id, stored.acting) == (
            principal.id, "person", relative.id, "delegate",
        )  # fmt: skip
        submitted = await ctx.db.scalar(select(ApplicationEvent).where(
            ApplicationEvent.application_id == application.id,
            ApplicationEvent.action == "submit"))  # fmt: skip
        assert submitted is not None
        assert (submitted.actor_kind, submitted.actor_id) == ("person", relative.id)
        assert (submitted.on_behalf_of_kind, submitted.on_behalf_of_id) == ("person", principal.id)
        reads = list(await ctx.db.scalars(select(DataAccess).where(
            DataAccess.person_id == principal.id)))  # fmt: skip
        assert reads
        assert all((r.agent_person_id, r.staff_id) == (relative.id, None) for r in reads)
        entries = await data_use_entries(ctx.db, principal.id, limit=10, before=None)
        assert entries
        assert all(e.agent_name == "王小明" for e in entries)
        views = await AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock).mine(
            principal
        )
        assert [v.agent_name for v in views] == ["王小明"]
        used = [e for e in views[0].events if e.kind == AuthorizationEventKind.USED]
        assert {e.actor_kind for e in used} == {"person"}
        assert {e.actor_id for e in used} == {relative.id}
        assert any(e.note.endswith("submit") for e in used)
    kinds = await _kinds(world, authorization.id)
    assert kinds[:2] == ["granted", "confirmed"]


async def test_no_existence_oracle_a_wrong_name_or_unknown_phone_answers_the_same(
    world: AssistWorld,
) -> None:
    principal, _ = await world.resident("王奶奶")
    relative, _ = await world.resident("王小明")
    before = await _count(world)
    async with world.context() as ctx:
        relatives = await _relatives(world, ctx)
        wrong_name = await relatives.grant(principal, _request(world, relative, "王小红"))
        unknown = await relatives.grant(
            principal,
            RelativeRequest(phone=new_phone(), name="王小明", bundles=(BUNDLE,), scopes=ALL_SCOPES),
        )
        right = await relatives.grant(principal, _request(world, relative, "王小明"))
        asked_unknown = await relatives.ask(
            relative,
            RelativeRequest(phone=new_phone(), name="王奶奶", bundles=(BUNDLE,), scopes=ALL_SCOPES),
        )
    assert wrong_name is unknown is right is None  # the same answer every time
    assert asked_unknown is None
    assert await _count(world) == before + 1  # only the matching one


async def test_a_relatives_request_holds_only_once_the_principal_confirms(
    world: AssistWorld,
) -> None:
    principal, _ = await world.resident("李奶奶")
    relative, _ = await world.resident("李小明")
    async with world.context() as ctx:
        asked = await (await _relatives(world, ctx)).ask(
            relative, _request(world, principal, "李奶奶", scopes=("prepare",))
        )
        assert asked is not None
        told = await ctx.db.scalar(select(Notice).where(Notice.person_id == principal.id))
        assert told is not None
        assert told.subject_key == f"authorization:{asked.id}:asked"
    async with world.context() as ctx:
        with pytest.raises(NotFound):
            await _desk(world, ctx, relative).start(principal.id, BUNDLE)
    async with world.context() as ctx:
        service = AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock)
        await service.confirm_signed_in(principal, asked.id)
    async with world.context() as ctx:
        await _desk(world, ctx, relative).start(principal.id, BUNDLE)
    assert (await _kinds(world, asked.id))[:3] == ["granted", "confirmed", "used"]


async def test_a_relatives_request_confirmed_with_the_code_texted_to_the_principal(
    world: AssistWorld,
) -> None:
    principal, _ = await world.resident("赵奶奶")
    relative, _ = await world.resident("赵小明")

    class Codes:  # the real ConfirmationCodes are tested with the field worker's visit
        def __init__(self) -> None:
            self.sent: dict[str, str] = {}

        async def send(self, index: str, phone: str, *, client_ip: str, locale: str) -> None:
            self.sent[index] = "135790"

        async def verify(self, index: str, code: str) -> bool:
            return self.sent.pop(index, None) == code

    codes = Codes()
    async with world.context() as ctx:
        relatives = await _relatives(world, ctx)
        asked = await relatives.ask(relative, _request(world, principal, "赵奶奶"))
        assert asked is not None
        await relatives.send_code(relative, asked.id, codes=codes, client_ip="127.0.0.1")  # type: ignore[arg-type]
        assert principal.phone_index in codes.sent  # texted to the principal, not the relative
        confirmed = await relatives.confirm_with_code(relative, asked.id, "135790", codes=codes)  # type: ignore[arg-type]
        assert confirmed.confirmed_by == "sms_code"


async def test_revocation_and_expiry_take_effect_on_the_next_request(world: AssistWorld) -> None:
    principal, _ = await world.resident("孙奶奶")
    relative, _ = await world.resident("孙小明")
    authorization = await _grant(world, principal, relative, "孙小明", days=1)
    async with world.context() as ctx:
        draft_id = (await _desk(world, ctx, relative).start(principal.id, BUNDLE)).id
    world.days_later(2)
    async with world.context() as ctx:
        with pytest.raises(NotFound):
            await _desk(world, ctx, relative).draft(principal.id, draft_id, Scope.PREPARE)
    assert (await _kinds(world, authorization.id))[-1] == AuthorizationEventKind.EXPIRED
    second = await _grant(world, principal, relative, "孙小明")
    async with world.context() as ctx:
        await _desk(world, ctx, relative).draft(principal.id, draft_id, Scope.PREPARE)
    async with world.context() as ctx:
        await AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock).revoke(
            principal, second.id
        )
    async with world.context() as ctx:  # the very next request
        with pytest.raises(NotFound):
            await _desk(world, ctx, relative).draft(principal.id, draft_id, Scope.PREPARE)
        with pytest.raises(NotFound):
            await _desk(world, ctx, relative).applications(principal.id)


async def test_out_of_scope_and_another_relative_answer_404(world: AssistWorld) -> None:
    principal, _ = await world.resident("钱奶奶")
    relative, _ = await world.resident("钱小明")
    stranger, _ = await world.resident("钱小红")
    await _grant(world, principal, relative, "钱小明", scopes=("prepare",))
    async with world.context() as ctx:
        desk = _desk(world, ctx, relative)
        with pytest.raises(NotFound):
            await desk.start(principal.id, OTHER_BUNDLE)
        draft = await desk.start(principal.id, BUNDLE)
    async with world.context() as ctx:
        desk = _desk(world, ctx, relative)
        with pytest.raises(NotFound):
            await desk.draft(principal.id, draft.id, Scope.CONSENT)
        with pytest.raises(NotFound):
            await desk.submit(principal.id, draft.id, delivery="electronic", key="scope-key-9")
    async with world.context() as ctx:
        with pytest.raises(NotFound):
            await _desk(world, ctx, stranger).draft(principal.id, draft.id, Scope.PREPARE)
        with pytest.raises(NotFound):
            await _desk(world, ctx, stranger).start(principal.id, BUNDLE)


def _child_id_number(born: date) -> str:
    base = f"430104{born:%Y%m%d}{secrets.randbelow(1000):03d}"
    return base + ric.calc_check_digit(base + "0")


async def _family(world: AssistWorld, *, child_born: date, relation: str = "子",
                  same_household: bool = True) -> tuple[Person, Person]:  # fmt: skip
    """A parent (head of household) and a child, each verified, with population records."""
    parent_id, child_id = _child_id_number(date(1985, 3, 4)), _child_id_number(child_born)
    household = uuid.uuid4().hex[:12]
    write_records(
        world.records_dir,
        ("population", parent_id, {"name": "周爸爸", "household_number": household,
                                   "relation_to_head": "户主"}),
        ("population", child_id, {"name": "周小宝", "birth_date": child_born.isoformat(),
                                  "household_number": household if same_household
                                  else uuid.uuid4().hex[:12],
                                  "relation_to_head": relation}),
    )  # fmt: skip
    async with world.context() as ctx:
        parent = await resident(ctx.db, world.protector, id_number=parent_id, name="周爸爸")
        child = await resident(ctx.db, world.protector, id_number=child_id, name="周小宝")
    return parent, child


def _guardianships(world: AssistWorld, ctx: object) -> Guardianships:
    service = AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock)  # type: ignore[attr-defined]
    return Guardianships(ctx.db, authorizations=service, records=world.records(ctx),  # type: ignore[arg-type, attr-defined]
                         protector=world.protector, storage=world.storage)  # fmt: skip


async def test_a_parent_acts_for_their_minor_child_until_the_eighteenth_birthday(
    world: AssistWorld,
) -> None:
    world.clock.fixed = datetime(2026, 11, 24, 4, tzinfo=UTC)
    born = date(2009, 1, 10)  # 18 on 2027-01-10
    parent, child = await _family(world, child_born=born)
    async with world.context() as ctx:
        found = await _guardianships(world, ctx).from_household(
            parent, _phone(world, child), "周小宝"
        )
        assert found is not None
        assert (found.basis, found.confirmed_by, found.proof_note) == (
            "parent_of_minor", "household_record", "population",
        )  # fmt: skip
        assert found.proof_on == date(2026, 11, 1)
        assert found.valid_until == eighteenth_birthday(born)
        # The child's record was read with the parent named as the reader.
        read = list(await ctx.db.scalars(select(DataAccess).where(
            DataAccess.person_id == child.id)))  # fmt: skip
        assert read
        assert all(r.agent_person_id == parent.id for r in read)
    async with world.context() as ctx:  # no confirmation by the child needed
        draft = await _desk(world, ctx, parent).start(child.id, BUNDLE)
    async with world.context() as ctx:  # the child cannot revoke it
        with pytest.raises(Conflict):
            await AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock).revoke(
                child, found.id
            )
    world.clock.fixed = datetime(2027, 1, 9, 15, 59, tzinfo=UTC)  # 23:59 the day before
    async with world.context() as ctx:
        await _desk(world, ctx, parent).draft(child.id, draft.id, Scope.PREPARE)
    world.clock.fixed = datetime(2027, 1, 9, 16, 0, tzinfo=UTC)  # midnight in China: 18
    async with world.context() as ctx:
        with pytest.raises(NotFound):
            await _desk(world, ctx, parent).draft(child.id, draft.id, Scope.PREPARE)
    assert (await _kinds(world, found.id))[-1] == AuthorizationEventKind.EXPIRED


async def test_the_household_register_must_prove_parent_and_minor(world: AssistWorld) -> None:
    world.clock.fixed = datetime(2026, 11, 24, 4, tzinfo=UTC)
    adult_parent, adult = await _family(world, child_born=date(2000, 5, 5))
    spouse_parent, spouse = await _family(world, child_born=date(2015, 5, 5), relation="妻")
    other_parent, elsewhere = await _family(world, child_born=date(2015, 5, 5),
                                            same_household=False)  # fmt: skip
    before = await _count(world)
    async with world.context() as ctx:
        service = _guardianships(world, ctx)
        for parent, child in ((adult_parent, adult), (spouse_parent, spouse),
                              (other_parent, elsewhere)):  # fmt: skip
            assert await service.from_household(parent, _phone(world, child), "周小宝") is None
        assert await service.from_household(adult_parent, new_phone(), "周小宝") is None
    assert await _count(world) == before


async def test_a_court_appointed_guardian_acts_once_staff_checked_the_document(
    world: AssistWorld,
) -> None:
    guardian, _ = await world.resident("吴监护")
    ward, _ = await world.resident("吴先生")
    clerk, worker = await world.staff("window_clerk"), await world.staff()
    world.storage = LocalFileStorage(world.records_dir.parent / "guardian-files")
    async with world.context() as ctx:
        pending = await _guardianships(world, ctx).court_appointed(
            guardian, _phone(world, ward), "吴先生", filename="判决书.pdf", data=PDF,
            max_bytes=10**6, max_pixels=10**6,
        )  # fmt: skip
        assert pending is not None
        assert pending.confirmed_at is None
    async with world.context() as ctx:
        with pytest.raises(NotFound):
            await _desk(world, ctx, guardian).start(ward.id, BUNDLE)
        with pytest.raises(Conflict):  # the ward cannot confirm it in the guardian's place
            await AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock) \
                .confirm_signed_in(ward, pending.id)  # fmt: skip
    async with world.context() as ctx:
        service = _guardianships(world, ctx)
        with pytest.raises(NotFound):  # a field worker does not check guardianships
            await service.waiting(worker)
        assert pending.id in [a.id for a in await service.waiting(clerk)]
        assert (await service.document(clerk, pending.id)).startswith(b"%PDF")
        confirmed = await service.confirm(clerk, pending.id)
        assert (confirmed.confirmed_by, confirmed.proof_checked_by_staff_id) == (
            "staff_checked", clerk.id,
        )  # fmt: skip
    async with world.context() as ctx:
        await _desk(world, ctx, guardian).start(ward.id, BUNDLE)
    async with world.context() as ctx:
        await _guardianships(world, ctx).end(clerk, pending.id, "court ended it")
    async with world.context() as ctx:
        with pytest.raises(NotFound):
            await _desk(world, ctx, guardian).start(ward.id, BUNDLE)


async def test_agent_kinds_are_kept_apart(world: AssistWorld) -> None:
    """A person's id never opens a field worker's authorization, nor the other way round."""
    principal, _ = await world.resident("郑奶奶")
    worker: Staff = await world.staff()
    await world.authorize(worker, principal)
    async with world.context() as ctx:
        service = AuthorizationService(ctx.db, catalog=CATALOG, clock=world.clock)
        assert await service.active_for(Agent.staff(worker.id), principal.id)
        assert not await service.active_for(Agent.person(worker.id), principal.id)
