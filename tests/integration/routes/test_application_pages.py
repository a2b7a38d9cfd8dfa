"""Applications through the pages and the mini-program API, against the real app."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.applications.case_models import Application
from app.applications.context import Clock
from app.applications.models import Draft
from app.applications.supervision import sweep
from app.composition.runtime import Runtime
from tests.conftest import csrf_token, forget_code_cooldown, in_app, latest_code, sign_in_as
from tests.integration.application_support import Desk, assert_downloaded, new_phone
from tests.integration.staff_support import create_staff, sign_in_staff

_KEY = re.compile(r'name="idempotency_key" value="([0-9a-f]+)"')


def _desk(client: AsyncTestClient[Litestar]) -> Desk:
    runtime: Runtime = client.app.state.runtime
    return Desk(
        runtime.sessionmaker, runtime.protector, runtime.settings.var_dir / "files", Clock()
    )


async def _resident_with_draft(
    client: AsyncTestClient[Litestar], uploads: tuple[str, ...] = ("birth-proof", "photo")
) -> tuple[str, Draft]:
    """A signed-in resident and their draft at its review."""
    phone = new_phone()
    await sign_in_as(client, phone)
    desk = _desk(client)
    person = await in_app(client, desk.person, phone)

    async def make() -> Draft:
        return await desk.draft(person, uploads=uploads)

    return phone, await in_app(client, make)


async def _submit(
    client: AsyncTestClient[Litestar], draft: Draft, **fields: str
) -> tuple[Any, str]:
    review = await client.get(f"/me/drafts/{draft.id}/review")
    assert review.status_code == 200, review.text
    found = _KEY.search(review.text)
    assert found, review.text
    data = {
        "draft_id": str(draft.id),
        "idempotency_key": found.group(1),
        "delivery": "electronic",
        "_csrf_token": await csrf_token(client),
        **fields,
    }
    return await client.post("/me/applications", data=data, follow_redirects=False), found.group(1)


async def _count(client: AsyncTestClient[Litestar], draft: Draft) -> int:
    runtime: Runtime = client.app.state.runtime

    async def count() -> int:
        async with runtime.sessionmaker() as db:
            query = select(func.count()).select_from(Application)
            return int(await db.scalar(query.where(Application.draft_id == draft.id)) or 0)

    return await in_app(client, count)


async def test_a_resident_submits_once_from_the_review_and_follows_each_item(
    apps: AsyncTestClient[Litestar],
) -> None:
    _, draft = await _resident_with_draft(apps)
    first, key = await _submit(apps, draft)
    assert first.status_code == 303, first.text
    location = first.headers["location"]
    assert location.startswith("/me/applications/")

    again = await apps.post("/me/applications", follow_redirects=False, data={
        "draft_id": str(draft.id), "idempotency_key": key, "delivery": "electronic",
        "_csrf_token": await csrf_token(apps)})  # fmt: skip
    assert again.headers["location"] == location
    assert await _count(apps, draft) == 1

    page = await apps.get(location)
    assert page.status_code == 200
    assert "YJS-" in page.text
    assert "Item certificate" in page.text or "事项certificate" in page.text
    listing = await apps.get("/me/applications")
    assert location in listing.text


async def test_a_submitted_drafts_pages_and_a_second_tab_lead_to_its_application(
    apps: AsyncTestClient[Litestar],
) -> None:
    _, draft = await _resident_with_draft(apps)
    second_tab = await apps.get(f"/me/drafts/{draft.id}/review")  # open beside the first
    first, _ = await _submit(apps, draft)
    application = first.headers["location"]
    # The review left open, the browser's Back button, any step of the draft: the application.
    for step in ("review", "form", "materials", ""):
        found = await apps.get(f"/me/drafts/{draft.id}/{step}".rstrip("/"), follow_redirects=False)
        assert found.status_code == 303, (step, found.status_code)
        assert found.headers["location"] == f"{application}?submitted=1"
    page = await apps.get(f"{application}?submitted=1")
    assert "已经提交" in page.text
    # An autosave still under way moves the whole page there.
    token = await csrf_token(apps)
    autosave = await apps.post(f"/me/drafts/{draft.id}/autosave", data={"_csrf_token": token},
                               headers={"HX-Request": "true"})  # fmt: skip
    assert autosave.headers.get("hx-redirect") == f"{application}?submitted=1"
    # "Submit" in the second tab (its own key): the same application, not a bare 409.
    key = _KEY.search(second_tab.text)
    assert key
    again = await apps.post("/me/applications", follow_redirects=False, data={
        "draft_id": str(draft.id), "idempotency_key": key.group(1), "delivery": "electronic",
        "_csrf_token": token})  # fmt: skip
    assert again.status_code == 303, again.text
    assert again.headers["location"] == f"{application}?submitted=1"
    assert await _count(apps, draft) == 1


async def test_a_bad_submission_shows_the_review_again_and_creates_nothing(
    apps: AsyncTestClient[Litestar],
) -> None:
    _, draft = await _resident_with_draft(apps, uploads=("birth-proof",))
    refused, _ = await _submit(apps, draft, delivery="mail")  # no address, no commitment
    assert refused.status_code == 422
    assert 'id="address-error"' in refused.text
    assert 'id="commitment-error"' in refused.text
    assert await _count(apps, draft) == 0


async def test_another_persons_application_answers_404(apps: AsyncTestClient[Litestar]) -> None:
    _, draft = await _resident_with_draft(apps)
    done, _ = await _submit(apps, draft)
    location = done.headers["location"]
    await sign_in_as(apps, new_phone())
    assert (await apps.get(location)).status_code == 404
    withdraw = await apps.post(f"{location}/withdraw", data={"_csrf_token": await csrf_token(apps)})
    assert withdraw.status_code == 404


async def test_the_window_accepts_on_commitment_and_the_department_reviews_with_the_files(
    apps: AsyncTestClient[Litestar],
) -> None:
    _, draft = await _resident_with_draft(apps, uploads=("birth-proof",))
    done, _ = await _submit(apps, draft, commitment="yes")
    application_id = UUID(done.headers["location"].rsplit("/", 1)[1])
    mine = await apps.get(f"/me/applications/{application_id}")
    own_file = re.search(rf'href="(/me/applications/{application_id}/uploads/[0-9a-f-]{{36}})"',
                         mine.text)  # fmt: skip
    assert own_file, mine.text
    assert_downloaded(await apps.get(own_file.group(1)))

    clerk = await create_staff(apps, role="window_clerk")
    await sign_in_staff(apps, clerk.username)
    queue = await apps.get("/staff/window")
    assert f"/staff/window/{application_id}" in queue.text
    window = await apps.get(f"/staff/window/{application_id}")
    assert window.status_code == 200
    window_file = re.search(r'href="(/staff/window/[0-9a-f-]{36}/uploads/[0-9a-f-]{36})"',
                            window.text)  # fmt: skip
    assert window_file, window.text
    assert_downloaded(await apps.get(window_file.group(1)))
    token = await csrf_token(apps)
    empty = await apps.post(f"/staff/window/{application_id}/return",
                            data={"reasons": " ", "_csrf_token": token})  # fmt: skip
    assert empty.status_code == 422
    accepted = await apps.post(f"/staff/window/{application_id}/accept-on-commitment",
                               data={"_csrf_token": token}, follow_redirects=False)  # fmt: skip
    assert accepted.status_code == 303

    other = await create_staff(apps, role="reviewer", department_code="public-security")
    await sign_in_staff(apps, other.username)
    assert str(application_id) not in (await apps.get("/staff/review")).text

    reviewer = await create_staff(apps, role="reviewer", department_code="health")
    await sign_in_staff(apps, reviewer.username)
    queue = await apps.get("/staff/review")
    number = await in_app(apps, _number_of, apps.app.state.runtime, application_id)
    found = re.search(rf'href="/staff/review/([0-9a-f-]{{36}})">{number}<', queue.text)
    assert found, queue.text
    case = await apps.get(f"/staff/review/{found.group(1)}")
    assert case.status_code == 200
    upload = re.search(r'href="(/staff/review/[0-9a-f-]{36}/uploads/[0-9a-f-]{36})"', case.text)
    assert upload, case.text
    file = await apps.get(upload.group(1))
    assert_downloaded(file)
    assert file.content.startswith(b"%PDF")
    approved = await apps.post(f"/staff/review/{found.group(1)}/approve",
                               data={"_csrf_token": await csrf_token(apps)},
                               follow_redirects=False)  # fmt: skip
    assert approved.status_code == 303

    await sign_in_staff(apps, other.username, steps_ahead=1)  # a TOTP code is used once
    assert (await apps.get(f"/staff/review/{found.group(1)}")).status_code == 404


async def test_a_resident_withdraws_before_acceptance(apps: AsyncTestClient[Litestar]) -> None:
    _, draft = await _resident_with_draft(apps, uploads=("birth-proof",))
    done, _ = await _submit(apps, draft, commitment="yes")
    location = done.headers["location"]
    token = {"_csrf_token": await csrf_token(apps)}
    withdrawn = await apps.post(f"{location}/withdraw", data=token, follow_redirects=False)
    assert withdrawn.status_code == 303
    again = await apps.post(f"{location}/withdraw", data={"_csrf_token": await csrf_token(apps)})
    assert again.status_code == 409


async def test_a_supervisor_sees_the_cards_a_sweep_raised(apps: AsyncTestClient[Litestar]) -> None:
    _, draft = await _resident_with_draft(apps)
    done, _ = await _submit(apps, draft)
    runtime: Runtime = apps.app.state.runtime

    async def sweep_far_ahead() -> None:
        from datetime import date

        from app.applications.context import CaseContext
        from tests.integration.application_support import CATALOG, at

        async with runtime.sessionmaker() as db, db.begin():
            ctx = CaseContext(db=db, catalog=CATALOG, protector=runtime.protector,
                              calendar=runtime.calendar, storage=runtime.storage,
                              rules=runtime.rules, clock=Clock(at(date(2027, 6, 1))))  # fmt: skip
            await sweep(ctx)

    await in_app(apps, sweep_far_ahead)
    supervisor = await create_staff(apps, role="supervisor")
    await sign_in_staff(apps, supervisor.username)
    board = await apps.get("/staff/supervision")
    assert board.status_code == 200
    number = await in_app(apps, _number_of, runtime, UUID(done.headers["location"][-36:]))
    assert number in board.text
    assert 'class="card-red"' in board.text


async def _number_of(runtime: Runtime, application_id: UUID) -> str:
    async with runtime.sessionmaker() as db:
        application = await db.get(Application, application_id)
        assert application is not None
        return application.number


async def test_the_api_submits_once_per_idempotency_key(apps: AsyncTestClient[Litestar]) -> None:
    phone, draft = await _resident_with_draft(apps)
    await forget_code_cooldown(apps, phone)  # the web sign-in just sent one
    sent = await apps.post("/mp/v1/auth/sms-codes", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    tokens = await apps.post("/mp/v1/auth/sms", json={"phone": phone,
                                                      "code": await latest_code(apps)})  # fmt: skip
    bearer = {"Authorization": f"Bearer {tokens.json()['tokens']['accessToken']}"}
    body = {"draftId": str(draft.id), "delivery": "electronic"}

    missing = await apps.post("/mp/v1/applications", json=body, headers=bearer)
    assert missing.status_code == 400
    headers = {**bearer, "Idempotency-Key": "mp-key-000001"}
    first = await apps.post("/mp/v1/applications", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = await apps.post("/mp/v1/applications", json=body, headers=headers)
    assert again.json()["id"] == first.json()["id"]
    other = await apps.post("/mp/v1/applications", json={**body, "commitment": True},
                            headers=headers)  # fmt: skip
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    # Another key for the same draft (a second device): 409, naming the application made.
    twice = await apps.post("/mp/v1/applications", json=body,
                            headers={**bearer, "Idempotency-Key": "mp-key-000002"})  # fmt: skip
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_submitted"
    assert twice.json()["applicationId"] == first.json()["id"]
    gone = await apps.get(f"/mp/v1/drafts/{draft.id}", headers=bearer)
    assert gone.status_code == 404
    assert gone.json()["applicationId"] == first.json()["id"]
    one = await apps.get(f"/mp/v1/applications/{first.json()['id']}", headers=bearer)
    assert {c["matterCode"] for c in one.json()["subCases"]} == {
        "certificate",
        "household",
        "insurance",
        "card",
    }
    assert await _count(apps, draft) == 1


_STAR_ROW = re.compile(r'<tr><th scope="row">([1-5])</th><td>(\d+)</td></tr>')
_WEEK_TOTAL = re.compile(
    r'<tr><th scope="row">(\d{4}-\d\d-\d\d)</th>(?:<td>\d+</td>)*<td>(\d+)</td></tr>'
)


async def test_the_supervision_page_draws_the_figures_as_svg_with_their_tables(
    apps: AsyncTestClient[Litestar],
) -> None:
    _, draft = await _resident_with_draft(apps)
    await _submit(apps, draft)
    runtime: Runtime = apps.app.state.runtime

    async def current() -> Any:
        from app.applications.context import CaseContext
        from app.applications.dashboard import figures

        async with runtime.sessionmaker() as db:
            ctx = CaseContext(db=db, catalog=runtime.catalog.catalog, protector=runtime.protector,
                              calendar=runtime.calendar, storage=runtime.storage)  # fmt: skip
            return await figures(ctx, 4)

    supervisor = await create_staff(apps, role="supervisor")
    await sign_in_staff(apps, supervisor.username)
    page = await apps.get("/staff/supervision", params={"weeks": "4"})
    assert page.status_code == 200
    expected = await in_app(apps, current)
    for chart in ("chart-volumes", "chart-stars"):
        assert (
            f'<svg class="chart" role="img" aria-labelledby="{chart}-title {chart}-desc"'
            in page.text
        )
        assert f'<title id="{chart}-title">' in page.text
    weeks = dict(_WEEK_TOTAL.findall(page.text))
    assert weeks == {v.start.isoformat(): str(v.total) for v in expected.volumes}
    assert int(weeks[expected.volumes[-1].start.isoformat()]) >= 1  # the one just submitted
    stars_table = page.text.split('id="table-stars"', 1)[1].split("</table>", 1)[0]
    assert [int(n) for _, n in _STAR_ROW.findall(stars_table)] == expected.stars
    assert '<option value="4" selected>' in page.text
    assert page.text.count('<svg class="chart"') == 2 + (expected.handling != []) + (
        expected.on_time != []
    )


async def test_an_overdue_complaint_is_flagged_to_supervisors_and_shown_to_the_applicant(
    apps: AsyncTestClient[Litestar],
) -> None:
    from datetime import date

    from app.applications.case_models import SubCase
    from app.applications.context import CaseContext
    from app.applications.ratings import Ratings
    from app.applications.review import ReviewDesk
    from app.applications.states import Actor
    from app.applications.supervision import board
    from tests.integration.application_support import CATALOG, at

    _phone, draft = await _resident_with_draft(apps)
    done, _ = await _submit(apps, draft)
    application_id = UUID(done.headers["location"][-36:])
    runtime: Runtime = apps.app.state.runtime

    def context(db: Any, day: date | None = None) -> CaseContext:
        return CaseContext(db=db, catalog=CATALOG, protector=runtime.protector,
                           calendar=runtime.calendar, storage=runtime.storage, rules=runtime.rules,
                           clock=Clock(at(day)) if day else Clock(),
                           license_types=runtime.catalog.licenses)  # fmt: skip

    async def finish_rate_and_sweep_later() -> None:
        for matter in ("certificate", "household", "insurance", "card"):
            async with runtime.sessionmaker() as db, db.begin():
                ctx = context(db)
                application = await db.get(Application, application_id)
                case = await db.scalar(
                    select(SubCase).where(SubCase.application_id == application_id,
                                          SubCase.matter_code == matter)
                )  # fmt: skip
                if case is not None and case.state == "in_review":
                    await ReviewDesk(ctx).approve(case, application, Actor.staff(UUID(int=2)))
        async with runtime.sessionmaker() as db, db.begin():
            application = await db.get(Application, application_id)
            assert application is not None
            assert application.state == "finished"
            await Ratings(context(db)).rate(application, application.person_id, 1, [], "")
        async with runtime.sessionmaker() as db, db.begin():
            await sweep(context(db, date(2027, 6, 1)))
            assert (await board(context(db))).overdue_complaints >= 1

    await in_app(apps, finish_rate_and_sweep_later)
    mine = await apps.get(f"/me/applications/{application_id}")
    assert mine.status_code == 200
    assert "督办人员已收到提醒" in mine.text or "supervisors have been alerted" in mine.text

    supervisor = await create_staff(apps, role="supervisor")
    await sign_in_staff(apps, supervisor.username)
    page = await apps.get("/staff/supervision")
    assert page.status_code == 200
    assert 'class="notice overdue" role="status"' in page.text
    number = await in_app(apps, _number_of, runtime, application_id)
    flagged = page.text.split(number, 1)[0].rsplit("<form", 1)[1]
    assert 'class="overdue"' in flagged


async def test_an_item_suspended_by_a_lapse_tells_the_applicant_it_resumes_with_the_materials(
    apps: AsyncTestClient[Litestar],
) -> None:
    from datetime import date

    from app.applications.acceptance import WindowDesk
    from app.applications.context import CaseContext
    from app.applications.states import Actor
    from tests.integration.application_support import CATALOG, at

    _, draft = await _resident_with_draft(apps, uploads=("birth-proof",))
    done, _ = await _submit(apps, draft, commitment="yes")
    application_id = UUID(done.headers["location"][-36:])
    runtime: Runtime = apps.app.state.runtime

    async def accept_then_lapse() -> None:
        for clock in (Clock(), Clock(at(date(2027, 6, 1)))):
            async with runtime.sessionmaker() as db, db.begin():
                ctx = CaseContext(db=db, catalog=CATALOG, protector=runtime.protector,
                                  calendar=runtime.calendar, storage=runtime.storage,
                                  rules=runtime.rules, clock=clock)  # fmt: skip
                if clock.fixed is None:
                    window = WindowDesk(ctx)
                    application = await window.get(application_id)
                    await window.accept_on_commitment(application, Actor.staff(UUID(int=1)))
                else:
                    await sweep(ctx)

    await in_app(apps, accept_then_lapse)
    page = await apps.get(f"/me/applications/{application_id}")
    assert page.status_code == 200
    assert "补交后本事项将按剩余工作日继续办理" in page.text  # the suspension's reason
    assert "承诺的材料上传后，本事项将自动恢复办理" in page.text
    assert page.text.count("/supplement") == 0  # no "send the supplement" for it

    async def insurance_case() -> UUID:
        from app.applications.case_models import SubCase

        async with runtime.sessionmaker() as db:
            case = await db.scalar(
                select(SubCase).where(SubCase.application_id == application_id,
                                      SubCase.matter_code == "insurance")
            )  # fmt: skip
            assert case is not None
            return case.id

    reviewer = await create_staff(apps, role="reviewer", department_code="medical-insurance")
    await sign_in_staff(apps, reviewer.username)
    case_id = await in_app(apps, insurance_case)
    review = await apps.get(f"/staff/review/{case_id}")
    assert review.status_code == 200
    assert f'action="/staff/review/{case_id}/reject"' in review.text  # it may be ended
    assert f"/staff/review/{case_id}/approve" not in review.text
