"""新生儿出生一件事 from sign-in to a verified QR card, through ``/mp/v1`` alone (issue 16).

A resident signs in by SMS, verifies their real name, prepares the real newborn bundle
(questions, the one notice, consent, the merged form, one set of materials, the review),
submits twice with one ``Idempotency-Key``, and — once the departments have approved every
item through their services — finds the notice in the inbox, the licenses in the wallet,
shows a card that a second, anonymous client verifies, and rates the service. No answer is
a server error.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from stdnum.cn import ric

from app.applications.calendar import CHINA
from app.applications.case_models import Application, SubCase
from app.applications.context import CaseContext
from app.applications.review import ReviewDesk
from app.applications.states import Actor
from app.composition.runtime import Runtime
from app.config import Settings
from app.privacy import mask_id_number
from tests.conftest import in_app, make_settings
from tests.fakes.population_server import FakePopulationRecords
from tests.integration.application_support import PDF, new_phone
from tests.integration.miniprogram_api.test_mp_drafts import bearer
from tests.integration.miniprogram_api.test_mp_wallet import anonymous

Client = AsyncTestClient[Litestar]
REVIEWER = Actor.staff(UUID(int=16))


@pytest.fixture
def population() -> Iterator[FakePopulationRecords]:
    """A local population record source for this test."""
    with FakePopulationRecords() as fake:
        yield fake
    assert not fake.refused, fake.refused


@pytest.fixture
def settings(
    tmp_path: Path, migrated_database_url: str, population: FakePopulationRecords
) -> Settings:
    """The app's settings, pointed at the local population record source."""
    return make_settings(
        tmp_path / "var", migrated_database_url, population_records_url=population.base_url
    )


def _today() -> date:
    return datetime.now(CHINA).date()


def _id_number(born: date) -> str:
    base = f"430104{born:%Y%m%d}{secrets.randbelow(1000):03d}"
    return base + ric.calc_check_digit(base + "0")


def _value(field: dict[str, Any], id_number: str) -> str:
    """A plausible value for a field of the merged form, by its kind."""
    kind = field["kind"]
    if kind == "date":
        return (_today() - timedelta(days=3)).isoformat()
    if kind == "select":
        return str(field["options"][0]["value"])
    if kind == "boolean":
        return "no"
    if kind in ("number", "money"):
        return "1"
    if kind == "id-number":
        return id_number if "child" not in field["key"] else _id_number(_today())
    if kind == "phone":
        return new_phone()
    return "张小宝" if "child" in field["key"] else "测试填写"


async def _approve_everything(client: Client, application_id: UUID) -> str:
    """Each department approves its item as it comes up (dependencies start later ones)."""
    runtime: Runtime = client.app.state.runtime

    async def approve() -> str:
        while True:
            async with runtime.sessionmaker() as db, db.begin():
                ctx = CaseContext(
                    db=db, catalog=runtime.catalog.catalog, protector=runtime.protector,
                    calendar=runtime.calendar, storage=runtime.storage, rules=runtime.rules,
                    license_types=runtime.catalog.licenses,
                )  # fmt: skip
                application = await db.get(Application, application_id)
                assert application is not None
                case = await db.scalar(select(SubCase).where(
                    SubCase.application_id == application_id, SubCase.state == "in_review",
                ).limit(1))  # fmt: skip
                if case is None:
                    return str(application.state)
                await ReviewDesk(ctx).approve(case, application, REVIEWER)

    return await in_app(client, approve)


async def _applications_of(client: Client, draft_id: str) -> int:
    runtime: Runtime = client.app.state.runtime

    async def count() -> int:
        async with runtime.sessionmaker() as db:
            query = select(func.count()).select_from(Application)
            return int(await db.scalar(query.where(Application.draft_id == UUID(draft_id))) or 0)

    return await in_app(client, count)


