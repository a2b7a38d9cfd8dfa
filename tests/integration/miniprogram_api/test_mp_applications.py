"""After submitting, through ``/mp/v1/applications``: withdraw, supplement, resubmit, rate,
and whom ``X-Acting-For`` lets the caller see."""

from __future__ import annotations

from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.applications.acceptance import WindowDesk
from app.applications.case_models import Application, SubCase
from app.applications.context import Clock
from app.applications.review import ReviewDesk
from app.applications.states import Actor
from app.composition.runtime import Runtime
from tests.conftest import in_app
from tests.integration.application_support import PDF, Desk, assert_downloaded, new_phone
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.wallet_support import enterprise_of

Client = AsyncTestClient[Litestar]
CLERK = Actor.staff(UUID(int=7))


def _desk(client: Client) -> Desk:
    runtime: Runtime = client.app.state.runtime
    return Desk(
        runtime.sessionmaker, runtime.protector, runtime.settings.var_dir / "files", Clock()
    )


async def _submitted(
    client: Client, uploads: tuple[str, ...] = ("birth-proof", "photo"), *, commitment: bool = False
) -> tuple[str, dict[str, str], dict]:  # type: ignore[type-arg]
    """A resident (phone, bearer headers) and their application, submitted through the API."""
    desk, phone = _desk(client), new_phone()
    person = await in_app(client, desk.person, phone)

    async def draft() -> UUID:
        return (await desk.draft(person, uploads=uploads)).id

    draft_id = await in_app(client, draft)
    auth = await bearer(client, phone)
    body = {"draftId": str(draft_id), "delivery": "electronic", "commitment": commitment}
    done = await client.post("/mp/v1/applications", json=body,
                             headers={**auth, "Idempotency-Key": f"k-{draft_id.hex}"})  # fmt: skip
    assert done.status_code == 201, done.text
    return phone, auth, done.json()


async def _with_desk(client: Client, application_id: str, step: str, matter: str = "") -> None:
    """What staff do meanwhile, through their services: return, ask more, approve all."""
    desk = _desk(client)

    async def act() -> None:
        async with desk.context() as ctx:
            application = await ctx.db.get(Application, UUID(application_id))
            assert application is not None
            cases = (await ctx.db.scalars(
                select(SubCase).where(SubCase.application_id == application.id)
            )).all()  # fmt: skip
            if step == "return":
                await WindowDesk(ctx).return_for_supplement(application, CLERK, "照片不清晰")
            elif step == "ask":
                case = next(c for c in cases if c.matter_code == matter)
                await ReviewDesk(ctx).ask_supplement(case, application, CLERK, "请补充说明")
        if step == "approve":
            for code in ("certificate", "household", "insurance", "card"):
                async with desk.context() as ctx:
                    application = await ctx.db.get(Application, UUID(application_id))
                    case = await ctx.db.scalar(select(SubCase).where(
                        SubCase.application_id == UUID(application_id),
                        SubCase.matter_code == code))  # fmt: skip
                    assert application is not None
                    if case is not None and case.state == "in_review":
                        await ReviewDesk(ctx).approve(case, application, CLERK)

    await in_app(client, act)


async def test_an_applicant_withdraws_before_acceptance_once(apps: Client) -> None:
    _, auth, application = await _submitted(apps, ("birth-proof",), commitment=True)
    assert application["state"] == "submitted"  # a material follows: the window accepts it
    base = f"/mp/v1/applications/{application['id']}"
    withdrawn = await apps.post(f"{base}/withdraw", headers=auth)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["state"] == "withdrawn"
    again = await apps.post(f"{base}/withdraw", headers=auth)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


async def test_a_returned_application_gets_its_file_and_is_sent_again(apps: Client) -> None:
    _, auth, application = await _submitted(apps, ("birth-proof",), commitment=True)
    base = f"/mp/v1/applications/{application['id']}"
    early = await apps.post(f"{base}/resubmit", headers=auth)
    assert early.status_code == 409  # not returned
    await _with_desk(apps, application["id"], "return")
    returned = (await apps.get(base, headers=auth)).json()
    assert returned["state"] == "returned"
    assert returned["returnReasons"] == "照片不清晰"
    wanted = (await apps.get(f"{base}/materials", headers=auth)).json()
    assert set(wanted["wanted"]) == {"birth-proof", "photo"}
    assert [u["materialCode"] for u in wanted["uploads"]] == ["birth-proof"]
    refused = await apps.post(f"{base}/materials/photo", headers=auth,
                              files={"file": ("p.txt", b"hello", "text/plain")})  # fmt: skip
    assert refused.status_code == 422
    added = await apps.post(f"{base}/materials/photo", headers=auth,
                            files={"file": ("photo.pdf", PDF, "application/pdf")})  # fmt: skip
    assert added.status_code == 201, added.text
    file = await apps.get(f"{base}/uploads/{added.json()['id']}", headers=auth)
    assert_downloaded(file)
    assert file.content == PDF
    sent = await apps.post(f"{base}/resubmit", headers=auth)
    assert sent.status_code == 200, sent.text
    assert sent.json()["state"] == "accepted"  # nothing missing now: accepted at once


