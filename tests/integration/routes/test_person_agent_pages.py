"""A relative acting for a resident through the resident's own pages: named on 我的授权,
chosen on /me/acting-for, every step checked on its request, revocation effective at once."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from app.applications.case_models import Application
from app.applications.context import Clock
from app.applications.models import Draft
from app.assist.models import Authorization
from app.composition.runtime import Runtime
from app.identity.models import Person
from tests.conftest import csrf_token, in_app, sign_in_as
from tests.integration.application_support import BUNDLE, PDF, Desk, assert_downloaded, new_phone
from tests.integration.staff_support import create_staff, sign_in_staff

Client = AsyncTestClient[Litestar]
_KEY = re.compile(r'name="idempotency_key" value="([0-9a-f]+)"')


class Jars:
    """One cookie jar per person on one test client."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.saved: dict[str, dict[str, str]] = {}

    async def sign_in(self, who: str, phone: str, name: str) -> Person:
        self.client.cookies.clear()
        await sign_in_as(self.client, phone)
        self.saved[who] = dict(self.client.cookies)
        runtime: Runtime = self.client.app.state.runtime

        async def named() -> Person:
            async with runtime.sessionmaker() as db, db.begin():
                person = await db.scalar(
                    select(Person).where(
                        Person.phone_index == runtime.protector.blind_index(phone, _phone_kind())
                    )
                )
                assert person is not None
                await db.execute(update(Person).where(Person.id == person.id)
                                 .values(real_name=name))  # fmt: skip
                return person

        return await in_app(self.client, named)

    def be(self, who: str) -> None:
        self.client.cookies.clear()
        self.client.cookies.update(self.saved[who])


def _phone_kind() -> Any:
    from app.protection import SensitiveKind

    return SensitiveKind.PHONE


async def _post(client: Client, url: str, **data: object) -> Any:
    return await client.post(url, data={"_csrf_token": await csrf_token(client), **data},
                             follow_redirects=False)  # fmt: skip


async def _db(client: Client, fn: Any) -> Any:
    runtime: Runtime = client.app.state.runtime

    async def run() -> Any:
        async with runtime.sessionmaker() as db:
            return await fn(db)

    return await in_app(client, run)


async def _draft(client: Client, person: Person) -> Draft:
    runtime: Runtime = client.app.state.runtime
    desk = Desk(runtime.sessionmaker, runtime.protector, runtime.settings.var_dir / "files",
                Clock())  # fmt: skip

    async def make() -> Draft:
        return await desk.draft(person)

    return await in_app(client, make)


async def test_a_relative_acts_for_a_resident_through_the_resident_pages(apps: Client) -> None:
    jars = Jars(apps)
    principal_phone, relative_phone, stranger_phone = new_phone(), new_phone(), new_phone()
    principal = await jars.sign_in("principal", principal_phone, "王奶奶")
    relative = await jars.sign_in("relative", relative_phone, "王小明")
    stranger = await jars.sign_in("stranger", stranger_phone, "王小红")
    draft = await _draft(apps, principal)

    # The principal names the relative; a wrong name answers exactly the same.
    jars.be("principal")
    page = await apps.get("/me/authorizations")
    assert 'action="/me/authorizations/relatives"' in page.text
    scope = {"bundles": [BUNDLE], "scopes": ["prepare", "submit", "view_results"], "days": "7"}
    wrong = await _post(apps, "/me/authorizations/relatives", phone=relative_phone,
                        name="王大明", **scope)  # fmt: skip
    named = await _post(apps, "/me/authorizations/relatives", phone=relative_phone,
                        name="王小明", **scope)  # fmt: skip
    assert wrong.status_code == named.status_code == 303
    assert wrong.headers["location"] == named.headers["location"]

    # Somebody else cannot choose to act for the principal.
    jars.be("stranger")
    refused = await _post(apps, "/me/acting-for/switch", principal=str(principal.id))
    assert refused.status_code == 404

    # The relative chooses the principal and works in the principal's own pages.
    jars.be("relative")
    mine = await apps.get("/me/acting-for")
    assert "王奶奶" in mine.text
    chosen = await _post(apps, "/me/acting-for/switch", principal=str(principal.id))
    assert chosen.status_code == 303
    listed = await apps.get("/me/drafts")
    assert str(draft.id) in listed.text
    assert "王奶奶" in listed.text  # the header says whom they act for
    review = await apps.get(f"/me/drafts/{draft.id}/review")
    assert review.status_code == 200
    key = _KEY.search(review.text)
    assert key, review.text
    submitted = await _post(apps, "/me/applications", draft_id=str(draft.id),
                            idempotency_key=key.group(1), delivery="electronic")  # fmt: skip
    assert submitted.status_code == 303, submitted.text
    url = submitted.headers["location"]
    shown = await apps.get(url)
    assert shown.status_code == 200
    assert "王小明" in shown.text  # the history names the agent who submitted for her
    application_id = UUID(url.rsplit("/", 1)[-1])

    async def stored(db: Any) -> tuple[str, UUID, str]:
        found = await db.get(Application, application_id)
        return found.acted_by_kind, found.acted_by_id, found.acting

    assert await _db(apps, stored) == ("person", relative.id, "delegate")
    second = await _draft(apps, principal)  # a new draft of the bundle, after the submission

    # The principal sees the acts and revokes; the relative's very next request is refused.
    jars.be("principal")
    history = await apps.get("/me/authorizations")
    assert "王小明" in history.text

    async def authorization(db: Any) -> UUID:
        found = await db.scalar(select(Authorization.id).where(
            Authorization.person_id == principal.id,
            Authorization.agent_person_id == relative.id))  # fmt: skip
        assert found is not None
        return UUID(str(found))

    revoked = await _post(apps, f"/me/authorizations/{await _db(apps, authorization)}/revoke")
    assert revoked.status_code == 303
    jars.be("relative")
    assert (await apps.get(url)).status_code == 404
    assert (await apps.get(f"/me/drafts/{second.id}/review")).status_code == 404
    back = await apps.get("/me/acting-for")
    assert 'name="principal" value=""' not in back.text  # no "back to myself": already

    # A narrower grant: following applications, not preparing them.
    jars.be("principal")
    await _post(apps, "/me/authorizations/relatives", phone=relative_phone, name="王小明",
                bundles=[BUNDLE], scopes=["view_results"], days="7")  # fmt: skip
    jars.be("relative")
    assert (
        await _post(apps, "/me/acting-for/switch", principal=str(principal.id))
    ).status_code == 303
    assert (await apps.get(url)).status_code == 200
    assert (await apps.get(f"/me/drafts/{second.id}/review")).status_code == 404
    assert str(second.id) not in (await apps.get("/me/drafts")).text
    assert stranger.id != relative.id