async def test_a_newborn_journey_runs_through_the_mini_program_api_alone(
    client: Client, population: FakePopulationRecords
) -> None:
    statuses: list[tuple[int, str]] = []

    async def seen(response: httpx.Response) -> None:
        statuses.append((response.status_code, response.request.url.path))

    client.event_hooks["response"].append(seen)
    phone, parent_number = new_phone(), _id_number(date(1992, 5, 17))
    population.records[parent_number] = "王芳"

    # Session (SMS) and real name (L2): without it the consent to read records is refused.
    auth = await bearer(client, phone)
    verified = await client.post("/mp/v1/me/real-name", headers=auth,
                                 json={"name": "王芳", "idNumber": parent_number})  # fmt: skip
    assert verified.status_code == 200, verified.text
    assert verified.json()["maskedIdNumber"] == mask_id_number(parent_number)

    # Draft, questions, the one notice, consent.
    started = await client.post("/mp/v1/drafts", json={"bundleCode": "newborn"}, headers=auth)
    assert started.status_code == 201, started.text
    draft_id = started.json()["id"]
    base = f"/mp/v1/drafts/{draft_id}"
    answers = {"birth_certificate": ["pending"], "household": ["local"],
               "maternity_insurance": ["no"]}  # fmt: skip
    answered = await client.put(f"{base}/answers", json={"answers": answers}, headers=auth)
    assert answered.status_code == 200, answered.text
    selected = answered.json()["selected"]
    assert "birth-medical-certificate" in selected
    notice = await client.get(f"{base}/notice", headers=auth)
    assert notice.status_code == 200
    assert (await client.post(f"{base}/notice/acknowledge", headers=auth)).status_code == 200
    assert (await client.get(f"{base}/consent", headers=auth)).json()["requests"]
    consent = await client.post(f"{base}/consent", json={"agree": True}, headers=auth)
    assert consent.status_code == 200, consent.text
    assert consent.json()["consent"] == "granted"

    # The merged form: everything no record filled, typed once.
    form = (await client.get(f"{base}/form", headers=auth)).json()
    typed = {f["key"]: _value(f, parent_number) for g in form["groups"] for f in g["fields"]
             if not f["readOnly"] and not f["value"]}  # fmt: skip
    saved = await client.patch(f"{base}/values", json={"values": typed, "complete": True},
                               headers=auth)  # fmt: skip
    assert saved.status_code == 200, saved.text
    assert parent_number not in saved.text  # shown masked

    # One set of materials: upload what no record or license proves, then the review.
    needs = (await client.get(f"{base}/materials", headers=auth)).json()["materials"]
    assert len({m["code"] for m in needs}) == len(needs)  # each material once
    for need in needs:
        if need["required"] and not need["proven"]:
            uploaded = await client.post(
                f"{base}/materials/{need['code']}", headers=auth,
                files={"file": (f"{need['code']}.pdf", PDF, "application/pdf")},
            )  # fmt: skip
            assert uploaded.status_code == 201, uploaded.text
    assert (await client.post(f"{base}/review", headers=auth)).json()["stage"] == "review"
    review = (await client.get(f"{base}/review", headers=auth)).json()
    assert review["toFollow"] == []
    assert "electronic" in review["deliveries"]

    # Submit twice with one key: one application.
    keyed = {**auth, "Idempotency-Key": f"newborn-{secrets.token_hex(8)}"}
    body = {"draftId": draft_id, "delivery": "electronic"}
    first = await client.post("/mp/v1/applications", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    again = await client.post("/mp/v1/applications", json=body, headers=keyed)
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert await _applications_of(client, draft_id) == 1
    application = first.json()
    assert application["state"] == "accepted"  # complete: accepted at once, dispatched
    assert {c["matterCode"] for c in application["subCases"]} == set(selected)

    # The departments approve every item.
    assert await _approve_everything(client, UUID(application["id"])) == "finished"
    done = (await client.get(f"/mp/v1/applications/{application['id']}", headers=auth)).json()
    assert done["state"] == "finished"
    assert {c["state"] for c in done["subCases"]} == {"approved"}

    # The inbox has the news, the wallet the licenses.
    inbox = (await client.get("/mp/v1/notices", headers=auth)).json()
    about = [n for n in inbox["notices"] if n["applicationId"] == application["id"]]
    assert about, inbox
    licenses = (await client.get("/mp/v1/licenses", headers=auth)).json()["licenses"]
    certificate = next(lic for lic in licenses if lic["licenseType"] == "birth-medical-certificate")
    assert certificate["status"] == "issued"

    # A card, verified by a second client with nobody signed in.
    card = await client.post(f"/mp/v1/licenses/{certificate['id']}/cards", headers=auth,
                             json={"fields": ["name"]})  # fmt: skip
    assert card.status_code == 201, card.text
    async with anonymous(client) as verifier:
        checked = await verifier.post("/verify", json={"token": card.json()["token"]})
    assert checked.status_code == 200, checked.text
    assert checked.json()["result"] == "authentic"
    assert checked.json()["disclosed"] == [
        {"field": "name", "label": checked.json()["disclosed"][0]["label"], "value": "张小宝"}
    ]

    # And the service is rated.
    rated = await client.post(f"/mp/v1/applications/{application['id']}/rating",
                              json={"stars": 5, "tags": ["fast"]}, headers=auth)  # fmt: skip
    assert rated.status_code == 201, rated.text

    assert len(statuses) > 20
    assert [s for s in statuses if s[0] >= 500] == []
    assert all(s[1].startswith(("/mp/v1/", "/verify")) for s in statuses)