async def test_a_supplement_resumes_the_item_and_a_finished_application_is_rated_once(
    apps: Client,
) -> None:
    _, auth, application = await _submitted(apps)
    assert application["state"] == "accepted"
    base = f"/mp/v1/applications/{application['id']}"
    early = await apps.post(f"{base}/rating", json={"stars": 5}, headers=auth)
    assert early.status_code == 409  # not finished yet
    await _with_desk(apps, application["id"], "ask", "certificate")
    asked = (await apps.get(base, headers=auth)).json()
    case = next(c for c in asked["subCases"] if c["matterCode"] == "certificate")
    assert case["state"] == "supplement"
    sent = await apps.post(f"{base}/sub-cases/{case['id']}/supplement",
                           json={"note": "已补充"}, headers=auth)  # fmt: skip
    assert sent.status_code == 200, sent.text
    resumed = next(c for c in sent.json()["subCases"] if c["id"] == case["id"])
    assert resumed["state"] == "in_review"
    twice = await apps.post(f"{base}/sub-cases/{case['id']}/supplement", json={}, headers=auth)
    assert twice.status_code == 409

    await _with_desk(apps, application["id"], "approve")
    assert (await apps.get(base, headers=auth)).json()["state"] == "finished"
    before = (await apps.get(f"{base}/rating", headers={**auth, "Accept-Language": "en"})).json()
    assert before["rating"] is None
    assert {"code": "fast", "label": "Fast"} in before["tags"]
    bad = await apps.post(f"{base}/rating", json={"stars": 9, "tags": ["nice"]}, headers=auth)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"stars", "tags"}
    rated = await apps.post(f"{base}/rating", headers=auth,
                            json={"stars": 1, "tags": ["slow"], "comment": "太慢了"})  # fmt: skip
    assert rated.status_code == 201, rated.text
    assert rated.json()["rating"]["stars"] == 1
    assert rated.json()["complaint"]["state"] == "open"  # a poor rating opens a complaint
    again = await apps.post(f"{base}/rating", json={"stars": 5}, headers=auth)
    assert again.status_code == 409


async def test_another_persons_application_answers_404_on_every_step(apps: Client) -> None:
    _, mine, application = await _submitted(apps)
    base = f"/mp/v1/applications/{application['id']}"
    case = application["subCases"][0]["id"]
    theirs = await bearer(apps, new_phone())
    for method, path, body in [
        ("POST", f"{base}/withdraw", None), ("POST", f"{base}/resubmit", None),
        ("GET", f"{base}/materials", None), ("GET", f"{base}/rating", None),
        ("POST", f"{base}/rating", {"stars": 5}),
        ("POST", f"{base}/sub-cases/{case}/supplement", {}),
    ]:  # fmt: skip
        answer = await apps.request(method, path, json=body, headers=theirs)
        assert answer.status_code == 404, (method, path, answer.text)
    upload = await apps.post(f"{base}/materials/photo", headers=theirs,
                             files={"file": ("p.pdf", PDF, "application/pdf")})  # fmt: skip
    assert upload.status_code == 404
    assert (await apps.get(base, headers=mine)).json()["state"] == "accepted"


async def test_acting_for_an_enterprise_lists_only_its_applications_and_never_anothers(
    apps: Client,
) -> None:
    phone, auth, application = await _submitted(apps)
    own_enterprise, _, _ = await enterprise_of(apps, phone)
    stranger = new_phone()
    await in_app(apps, _desk(apps).person, stranger)  # a legal representative has an account
    foreign, _, _ = await enterprise_of(apps, stranger)
    mine = (await apps.get("/mp/v1/applications", headers=auth)).json()["applications"]
    assert [a["id"] for a in mine] == [application["id"]]

    acting = {**auth, "X-Acting-For": str(own_enterprise)}
    as_enterprise = await apps.get("/mp/v1/applications", headers=acting)
    assert as_enterprise.status_code == 200
    assert as_enterprise.json()["applications"] == []  # the person's own are not the firm's
    one = await apps.get(f"/mp/v1/applications/{application['id']}", headers=acting)
    assert one.status_code == 404

    for bad in (str(foreign), "not-an-id", str(UUID(int=5))):
        refused = await apps.get("/mp/v1/applications", headers={**auth, "X-Acting-For": bad})
        assert refused.status_code == 404, bad
        withdraw = await apps.post(f"/mp/v1/applications/{application['id']}/withdraw",
                                   headers={**auth, "X-Acting-For": bad})  # fmt: skip
        assert withdraw.status_code == 404
