"""A home visit through the pages: a supervisor schedules, the worker proposes, the resident
confirms (a code, or signed in), the worker prepares and submits, the resident revokes."""

from __future__ import annotations

import re
from uuid import UUID, uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.applications.case_models import Application, ApplicationEvent
from app.applications.context import Clock
from app.applications.models import DraftUpload
from app.assist.idempotency import IdempotencyKeys
from app.composition.runtime import Runtime
from app.errors import BadRequest, Conflict, RuleViolation
from tests.conftest import csrf_token, forget_code_cooldown, in_app, latest_code, sign_in_as
from tests.integration.application_support import BUNDLE, PDF, new_phone
from tests.integration.cookie_jars import Jars
from tests.integration.cookie_jars import post_form as _post
from tests.integration.staff_support import create_staff, sign_in_staff

Client = AsyncTestClient[Litestar]
_UUID = "[0-9a-f-]{36}"


async def _visit_with_worker(apps: Client) -> tuple[Jars, str, str]:
    """A resident signed in, a worker signed in, and a visit today: (jars, visit url, phone)."""
    jars = Jars(apps)
    phone = new_phone()
    await sign_in_as(apps, phone)
    jars.keep("resident")
    apps.cookies.clear()
    supervisor = await create_staff(apps, role="supervisor")
    await sign_in_staff(apps, supervisor.username)
    worker = await create_staff(apps, role="field_worker")
    form = await apps.get("/staff/visits/new")
    assert form.status_code == 200
    scheduled = await _post(apps, "/staff/visits/new", phone=phone, worker_id=str(worker.id),
                            day=Clock().today().isoformat(), reason="elderly",
                            note="3楼, 听力不好")  # fmt: skip
    assert scheduled.status_code == 303, scheduled.text  # type: ignore[attr-defined]
    apps.cookies.clear()
    await sign_in_staff(apps, worker.username)
    jars.keep("worker")
    today = await apps.get("/staff/visits")
    assert f"{phone[:3]}****{phone[-4:]}" in today.text
    assert phone not in today.text
    found = re.search(rf'href="(/staff/visits/{_UUID})"', today.text)
    assert found, today.text
    return jars, found.group(1), phone


async def test_an_empty_schedule_form_re_renders_with_its_messages_not_a_400(
    apps: Client,
) -> None:
    supervisor = await create_staff(apps, role="supervisor")
    await sign_in_staff(apps, supervisor.username)
    empty = await _post(apps, "/staff/visits/new")
    assert empty.status_code == 422  # type: ignore[attr-defined]
    assert 'class="field-error"' in empty.text  # type: ignore[attr-defined]


async def _propose(apps: Client, visit: str, *scopes: str) -> str:
    proposed = await _post(apps, f"{visit}/authorizations", bundles=[BUNDLE], days="7",
                           scopes=list(scopes))  # fmt: skip
    assert proposed.status_code == 303, proposed.text  # type: ignore[attr-defined]
    page = await apps.get(visit)
    found = re.search(rf"/authorizations/({_UUID})/code", page.text)
    assert found, page.text
    return found.group(1)


async def _uploads(runtime: Runtime, draft_id: str) -> int:
    async with runtime.sessionmaker() as db:
        return len(list(await db.scalars(select(DraftUpload).where(
            DraftUpload.draft_id == UUID(draft_id)))))  # fmt: skip


