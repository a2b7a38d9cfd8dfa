"""The tablet's page of a visit that came from a request: its address, and "visited"."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from app.assist.models import HomeVisit
from app.composition.runtime import Runtime
from app.notices.models import Notice
from tests.integration.application_support import BUNDLE
from tests.integration.assist.test_visit_requests import (
    AREA,
    TODAY,
    Client,
    Jars,
    _form,
    _post,
    _requests_about,
    _resident,
    _run,
    _supervisor,
    _worker,
)
from tests.integration.staff_support import sign_in_staff


async def _assigned_visit(apps: Client, jars: Jars) -> tuple[dict[str, Any], Any]:
    """A resident's request, assigned for today to a worker signed in as "worker"."""
    _, person = await _resident(apps, jars, "resident")
    form = _form()
    assert (await _post(apps, "/me/visit-requests/new", **form)).status_code == 303
    jars.be("worker")
    worker = await _worker(apps, AREA, name=f"李师傅{uuid.uuid4().hex[:4]}")
    await sign_in_staff(apps, worker.username)
    jars.keep("worker")
    jars.be("other")
    other = await _worker(apps, AREA, name=f"张师傅{uuid.uuid4().hex[:4]}")
    await sign_in_staff(apps, other.username)
    jars.keep("other")
    await _supervisor(apps, jars)
    [request] = await _requests_about(apps, person.id)
    assigned = await _post(apps, f"/staff/visit-requests/{request.id}/assign",
                           worker_id=str(worker.id), day=TODAY.isoformat(), slot="am")  # fmt: skip
    assert assigned.status_code == 303, assigned.text
    [request] = await _requests_about(apps, person.id)
    return form, request


async def _notice_count(apps: Client) -> int:
    async def count(db: Any, _: Runtime) -> int:
        return int(await db.scalar(select(func.count()).select_from(Notice)) or 0)

    return await _run(apps, count)  # type: ignore[no-any-return]


async def _visit_status(apps: Client, visit_id: Any) -> str:
    async def find(db: Any, _: Runtime) -> str:
        visit = await db.get(HomeVisit, visit_id)
        return str(visit.status)

    return await _run(apps, find)  # type: ignore[no-any-return]


async def test_the_assigned_worker_sees_the_address_and_marks_the_visit_done(
    apps: Client,
) -> None:
    jars = Jars(apps)
    form, request = await _assigned_visit(apps, jars)
    page_url = f"/staff/visits/{request.visit_id}"

    jars.be("worker")
    page = await apps.get(page_url)
    assert page.status_code == 200
    assert form["address"] in page.text  # in clear, for the assigned worker
    assert f'action="{page_url}/visited"' in page.text
    before = await _notice_count(apps)
    done = await _post(apps, f"{page_url}/visited")
    assert (done.status_code, done.headers["location"]) == (303, page_url)
    [closed] = await _requests_about(apps, request.person_id)
    assert closed.status == "visited"
    assert await _visit_status(apps, request.visit_id) == "done"
    assert await _notice_count(apps) == before  # as the supervisor's "visited": no notice
    after = await apps.get(page_url)
    assert f'action="{page_url}/visited"' not in after.text
    assert "Visited" in after.text or "已上门" in after.text
    again = await _post(apps, f"{page_url}/visited")  # nothing left to close: the same page
    assert again.status_code == 303


async def test_another_worker_neither_sees_the_address_nor_marks_the_visit(apps: Client) -> None:
    jars = Jars(apps)
    form, request = await _assigned_visit(apps, jars)
    page_url = f"/staff/visits/{request.visit_id}"

    jars.be("other")
    assert (await apps.get(page_url)).status_code == 404
    refused = await _post(apps, f"{page_url}/visited")
    assert refused.status_code == 404
    assert form["address"] not in refused.text
    [same] = await _requests_about(apps, request.person_id)
    assert same.status == "assigned"
    assert await _visit_status(apps, request.visit_id) == "scheduled"


async def test_the_tablet_says_the_resident_has_yet_to_confirm(apps: Client) -> None:
    jars = Jars(apps)
    _, request = await _assigned_visit(apps, jars)
    page_url = f"/staff/visits/{request.visit_id}"

    jars.be("worker")
    proposed = await _post(apps, f"{page_url}/authorizations", bundles=BUNDLE,
                           scopes="prepare", days="7")  # fmt: skip
    assert proposed.status_code == 303, proposed.text
    page = await apps.get(page_url)
    assert "Waiting for the resident to confirm" in page.text or "等待居民确认" in page.text
    assert "Waiting for your confirmation" not in page.text
    assert "等待您确认" not in page.text
