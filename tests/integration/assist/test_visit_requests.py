"""Visit requests through the pages: a resident, a relative and a window clerk ask; a
supervisor assigns by area and load, reschedules and cancels; notices go out once each."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from app.applications.context import Clock
from app.assist.assignment import Assignment, Dispatch
from app.assist.models import HomeVisit
from app.assist.request_models import VisitRequest
from app.assist.requests import VisitRequestService
from app.composition.runtime import Runtime
from app.identity.models import Person
from app.notices.models import Notice
from app.protection import SensitiveKind
from app.staff.models import Staff
from tests.conftest import in_app, sign_in_as
from tests.integration.application_support import BUNDLE, new_phone
from tests.integration.cookie_jars import Jars
from tests.integration.cookie_jars import post_form as _post
from tests.integration.staff_support import create_staff, sign_in_staff

Client = AsyncTestClient[Litestar]
AREA = "yuelu-juzizhou"
OTHER_AREA = "kaifu-qingshuitang"
TODAY = Clock().today()


def _without_tokens(html: str) -> str:
    return re.sub(r'(name="_csrf_token" value|nonce)="[^"]*"', "", html)


def _form(**overrides: Any) -> dict[str, Any]:
    address = f"岳麓区橘子洲街道{uuid.uuid4().hex[:6]}栋3楼"
    return {"kind": "home_visit", "address": address, "area": AREA, "bundle": BUNDLE,
            "day1": (TODAY + timedelta(days=2)).isoformat(), "slot1": "am",
            "needs": ["hearing", "mobility"], "needs_other": "请敲门大声一点",
            **overrides}  # fmt: skip


async def _run(client: Client, fn: Any) -> Any:
    runtime: Runtime = client.app.state.runtime

    async def call() -> Any:
        async with runtime.sessionmaker() as db, db.begin():
            return await fn(db, runtime)

    return await in_app(client, call)


async def _person(client: Client, phone: str) -> Person:
    async def find(db: Any, runtime: Runtime) -> Person:
        index = runtime.protector.blind_index(phone, SensitiveKind.PHONE)
        person = await db.scalar(select(Person).where(Person.phone_index == index))
        assert person is not None
        return person

    return await _run(client, find)  # type: ignore[no-any-return]


async def _name(client: Client, phone: str, name: str) -> None:
    person = await _person(client, phone)

    async def rename(db: Any, _: Runtime) -> None:
        await db.execute(update(Person).where(Person.id == person.id).values(real_name=name))

    await _run(client, rename)


async def _requests_about(client: Client, person_id: UUID | None = None,
                          requester_id: UUID | None = None) -> list[VisitRequest]:  # fmt: skip
    async def find(db: Any, _: Runtime) -> list[VisitRequest]:
        query = select(VisitRequest).order_by(VisitRequest.created_at)
        if person_id:
            query = query.where(VisitRequest.person_id == person_id)
        if requester_id:
            query = query.where(VisitRequest.requester_person_id == requester_id)
        return list((await db.scalars(query)).all())

    return await _run(client, find)  # type: ignore[no-any-return]


async def _notices(client: Client, request_id: UUID) -> list[tuple[UUID, str]]:
    async def find(db: Any, _: Runtime) -> list[tuple[UUID, str]]:
        rows = await db.execute(
            select(Notice.person_id, Notice.kind)
            .where(Notice.subject_key.like(f"visit-request:{request_id}:%"))
            .order_by(Notice.created_at)
        )
        return [(r[0], r[1]) for r in rows]

    return await _run(client, find)  # type: ignore[no-any-return]


async def _worker(client: Client, *areas: str, name: str = "上门员") -> Staff:
    worker = await create_staff(client, role="field_worker")

    async def setup(db: Any, runtime: Runtime) -> None:
        staff = await db.get(Staff, worker.id)
        staff.display_name = name
        service = VisitRequestService(db, protector=runtime.protector,
                                      catalog=runtime.catalog.catalog)  # fmt: skip
        await Dispatch(service).set_areas(staff, list(areas))

    await _run(client, setup)
    return worker


async def _resident(
    client: Client, jars: Jars, who: str, name: str = "王奶奶"
) -> tuple[str, Person]:
    jars.be(who)
    phone = new_phone()
    await sign_in_as(client, phone)
    jars.keep(who)
    await _name(client, phone, name)
    return phone, await _person(client, phone)


async def _supervisor(client: Client, jars: Jars) -> None:
    jars.be("supervisor")
    supervisor = await create_staff(client, role="supervisor")
    await sign_in_staff(client, supervisor.username)
    jars.keep("supervisor")


async def test_resident_asks_for_themself_and_sees_the_address_masked(apps: Client) -> None:
    jars = Jars(apps)
    _, person = await _resident(apps, jars, "resident")
    page = await apps.get("/me/visit-requests/new")
    assert page.status_code == 200
    assert 'name="_csrf_token"' in page.text
    form = _form()
    sent = await _post(apps, "/me/visit-requests/new", **form)
    assert sent.status_code == 303, sent.text
    [request] = await _requests_about(apps, person.id)
    assert (request.status, request.requester_kind, request.person_id) == (
        "requested", "resident", person.id)  # fmt: skip
    assert form["address"] not in request.address_ciphertext
    assert request.needs == ["hearing", "mobility"]
    mine = await apps.get("/me/visit-requests")
    assert "Requested: waiting for a worker" in mine.text or "等待" in mine.text
    assert form["address"] not in mine.text  # masked outside the supervisor and the tablet
    assert form["address"][:6] in mine.text


async def test_bad_input_re_renders_the_form_and_changes_nothing(apps: Client) -> None:
    jars = Jars(apps)
    _, person = await _resident(apps, jars, "resident")
    bad = [
        {"area": "nowhere"},
        {"day1": (TODAY - timedelta(days=1)).isoformat()},
        {"day1": "", "slot1": ""},
        {"slot1": "night"},
        {"kind": "taxi"},
        {"address": "x"},
        {"bundle": "no-such-bundle"},
        {"needs": ["flying"]},
    ]
    for override in bad:
        answer = await _post(apps, "/me/visit-requests/new", **_form(**override))
        assert answer.status_code == 422, override
        assert 'aria-invalid="true"' in answer.text or "field-error" in answer.text
    assert await _requests_about(apps, person.id) == []
    assert await _requests_about(apps, requester_id=person.id) == []


async def test_another_persons_request_answers_404_and_stays(apps: Client) -> None:
    jars = Jars(apps)
    _, owner = await _resident(apps, jars, "owner")
    assert (await _post(apps, "/me/visit-requests/new", **_form())).status_code == 303
    [request] = await _requests_about(apps, owner.id)
    await _resident(apps, jars, "stranger", name="李四")
    for action in ("cancel", "accept", "decline"):
        answer = await _post(apps, f"/me/visit-requests/{request.id}/{action}")
        assert answer.status_code == 404, action
    [same] = await _requests_about(apps, owner.id)
    assert same.status == "requested"


async def test_relative_learns_nothing_about_whom_they_name(apps: Client) -> None:
    jars = Jars(apps)
    phone, grandma = await _resident(apps, jars, "grandma", name="王奶奶")
    _, relative = await _resident(apps, jars, "relative", name="王小明")
    # A match, the right number with another name, and a number nobody has.
    named = [("王奶奶", phone), ("张三", phone), ("王奶奶", new_phone())]
    answers = []
    for name, number in named:
        answer = await _post(apps, "/me/visit-requests/for-someone",
                             **_form(resident_name=name, resident_phone=number))  # fmt: skip
        assert answer.status_code == 303, answer.text
        answers.append(answer.headers["location"])
    assert len(set(answers)) == 1
    asked = await _requests_about(apps, requester_id=relative.id)
    assert [r.person_id for r in asked] == [grandma.id, None, None]
    assert all(r.status == "awaiting_resident" for r in asked)
    # The resident is told, once; nobody else is.
    assert await _notices(apps, asked[0].id) == [(grandma.id, "visit_request_to_confirm")]
    assert await _notices(apps, asked[1].id) == []
    page = await apps.get("/me/visit-requests")
    assert page.text.count("等待居民本人同意") == 3  # "Waiting for the resident to accept"

    # The resident declines: the relative's page reads exactly as before.
    jars.be("grandma")
    mine = await apps.get("/me/visit-requests")
    assert "王小明" in mine.text
    assert "同意这项申请" in mine.text  # "Accept this request"
    assert (await _post(apps, f"/me/visit-requests/{asked[0].id}/decline")).status_code == 303
    jars.be("relative")
    after = await apps.get("/me/visit-requests")
    assert _without_tokens(after.text) == _without_tokens(page.text)
    # A relative cannot accept for the resident.
    assert (await _post(apps, f"/me/visit-requests/{asked[1].id}/accept")).status_code == 404


async def test_relative_may_not_name_themself_and_errors_do_not_echo_the_number(
    apps: Client,
) -> None:
    jars = Jars(apps)
    own, relative = await _resident(apps, jars, "relative")
    answer = await _post(apps, "/me/visit-requests/for-someone",
                         **_form(resident_name="王奶奶", resident_phone=own))  # fmt: skip
    assert answer.status_code == 422
    assert own not in answer.text
    bad = await _post(apps, "/me/visit-requests/for-someone",
                      **_form(resident_name="", resident_phone="12"))  # fmt: skip
    assert bad.status_code == 422
    assert await _requests_about(apps, requester_id=relative.id) == []


async def test_window_clerk_records_a_request_and_the_resident_is_told(apps: Client) -> None:
    jars = Jars(apps)
    phone, person = await _resident(apps, jars, "resident")
    jars.be("clerk")
    clerk = await create_staff(apps, role="window_clerk")
    await sign_in_staff(apps, clerk.username)
    assert (await apps.get("/staff/visit-requests/new")).status_code == 200
    unknown = await _post(apps, "/staff/visit-requests/new", **_form(resident_phone=new_phone()))
    assert unknown.status_code == 303  # the same answer as for an account: see below
    sent = await _post(apps, "/staff/visit-requests/new", **_form(resident_phone=phone))
    assert sent.headers["location"] == unknown.headers["location"]
    assert sent.status_code == 303, sent.text
    [request] = await _requests_about(apps, person.id)
    assert (request.requester_kind, request.requester_staff_id) == ("staff", clerk.id)
    assert await _notices(apps, request.id) == [(person.id, "visit_request_recorded")]
    # The clerk does not supervise: the queue is not theirs.
    assert (await apps.get("/staff/visit-requests")).status_code in (403, 404)
    jars.be("resident")
    mine = await apps.get("/me/visit-requests")
    assert "窗口工作人员" in mine.text  # "Staff at a service window"


async def test_staff_form_reads_one_ticked_need_and_answers_an_empty_post_with_its_messages(
    apps: Client,
) -> None:
    jars = Jars(apps)
    phone, person = await _resident(apps, jars, "resident")
    jars.be("clerk")
    clerk = await create_staff(apps, role="window_clerk")
    await sign_in_staff(apps, clerk.username)
    empty = await _post(apps, "/staff/visit-requests/new")  # no field at all: not a bare 400
    assert empty.status_code == 422, empty.text
    assert 'class="field-error"' in empty.text
    # One ticked box arrives as a single value, not a list: still one need.
    sent = await _post(apps, "/staff/visit-requests/new",
                       **_form(resident_phone=phone, needs="hearing"))  # fmt: skip
    assert sent.status_code == 303, sent.text
    [request] = await _requests_about(apps, person.id)
    assert request.needs == ["hearing"]


async def test_field_worker_cannot_record_requests(apps: Client) -> None:
    worker = await create_staff(apps, role="field_worker")
    await sign_in_staff(apps, worker.username)
    assert (await apps.get("/staff/visit-requests/new")).status_code == 404


async def _scheduled(client: Client, worker: Staff, person: Person, count: int, day: Any) -> None:
    async def add(db: Any, _: Runtime) -> None:
        db.add_all([HomeVisit(person_id=person.id, field_worker_id=worker.id,
                              scheduled_by_id=worker.id, day=day, reason="elderly")
                    for _ in range(count)])  # fmt: skip

    await _run(client, add)


async def test_assignment_suggests_area_workers_least_loaded_first(apps: Client) -> None:
    jars = Jars(apps)
    _, person = await _resident(apps, jars, "resident")
    assert (await _post(apps, "/me/visit-requests/new", **_form())).status_code == 303
    [request] = await _requests_about(apps, person.id)
    day = TODAY + timedelta(days=3)
    busy = await _worker(apps, AREA, name=f"忙-{uuid.uuid4().hex[:4]}")
    free = await _worker(apps, AREA, OTHER_AREA, name=f"闲-{uuid.uuid4().hex[:4]}")
    week = await _worker(apps, AREA, name=f"周-{uuid.uuid4().hex[:4]}")
    elsewhere = await _worker(apps, OTHER_AREA, name=f"外-{uuid.uuid4().hex[:4]}")
    await _scheduled(apps, busy, person, 2, day)
    other_day = day + timedelta(days=1) if day.weekday() < 6 else day - timedelta(days=1)
    await _scheduled(apps, week, person, 1, other_day)
    await _supervisor(apps, jars)
    page = await apps.get(f"/staff/visit-requests/{request.id}?day={day.isoformat()}")
    assert page.status_code == 200
    order = list(re.findall(r'name="worker_id" value="([0-9a-f-]{36})"', page.text))
    # Workers of other tests may serve the area too: the order of this test's three counts.
    mine = [w for w in order if w in {str(free.id), str(week.id), str(busy.id)}]
    assert mine == [str(free.id), str(week.id), str(busy.id)]
    assert str(elsewhere.id) not in order
    # Someone outside the area is refused; nothing changes and nobody is told.
    refused = await _post(apps, f"/staff/visit-requests/{request.id}/assign",
                          worker_id=str(elsewhere.id), day=day.isoformat(), slot="am")  # fmt: skip
    assert refused.status_code == 422
    [same] = await _requests_about(apps, person.id)
    assert (same.status, same.visit_id) == ("requested", None)
    assert await _notices(apps, request.id) == []


async def test_assignment_books_the_visit_tells_both_once_and_shows_on_the_tablet(
    apps: Client,
) -> None:
    jars = Jars(apps)
    phone, grandma = await _resident(apps, jars, "grandma", name="王奶奶")
    _, relative = await _resident(apps, jars, "relative", name="王小明")
    form = _form(resident_name="王奶奶", resident_phone=phone)
    assert (await _post(apps, "/me/visit-requests/for-someone", **form)).status_code == 303
    [request] = await _requests_about(apps, requester_id=relative.id)
    jars.be("grandma")
    assert (await _post(apps, f"/me/visit-requests/{request.id}/accept")).status_code == 303
    jars.be("worker")
    worker = await _worker(apps, AREA, name=f"李师傅{uuid.uuid4().hex[:4]}")
    await sign_in_staff(apps, worker.username)
    jars.keep("worker")
    await _supervisor(apps, jars)
    queue = await apps.get(f"/staff/visit-requests?area={AREA}")
    assert str(request.id) in queue.text
    detail = await apps.get(f"/staff/visit-requests/{request.id}")
    assert form["address"] in detail.text  # the supervisor sees it in clear
    assigned = await _post(apps, f"/staff/visit-requests/{request.id}/assign",
                           worker_id=str(worker.id), day=TODAY.isoformat(), slot="pm")  # fmt: skip
    assert assigned.status_code == 303, assigned.text
    [booked] = await _requests_about(apps, grandma.id)
    assert (booked.status, booked.slot) == ("assigned", "pm")
    notices = await _notices(apps, request.id)
    assert sorted(notices) == sorted([(grandma.id, "visit_request_to_confirm"),
                                      (grandma.id, "visit_assigned"),
                                      (relative.id, "visit_assigned")])  # fmt: skip
    # Assigning again is refused and tells nobody twice.
    again = await _post(apps, f"/staff/visit-requests/{request.id}/assign",
                        worker_id=str(worker.id), day=TODAY.isoformat(), slot="pm")  # fmt: skip
    assert again.status_code == 422
    assert len(await _notices(apps, request.id)) == 3
    # The worker's tablet: the address in clear, the needs; the resident's inbox: the time.
    jars.be("worker")
    today = await apps.get("/staff/visits")
    assert form["address"] in today.text
    assert "Hard of hearing" in today.text or "听力" in today.text
    jars.be("grandma")
    inbox = await apps.get("/messages")
    assert "14:00–17:00" in inbox.text
    assert TODAY.isoformat() in inbox.text


async def test_a_refused_assignment_in_a_rolled_back_transaction_leaves_no_notice(
    apps: Client,
) -> None:
    jars = Jars(apps)
    _, person = await _resident(apps, jars, "resident")
    assert (await _post(apps, "/me/visit-requests/new", **_form())).status_code == 303
    [request] = await _requests_about(apps, person.id)
    worker = await _worker(apps, AREA)
    supervisor = await create_staff(apps, role="supervisor")
    runtime: Runtime = apps.app.state.runtime

    async def assign_then_fail() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            service = VisitRequestService(db, protector=runtime.protector,
                                          catalog=runtime.catalog.catalog)  # fmt: skip
            await Dispatch(service).assign(supervisor, request.id, Assignment(
                worker_id=str(worker.id), day=TODAY.isoformat(), slot="am"))  # fmt: skip
            notices = await db.scalar(select(func.count()).select_from(Notice).where(
                Notice.subject_key.like(f"visit-request:{request.id}:%")))  # fmt: skip
            assert notices == 1  # written with the change, in its transaction
            await db.rollback()

    await in_app(apps, assign_then_fail)
    assert await _notices(apps, request.id) == []
    [same] = await _requests_about(apps, person.id)
    assert (same.status, same.visit_id) == ("requested", None)


async def test_reschedule_and_cancel_tell_the_resident(apps: Client) -> None:
    jars = Jars(apps)
    _, person = await _resident(apps, jars, "resident")
    assert (await _post(apps, "/me/visit-requests/new", **_form())).status_code == 303
    [request] = await _requests_about(apps, person.id)
    first = await _worker(apps, AREA)
    second = await _worker(apps, AREA)
    await _supervisor(apps, jars)
    url = f"/staff/visit-requests/{request.id}"
    assert (await _post(apps, f"{url}/assign", worker_id=str(first.id),
                        day=TODAY.isoformat(), slot="am")).status_code == 303  # fmt: skip
    later = TODAY + timedelta(days=5)
    moved = await _post(apps, f"{url}/reschedule", worker_id=str(second.id),
                        day=later.isoformat(), slot="pm")  # fmt: skip
    assert moved.status_code == 303, moved.text
    [changed] = await _requests_about(apps, person.id)

    async def visit_of(db: Any, _: Runtime) -> HomeVisit:
        return await db.get(HomeVisit, changed.visit_id)  # type: ignore[no-any-return]

    visit = await _run(apps, visit_of)
    assert (visit.field_worker_id, visit.day, changed.slot) == (second.id, later, "pm")
    assert [k for _, k in await _notices(apps, request.id)] == ["visit_assigned", "visit_changed"]
    cancelled = await _post(apps, f"{url}/cancel")
    assert cancelled.status_code == 303
    [gone] = await _requests_about(apps, person.id)
    assert gone.status == "cancelled"
    assert (await _run(apps, visit_of)).status == "cancelled"
    assert [k for _, k in await _notices(apps, request.id)] == [
        "visit_assigned", "visit_changed", "visit_cancelled"]  # fmt: skip
    # Cancelling twice tells nobody twice.
    assert (await _post(apps, f"{url}/cancel")).status_code == 422
    assert len(await _notices(apps, request.id)) == 3


async def test_resident_cancels_an_assigned_visit(apps: Client) -> None:
    jars = Jars(apps)
    _, person = await _resident(apps, jars, "resident")
    assert (await _post(apps, "/me/visit-requests/new", **_form())).status_code == 303
    [request] = await _requests_about(apps, person.id)
    worker = await _worker(apps, AREA)
    await _supervisor(apps, jars)
    assert (await _post(apps, f"/staff/visit-requests/{request.id}/assign",
                        worker_id=str(worker.id), day=TODAY.isoformat(),
                        slot="am")).status_code == 303  # fmt: skip
    jars.be("resident")
    assert (await _post(apps, f"/me/visit-requests/{request.id}/cancel")).status_code == 303
    [gone] = await _requests_about(apps, person.id)
    assert gone.status == "cancelled"


async def test_demo_areas_go_to_area_less_workers_once(apps: Client) -> None:
    from app.assist.request_models import WorkerArea
    from app.commands.worker_areas import seed_demo_areas

    served = await _worker(apps, OTHER_AREA)

    async def seed_twice(db: Any, _: Runtime) -> tuple[int, int, list[str]]:
        # In a transaction rolled back: other tests' workers must keep having no area.
        first = await seed_demo_areas(db)
        await db.flush()
        second = await seed_demo_areas(db)
        areas = (await db.scalars(select(WorkerArea.area).where(
            WorkerArea.staff_id == served.id))).all()  # fmt: skip
        await db.rollback()
        return first, second, list(areas)

    runtime: Runtime = apps.app.state.runtime

    async def call() -> tuple[int, int, list[str]]:
        async with runtime.sessionmaker() as db:
            return await seed_twice(db, runtime)

    first, second, areas = await in_app(apps, call)
    assert second == 0
    assert first >= 0
    assert areas == [OTHER_AREA]  # a worker with an area is left alone


async def test_after_two_weeks_a_relative_sees_closed_for_declined_and_unknown_alike(
    apps: Client,
) -> None:
    jars = Jars(apps)
    phone, grandma = await _resident(apps, jars, "grandma", name="王奶奶")
    _, relative = await _resident(apps, jars, "relative", name="王小明")
    for number in (phone, new_phone()):
        answer = await _post(apps, "/me/visit-requests/for-someone",
                             **_form(resident_name="王奶奶", resident_phone=number))  # fmt: skip
        assert answer.status_code == 303
    matched, unknown = await _requests_about(apps, requester_id=relative.id)
    jars.be("grandma")
    assert (await _post(apps, f"/me/visit-requests/{matched.id}/decline")).status_code == 303

    async def seen_later(db: Any, runtime: Runtime) -> list[str]:
        clock = Clock()
        clock.fixed = clock.now() + timedelta(days=15)
        service = VisitRequestService(db, protector=runtime.protector,
                                      catalog=runtime.catalog.catalog, clock=clock)  # fmt: skip
        person = await db.get(Person, relative.id)
        return [v.shown_status for v in await service.asked_by(person)]

    assert await _run(apps, seen_later) == ["closed", "closed"]
    assert grandma.id == matched.person_id
    assert unknown.person_id is None