async def test_court_documents_wait_for_a_clerk_and_other_roles_get_404(apps: Client) -> None:
    jars = Jars(apps)
    guardian_phone, ward_phone = new_phone(), new_phone()
    await jars.sign_in("ward", ward_phone, "吴先生")
    await jars.sign_in("guardian", guardian_phone, "吴监护")
    token = await csrf_token(apps)
    sent = await apps.post(
        "/me/guardianships/court",
        data={"_csrf_token": token, "phone": ward_phone, "name": "吴先生"},
        files={"document": ("判决书.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == "/me/acting-for?done=court"
    page = await apps.get("/me/acting-for?done=court")
    assert "吴先生" in page.text  # listed, waiting for a check

    apps.cookies.clear()
    worker = await create_staff(apps, role="field_worker")
    await sign_in_staff(apps, worker.username)
    assert (await apps.get("/staff/guardianships")).status_code == 404
    apps.cookies.clear()
    clerk = await create_staff(apps, role="window_clerk")
    await sign_in_staff(apps, clerk.username)
    waiting = await apps.get("/staff/guardianships")
    assert waiting.status_code == 200
    found = re.search(r"/staff/guardianships/([0-9a-f-]{36})/document", waiting.text)
    assert found, waiting.text
    document = await apps.get(found.group(0))
    assert_downloaded(document)
    assert document.content.startswith(b"%PDF")
    confirmed = await _post(apps, f"/staff/guardianships/{found.group(1)}/confirm")
    assert confirmed.status_code == 303

    jars.be("guardian")
    chosen = await _post(apps, "/me/acting-for/switch", principal=str(
        await _db(apps, lambda db: _ward_id(db, found.group(1)))))  # fmt: skip
    assert chosen.status_code == 303


async def _ward_id(db: Any, authorization_id: str) -> UUID:
    found = await db.get(Authorization, UUID(authorization_id))
    return UUID(str(found.person_id))


async def test_naming_relatives_is_limited_per_person_and_day(apps: Client) -> None:
    """Grants list only matches on the principal's page: naming many people is bounded."""
    jars = Jars(apps)
    await jars.sign_in("principal", new_phone(), "李奶奶")
    jars.be("principal")
    scope = {"bundles": [BUNDLE], "scopes": ["prepare"], "days": "7"}
    answers = [
        await _post(apps, "/me/authorizations/relatives", phone=new_phone(), name="李某", **scope)
        for _ in range(11)
    ]
    assert [a.status_code for a in answers[:10]] == [303] * 10
    assert answers[10].status_code == 429
    assert "retry-after" in answers[10].headers
    asked = await _post(apps, "/me/acting-for/ask", phone=new_phone(), name="李某", **scope)
    assert asked.status_code == 429  # asking counts against the same limit


async def test_a_naming_without_services_is_sent_back_with_its_messages(apps: Client) -> None:
    jars = Jars(apps)
    await jars.sign_in("principal", new_phone(), "周奶奶")
    jars.be("principal")
    for url, form_id in (
        ("/me/authorizations/relatives", "relative"),
        ("/me/acting-for/ask", "ask"),
    ):
        page = await _post(apps, url, phone=new_phone(), name="周某", days="7")
        assert page.status_code == 422
        assert 'id="bundles-error"' in page.text
        assert f'id="{form_id}-name"' in page.text  # the same form, re-rendered in its place