async def test_a_full_visit_through_the_pages_ends_in_one_application_marked_on_behalf(
    apps: Client,
) -> None:
    jars, visit, phone = await _visit_with_worker(apps)
    await forget_code_cooldown(apps, phone)  # the resident signed in with a code moments ago
    page = await apps.get(visit)
    assert "3楼" in page.text
    refused = await _post(apps, f"{visit}/drafts", bundle=BUNDLE)
    assert refused.status_code == 404  # type: ignore[attr-defined]
    authorization = await _propose(apps, visit, "prepare", "submit", "view_results")
    sent = await _post(apps, f"{visit}/authorizations/{authorization}/code")
    assert sent.status_code == 200  # type: ignore[attr-defined]
    wrong = await _post(apps, f"{visit}/authorizations/{authorization}/confirm", code="000000x")
    assert wrong.status_code == 422  # type: ignore[attr-defined]
    code = await latest_code(apps)
    confirmed = await _post(apps, f"{visit}/authorizations/{authorization}/confirm", code=code)
    assert confirmed.status_code == 303  # type: ignore[attr-defined]

    started = await _post(apps, f"{visit}/drafts", bundle=BUNDLE)
    assert started.status_code == 303  # type: ignore[attr-defined]
    draft = started.headers["location"]  # type: ignore[attr-defined]
    assert (await _post(apps, f"{draft}/notice")).status_code == 303  # type: ignore[attr-defined]
    form = await apps.get(draft)
    assert 'name="applicant.name"' in form.text
    no_key = await _post(apps, f"{draft}/form", **{"applicant.name": "王奶奶"})
    assert no_key.status_code == 400  # type: ignore[attr-defined]
    values = {
        "applicant.name": "王奶奶",
        "child.name": "王小宝",
        "idempotency_key": "form-save-0001",
    }
    saved = await _post(apps, f"{draft}/form", **values)
    assert saved.status_code == 303  # type: ignore[attr-defined]
    other = await _post(apps, f"{draft}/form", **{**values, "applicant.name": "王爷爷"})
    assert other.status_code == 422  # type: ignore[attr-defined]
    token = await csrf_token(apps)
    for _ in range(2):  # the second is a replay after a lost connection: stored once
        photo = await apps.post(f"{draft}/materials/birth-proof",
                                data={"_csrf_token": token, "idempotency_key": "photo-0001"},
                                files={"file": ("proof.pdf", PDF, "application/pdf")},
                                follow_redirects=False)  # fmt: skip
        assert photo.status_code == 303, photo.text
    assert (await _post(apps, f"{draft}/materials")).status_code == 303  # type: ignore[attr-defined]
    review = await apps.get(draft)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review.text)
    assert key, review.text
    data = {"delivery": "electronic", "commitment": "yes", "idempotency_key": key.group(1)}
    assert (
        await _post(apps, f"{draft}/submit", **{**data, "idempotency_key": ""})
    ).status_code == 400  # type: ignore[attr-defined]
    first = await _post(apps, f"{draft}/submit", **data)
    again = await _post(apps, f"{draft}/submit", **data)  # the tablet replays after a lost line
    assert first.status_code == again.status_code == 303  # type: ignore[attr-defined]
    assert first.headers["location"] == again.headers["location"]  # type: ignore[attr-defined]
    receipt = await apps.get(first.headers["location"])  # type: ignore[attr-defined]
    assert 'class="card receipt"' in receipt.text
    assert re.search(r'<svg[^>]+role="img"', receipt.text), "the QR for the resident"
    elsewhere = await apps.get(f"{visit}?submitted=YJS-19990101-000001")
    assert 'class="card receipt"' not in elsewhere.text

    runtime: Runtime = apps.app.state.runtime

    async def stored() -> tuple[list[Application], ApplicationEvent | None]:
        async with runtime.sessionmaker() as db:
            draft_id = draft.rsplit("/", 1)[1]
            apps_ = list(await db.scalars(select(Application).where(
                Application.draft_id == draft_id)))  # fmt: skip
            event = await db.scalar(select(ApplicationEvent).where(
                ApplicationEvent.application_id == apps_[0].id,
                ApplicationEvent.action == "submit"))  # fmt: skip
            return apps_, event

    applications, event = await in_app(apps, stored)
    assert len(applications) == 1
    assert await in_app(apps, _uploads, runtime, draft.rsplit("/", 1)[1]) == 1
    assert applications[0].channel == "field"
    assert event is not None
    assert (event.actor_kind, event.on_behalf_of_kind) == ("staff", "person")

    jars.keep("worker")
    jars.be("resident")
    mine = await apps.get("/me/authorizations")
    assert mine.status_code == 200
    assert "Test Clerk" in mine.text
    draft_id = draft.rsplit("/", 1)[1]
    assert draft_id not in mine.text  # what was done, in words, not as the log's notes
    assert "提交了申请" in mine.text, mine.text
    revoked = await _post(apps, f"/me/authorizations/{authorization}/revoke")
    assert revoked.status_code == 303  # type: ignore[attr-defined]
    jars.be("worker")
    assert (await apps.get(draft)).status_code == 404  # the very next request
    assert (await _post(apps, f"{visit}/drafts", bundle=BUNDLE)).status_code == 404  # type: ignore[attr-defined]


