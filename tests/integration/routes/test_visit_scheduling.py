"""Scheduling a home visit by phone number (/staff/visits/new): supervisors only; the resident
found is told, sees the look-up on their data-use record, and every look-up is audited; a
number with an account and one without get the same answer; the form picks the worker from
a list and ends on a confirmation page (POST-redirect-GET)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from app.applications.context import Clock
from app.assist.models import HomeVisit
from app.assist.request_models import VisitRequest
from app.audit.models import AuditEvent
from app.composition.runtime import Runtime
from app.identity.models import Person
from app.notices.models import Notice
from app.protection import SensitiveKind
from app.records.models import DataAccess
from app.staff.models import Staff
from tests.conftest import in_app, sign_in_as
from tests.integration.application_support import BUNDLE, new_phone
from tests.integration.cookie_jars import Jars
from tests.integration.cookie_jars import post_form as _post
from tests.integration.staff_support import create_staff, sign_in_staff

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}
TOMORROW = (Clock().today() + timedelta(days=1)).isoformat()
_NOISE = re.compile(r'(name="_csrf_token" value|nonce)="[^"]*"|[0-9a-f]{32}')


async def _run(client: Client, fn: Any) -> Any:
    runtime: Runtime = client.app.state.runtime

    async def call() -> Any:
        async with runtime.sessionmaker() as db, db.begin():
            return await fn(db, runtime)

    return await in_app(client, call)


async def _resident(client: Client, jars: Jars, who: str = "resident") -> tuple[str, UUID]:
    """A resident with an account (signed in once): their phone and id."""
    jars.be(who)
    phone = new_phone()
    await sign_in_as(client, phone)
    jars.keep(who)

    async def find(db: Any, runtime: Runtime) -> UUID:
        index = runtime.protector.blind_index(phone, SensitiveKind.PHONE)
        person = await db.scalar(select(Person).where(Person.phone_index == index))
        return person.id  # type: ignore[no-any-return]

    return phone, await _run(client, find)


async def _staff(client: Client, jars: Jars, role: str, **kwargs: Any) -> Staff:
    jars.be(role)
    staff = await create_staff(client, role=role, **kwargs)
    await sign_in_staff(client, staff.username)
    jars.keep(role)
    return staff


async def _worker(client: Client, name: str = "李师傅") -> Staff:
    worker = await create_staff(client, role="field_worker")

    async def rename(db: Any, _: Runtime) -> None:
        await db.execute(update(Staff).where(Staff.id == worker.id).values(display_name=name))

    await _run(client, rename)
    return worker


def _form(number: str, worker: Staff, **overrides: str) -> dict[str, str]:
    return {"phone": number, "worker_id": str(worker.id), "day": TOMORROW, "reason": "elderly",
            "note": "3楼", **overrides}  # fmt: skip


async def _count(client: Client, query: Any) -> int:
    async def count(db: Any, _: Runtime) -> int:
        return int(await db.scalar(query) or 0)

    return await _run(client, count)  # type: ignore[no-any-return]


async def _lookups_by(client: Client, staff: Staff) -> list[AuditEvent]:
    async def load(db: Any, _: Runtime) -> list[AuditEvent]:
        query = select(AuditEvent).where(AuditEvent.actor == f"staff:{staff.id}",
                                         AuditEvent.kind == "person_looked_up")  # fmt: skip
        return list((await db.scalars(query.order_by(AuditEvent.id))).all())

    return await _run(client, load)  # type: ignore[no-any-return]


def _visits_by(staff: Staff) -> Any:
    return select(func.count()).select_from(HomeVisit).where(HomeVisit.scheduled_by_id == staff.id)


async def test_a_field_worker_gets_what_any_page_they_may_not_open_answers(apps: Client) -> None:
    jars = Jars(apps)
    phone, _ = await _resident(apps, jars)
    worker = await _staff(apps, jars, "field_worker")
    elsewhere = await apps.get("/staff/visit-requests")  # a supervisor's page, not theirs
    assert elsewhere.status_code == 403
    refused = [
        ("/staff/visits/new", await apps.get("/staff/visits/new")),
        ("/staff/visits/new", await _post(apps, "/staff/visits/new", **_form(phone, worker))),
        ("/staff/visits/scheduled", await apps.get("/staff/visits/scheduled")),
    ]

    def page(text: str, path: str) -> str:  # the page links back to itself (language switch)
        return _NOISE.sub("", text).replace(path, "<here>")

    for path, answer in refused:
        assert answer.status_code == elsewhere.status_code
        assert page(answer.text, path) == page(elsewhere.text, "/staff/visit-requests")
    assert await _count(apps, _visits_by(worker)) == 0
    assert await _lookups_by(apps, worker) == []
    # Their tablet no longer offers to schedule.
    assert "/staff/visits/new" not in (await apps.get("/staff/visits")).text


async def test_a_supervisors_look_up_is_audited_told_and_on_the_residents_data_use_record(
    apps: Client,
) -> None:
    jars = Jars(apps)
    phone, person_id = await _resident(apps, jars)
    worker = await _worker(apps)
    supervisor = await _staff(apps, jars, "supervisor", department_code="civil-affairs")
    done = await _post(apps, "/staff/visits/new", **_form(phone, worker))
    assert done.status_code == 303, done.text

    [looked_up] = await _lookups_by(apps, supervisor)
    assert looked_up.subject == f"person:{person_id}"
    assert looked_up.detail["source"] == "account"
    assert looked_up.detail["purpose"] == "home_visit"
    assert phone not in str(looked_up.detail)

    async def logged(db: Any, _: Runtime) -> tuple[DataAccess, HomeVisit, Notice]:
        access = await db.scalar(select(DataAccess).where(DataAccess.person_id == person_id))
        visit = await db.scalar(select(HomeVisit).where(HomeVisit.person_id == person_id))
        told = select(Notice).where(Notice.person_id == person_id, Notice.kind == "visit_scheduled")
        notice = await db.scalar(told)
        return access, visit, notice

    access, visit, notice = await _run(apps, logged)
    assert (access.staff_id, access.source, access.consent_id) == (supervisor.id, "account", None)
    assert access.purpose_ref == str(visit.id)
    assert looked_up.detail["data_access"] == access.id
    assert (visit.field_worker_id, visit.day.isoformat()) == (worker.id, TOMORROW)
    assert notice.subject_key == f"home-visit:{visit.id}"
    assert notice.params == {"number": visit.id.hex[-8:].upper(), "day": TOMORROW,
                             "worker": "李师傅"}  # fmt: skip

    jars.be("resident")
    chinese = (await apps.get("/me/data-use")).text
    assert "本平台账户信息" in chinese
    assert "督办人员按手机号预约上门服务" in chinese
    assert "工作人员（市民政局）" in chinese
    english = (await apps.get("/me/data-use", headers=EN)).text
    assert "Your account on this platform" in english
    assert "Fields: Mobile number, Name" in english
    assert "Read by: staff (Civil Affairs Bureau)" in english
    inbox = (await apps.get("/messages", headers=EN)).text
    assert "A home visit was scheduled for you" in inbox
    # The worker's tablet lists it on that day (today's list shows today's visits only).

    async def today(db: Any, _: Runtime) -> None:
        await db.execute(update(HomeVisit).where(HomeVisit.id == visit.id)
                         .values(day=Clock().today()))  # fmt: skip

    await _run(apps, today)
    jars.be("worker")
    await sign_in_staff(apps, worker.username)
    tablet = (await apps.get("/staff/visits")).text
    assert f"/staff/visits/{visit.id}" in tablet
    assert f"{phone[:3]}****{phone[-4:]}" in tablet
    assert phone not in tablet


async def test_a_number_with_an_account_and_one_without_get_the_same_answer(
    apps: Client,
) -> None:
    jars = Jars(apps)
    phone, _ = await _resident(apps, jars)
    worker = await _worker(apps)
    supervisor = await _staff(apps, jars, "supervisor")
    nobodys = new_phone()
    known = await _post(apps, "/staff/visits/new", **_form(phone, worker))
    unknown = await _post(apps, "/staff/visits/new", **_form(nobodys, worker))
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"]
    assert _NOISE.sub("", known.text) == _NOISE.sub("", unknown.text)
    pages = [await apps.get(answer.headers["location"]) for answer in (known, unknown)]
    assert pages[0].status_code == pages[1].status_code == 200
    assert _NOISE.sub("", pages[0].text) == _NOISE.sub("", pages[1].text)
    for answer in (known, unknown, *pages):
        assert phone not in answer.headers.get("location", "") + answer.text
        assert nobodys not in answer.headers.get("location", "") + answer.text

    # Both look-ups are audited; only the one that found someone made a visit.
    found, nobody = await _lookups_by(apps, supervisor)
    assert found.subject.startswith("person:")
    assert (nobody.subject, nobody.detail["outcome"]) == ("nobody", "not_found")
    assert await _count(apps, _visits_by(supervisor)) == 1


async def test_scheduling_ends_on_a_confirmation_page_not_on_the_form(apps: Client) -> None:
    jars = Jars(apps)
    phone, _ = await _resident(apps, jars)
    worker = await _worker(apps, "周师傅")
    await _staff(apps, jars, "supervisor")
    done = await _post(apps, "/staff/visits/new", **_form(phone, worker))
    assert done.status_code == 303
    location = done.headers["location"]
    assert location.startswith("/staff/visits/scheduled?")
    page = await apps.get(location, headers=EN)
    assert page.status_code == 200
    assert "Visit recorded" in page.text
    assert f"the visit on {TOMORROW} by 周师傅 is now scheduled" in page.text
    assert 'href="/staff/visits/new"' in page.text  # schedule another
    again = await apps.get(location, headers=EN)  # a reload repeats nothing
    assert again.text.count("Visit recorded") == page.text.count("Visit recorded")
    assert await _count(apps, select(func.count()).select_from(HomeVisit)
                        .where(HomeVisit.field_worker_id == worker.id)) == 1  # fmt: skip


async def test_the_worker_is_picked_from_the_active_field_workers_never_typed(
    apps: Client,
) -> None:
    jars = Jars(apps)
    phone, _ = await _resident(apps, jars)
    worker = await _worker(apps, "吴师傅")
    gone = await _worker(apps, "离职的师傅")

    async def disable(db: Any, _: Runtime) -> None:
        await db.execute(update(Staff).where(Staff.id == gone.id)
                         .values(disabled_at=datetime.now(UTC)))  # fmt: skip

    await _run(apps, disable)
    supervisor = await _staff(apps, jars, "supervisor")
    form = (await apps.get("/staff/visits/new")).text
    assert '<select id="worker_id" name="worker_id"' in form
    assert re.search(rf'<option value="{worker.id}"[^>]*>吴师傅', form)
    assert str(gone.id) not in form
    assert f'value="{supervisor.id}"' not in form  # supervisors are not field workers
    for chosen in (worker.username, str(gone.id), str(supervisor.id), ""):
        refused = await _post(apps, "/staff/visits/new", **_form(phone, worker, worker_id=chosen))
        assert refused.status_code == 422
        assert 'id="worker_id-error"' in refused.text
        assert phone not in refused.text  # the number is never echoed back
    assert await _count(apps, _visits_by(supervisor)) == 0
    assert await _lookups_by(apps, supervisor) == []  # bad input: nobody was looked up


async def test_a_badly_typed_number_or_day_is_refused_before_anyone_is_looked_up(
    apps: Client,
) -> None:
    jars = Jars(apps)
    worker = await _worker(apps)
    supervisor = await _staff(apps, jars, "supervisor")
    past = (Clock().today() - timedelta(days=1)).isoformat()
    for bad in ({"phone": "12345"}, {"day": past}, {"day": "soon"}, {"reason": "other"}):
        refused = await _post(apps, "/staff/visits/new", **_form(new_phone(), worker, **bad))
        assert refused.status_code == 422, bad
        assert 'class="field-error"' in refused.text
    assert await _lookups_by(apps, supervisor) == []


async def test_a_window_clerks_request_by_phone_answers_alike_and_is_on_the_data_use_record(
    apps: Client,
) -> None:
    jars = Jars(apps)
    phone, person_id = await _resident(apps, jars)
    clerk = await _staff(apps, jars, "window_clerk")
    form = {"kind": "home_visit", "address": "岳麓区橘子洲街道8栋3楼", "area": "yuelu-juzizhou",
            "bundle": BUNDLE, "day1": TOMORROW, "slot1": "am"}  # fmt: skip
    nobodys = new_phone()
    known = await _post(apps, "/staff/visit-requests/new", resident_phone=phone, **form)
    unknown = await _post(apps, "/staff/visit-requests/new", resident_phone=nobodys, **form)
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"]
    pages = [await apps.get(answer.headers["location"]) for answer in (known, unknown)]
    assert _NOISE.sub("", pages[0].text) == _NOISE.sub("", pages[1].text)
    assert phone not in pages[0].text
    assert nobodys not in pages[1].text

    found, nobody = await _lookups_by(apps, clerk)
    assert (found.subject, found.detail["purpose"]) == (f"person:{person_id}", "visit_request")
    assert nobody.subject == "nobody"
    requests = await _count(apps, select(func.count()).select_from(VisitRequest)
                            .where(VisitRequest.requester_staff_id == clerk.id))  # fmt: skip
    assert requests == 1  # nothing is kept for the number without an account
    jars.be("resident")
    assert "工作人员按手机号登记上门服务申请" in (await apps.get("/me/data-use")).text
