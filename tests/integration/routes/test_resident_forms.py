"""The resident pages' typed forms (issue 15): missing or odd input is the page's business.

A field left out re-renders the form with its message, never a bare 400; a repeated field
(checkboxes) works with one box ticked as with several, although a url-encoded form sends
one value as a plain string.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.applications.case_models import Application, Rating, SubCase
from app.applications.context import CaseContext, Clock
from app.applications.review import ReviewDesk
from app.applications.states import Actor
from app.composition.runtime import Runtime
from tests.conftest import csrf_token, in_app, sign_in_as
from tests.integration.application_support import BUNDLE, CATALOG, new_phone
from tests.integration.applications.test_drafts import start
from tests.integration.routes.test_application_pages import _resident_with_draft, _submit

Client = AsyncTestClient[Litestar]


async def _post(client: Client, url: str, **data: Any) -> Any:
    return await client.post(url, data={"_csrf_token": await csrf_token(client), **data},
                             follow_redirects=False)  # fmt: skip


async def test_a_consent_posted_without_a_choice_shows_the_consent_page_again(
    client: Client,
) -> None:
    await sign_in_as(client, new_phone())
    draft = await start(client)
    answers = {"q.birth_certificate": "pending", "q.household": "local",
               "q.maternity_insurance": "yes"}  # fmt: skip
    assert (await _post(client, f"{draft}/questions", **answers)).status_code == 303
    await _post(client, f"{draft}/notice")
    refused = await _post(client, f"{draft}/consent")  # neither agree nor decline
    assert refused.status_code == 422, refused.text
    assert 'name="decision"' in refused.text


async def test_starting_a_draft_without_a_bundle_answers_as_for_an_unknown_one(
    client: Client,
) -> None:
    await sign_in_as(client, new_phone())
    missing = await _post(client, "/me/drafts")
    unknown = await _post(client, "/me/drafts", bundle="no-such-bundle")
    assert missing.status_code == unknown.status_code == 404, missing.text


async def test_an_upload_without_a_chosen_file_shows_the_materials_with_the_message(
    apps: Client,
) -> None:
    _, draft = await _resident_with_draft(apps, uploads=("birth-proof",))
    url = f"/me/drafts/{draft.id}/materials/photo"
    token = await csrf_token(apps)
    # What a browser sends when the file input is left empty: a part with no file name.
    empty = await apps.post(url, data={"_csrf_token": token},
                            files={"file": ("", b"", "application/octet-stream")})  # fmt: skip
    assert empty.status_code == 422, empty.text
    assert 'id="material-photo-file-error"' in empty.text


async def test_a_relative_named_with_one_service_and_one_action_ticked_is_not_a_400(
    apps: Client,
) -> None:
    await sign_in_as(apps, new_phone())
    named = await _post(apps, "/me/authorizations/relatives", phone=new_phone(), name="王小明",
                        bundles=BUNDLE, scopes="prepare", days="7")  # fmt: skip
    assert named.status_code == 303, named.text
    assert named.headers["location"] == "/me/authorizations?named=1"


async def test_a_relative_named_without_days_gets_the_days_message(apps: Client) -> None:
    await sign_in_as(apps, new_phone())
    refused = await _post(apps, "/me/authorizations/relatives", phone=new_phone(), name="王小明",
                          bundles=BUNDLE, scopes="prepare", days="")  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert 'id="days-error"' in refused.text


async def test_a_visit_request_with_one_need_and_nothing_else_keeps_the_need_ticked(
    apps: Client,
) -> None:
    await sign_in_as(apps, new_phone())
    refused = await _post(apps, "/me/visit-requests/new", needs="hearing")
    assert refused.status_code == 422, refused.text
    assert 'value="hearing" checked' in refused.text


async def _finish(client: Client, application_id: UUID) -> None:
    runtime: Runtime = client.app.state.runtime

    async def approve_every_matter() -> None:
        async with runtime.sessionmaker() as db, db.begin():
            ctx = CaseContext(db=db, catalog=CATALOG, protector=runtime.protector,
                              calendar=runtime.calendar, storage=runtime.storage,
                              rules=runtime.rules, clock=Clock(),
                              license_types=runtime.catalog.licenses)  # fmt: skip
            cases = await db.scalars(
                select(SubCase).where(SubCase.application_id == application_id)
            )
            for case in cases.all():
                application = await db.get(Application, application_id)
                if case.state == "in_review":
                    await ReviewDesk(ctx).approve(case, application, Actor.staff(UUID(int=2)))

    await in_app(client, approve_every_matter)


async def test_a_rating_with_one_tag_ticked_is_kept_with_that_tag(apps: Client) -> None:
    _, draft = await _resident_with_draft(apps)
    done, _ = await _submit(apps, draft)
    application_id = UUID(done.headers["location"][-36:])
    await _finish(apps, application_id)
    url = f"/me/applications/{application_id}"
    rated = await _post(apps, f"{url}/rating", stars="4", tags="fast", comment="")
    assert rated.status_code == 303, rated.text
    runtime: Runtime = apps.app.state.runtime

    async def rating() -> Rating | None:
        async with runtime.sessionmaker() as db:
            found: Rating | None = await db.scalar(
                select(Rating).where(Rating.application_id == application_id)
            )
            return found

    kept = await in_app(apps, rating)
    assert kept is not None
    assert (kept.stars, kept.tags) == (4, ["fast"])