async def test_the_resident_confirms_on_their_own_phone_and_another_workers_visit_is_404(
    apps: Client,
) -> None:
    jars, visit, _ = await _visit_with_worker(apps)
    authorization = await _propose(apps, visit, "prepare")
    jars.keep("worker")
    jars.be("resident")
    pending = await apps.get("/me/authorizations")
    assert f"/me/authorizations/{authorization}/confirm" in pending.text
    confirmed = await _post(apps, f"/me/authorizations/{authorization}/confirm")
    assert confirmed.status_code == 303  # type: ignore[attr-defined]
    again = await _post(apps, f"/me/authorizations/{authorization}/confirm")
    assert again.status_code == 409  # type: ignore[attr-defined]
    jars.be("worker")
    started = await _post(apps, f"{visit}/drafts", bundle=BUNDLE)
    assert started.status_code == 303  # type: ignore[attr-defined]
    draft = started.headers["location"]  # type: ignore[attr-defined]
    # prepare only: no submit
    refused = await _post(apps, f"{draft}/submit", delivery="electronic",
                          idempotency_key="abcdefgh12345678")  # fmt: skip
    assert refused.status_code == 404  # type: ignore[attr-defined]
    apps.cookies.clear()
    colleague = await create_staff(apps, role="field_worker")
    await sign_in_staff(apps, colleague.username)
    assert (await apps.get(visit)).status_code == 404
    assert (await apps.get(draft)).status_code == 404
    clerk = await create_staff(apps, role="window_clerk")
    apps.cookies.clear()
    await sign_in_staff(apps, clerk.username)
    assert (await apps.get("/staff/visits")).status_code in (403, 404)
    jars.be("resident")
    as_resident = await apps.get(visit, follow_redirects=False)  # sent to the staff sign-in
    assert as_resident.status_code in (302, 303, 401)


async def test_a_key_still_in_use_answers_409_and_a_finished_one_its_stored_answer(
    apps: Client,
) -> None:
    keys = IdempotencyKeys(apps.app.state.runtime.redis)
    scope = f"test:{uuid4()}"
    assert await in_app(apps, keys.claim, scope, "replay-0001", "body") is None
    with pytest.raises(Conflict):
        await in_app(apps, keys.claim, scope, "replay-0001", "body")
    with pytest.raises(RuleViolation):
        await in_app(apps, keys.claim, scope, "replay-0001", "other body")
    await in_app(apps, keys.finish, scope, "replay-0001", "body", "/staff/visits")
    assert await in_app(apps, keys.claim, scope, "replay-0001", "body") == "/staff/visits"
    with pytest.raises(BadRequest):
        await in_app(apps, keys.claim, scope, "", "body")


async def test_the_tablet_keeps_todays_visits_and_their_drafts_for_offline_use(
    apps: Client,
) -> None:
    worker_script = await apps.get("/staff/tablet-sw.js")  # public: the browser asks alone
    assert worker_script.status_code == 200
    assert worker_script.headers["content-type"].startswith("text/javascript")
    assert worker_script.headers["cache-control"] == "no-cache"
    assert 'addEventListener("fetch"' in worker_script.text
    jars, visit, _ = await _visit_with_worker(apps)
    authorization = await _propose(apps, visit, "prepare")
    jars.keep("worker")
    jars.be("resident")
    await _post(apps, f"/me/authorizations/{authorization}/confirm")
    jars.be("worker")
    started = await _post(apps, f"{visit}/drafts", bundle=BUNDLE)
    draft = started.headers["location"]  # type: ignore[attr-defined]
    today = await apps.get("/staff/visits")
    keep = re.search(r'data-keep="([^"]*)"', today.text)
    assert keep, today.text
    assert keep.group(1).split() == [visit, draft]
    assert 'data-worker="/staff/tablet-sw.js"' in today.text
    assert (await apps.get("/staff/visits/offline")).status_code == 200
    page = await apps.get(draft)
    assert '<div class="tablet" hx-boost="false">' in page.text  # whole pages, kept offline
    jars.be("resident")
    assert (await apps.get("/staff/visits/offline", follow_redirects=False)).status_code != 200
