"""The steps the ``/mp/v1`` journey tests share: a real name, the newborn bundle prepared step
by step through the API, and the departments' approvals through their own service."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

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
from tests.conftest import in_app, latest_code, make_settings
from tests.fakes.population_server import FakePopulationRecords
from tests.fakes.wechat_server import FakeClock, FakeWeChat
from tests.integration.application_support import PDF, new_phone

Client = AsyncTestClient[Litestar]
REVIEWER = Actor.staff(UUID(int=16))
WECHAT_APP_ID = "wx0123456789abcdef"
WECHAT_SECRET = "0123456789abcdef0123456789abcdef"
NEWBORN_ANSWERS = {"birth_certificate": ["pending"], "household": ["local"],
                   "maternity_insurance": ["no"]}  # fmt: skip


@pytest.fixture
def population() -> Iterator[FakePopulationRecords]:
    """A local population record source for the test."""
    with FakePopulationRecords() as fake:
        yield fake
    assert not fake.refused, fake.refused


@pytest.fixture
def wechat() -> Iterator[FakeWeChat]:
    """A local WeChat server API (``jscode2session`` …) for the test's mini-program."""
    with FakeWeChat(app_id=WECHAT_APP_ID, app_secret=WECHAT_SECRET, clock=FakeClock()) as fake:
        yield fake
    assert not fake.server.failures, fake.server.failures


@pytest.fixture
def settings(
    tmp_path: Path, migrated_database_url: str, population: FakePopulationRecords,
    wechat: FakeWeChat,
) -> Settings:  # fmt: skip
    """The app's settings, pointed at the local population records and WeChat."""
    return make_settings(
        tmp_path / "var", migrated_database_url, population_records_url=population.base_url,
        wechat_app_id=WECHAT_APP_ID, wechat_app_secret=WECHAT_SECRET,
        wechat_base_url=wechat.base_url,
    )  # fmt: skip


async def wechat_sign_in(client: Client, wechat: FakeWeChat, phone: str) -> dict[str, str]:
    """Sign in as the mini-program does: ``wx.login``'s code → ``/auth/wechat`` → a binding
    ticket → the phone proved by an SMS code → tokens. The bearer headers."""
    code = wechat.issue_login_code(openid=f"o-{secrets.token_hex(10)}")
    first = await client.post("/mp/v1/auth/wechat", json={"code": code})
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "binding_required"
    sent = await client.post("/mp/v1/auth/sms-codes", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    bound = await client.post("/mp/v1/auth/bind", json={
        "bindingTicket": first.json()["bindingTicket"], "phone": phone,
        "code": await latest_code(client),
    })  # fmt: skip
    assert bound.status_code == 200, bound.text
    assert bound.json()["status"] == "signed_in"
    return {"Authorization": f"Bearer {bound.json()['tokens']['accessToken']}"}


def today() -> date:
    """Today in China, where the dates of the form are."""
    return datetime.now(CHINA).date()


def id_number(born: date) -> str:
    """A valid resident ID number (checksum included) of someone born on ``born``."""
    base = f"430104{born:%Y%m%d}{secrets.randbelow(1000):03d}"
    return base + ric.calc_check_digit(base + "0")


def value(field: dict[str, Any], own_number: str) -> str:
    """A plausible value for a field of the merged form, by its kind."""
    kind = field["kind"]
    if kind == "date":
        return (today() - timedelta(days=3)).isoformat()
    if kind == "select":
        return str(field["options"][0]["value"])
    if kind == "boolean":
        return "no"
    if kind in ("number", "money"):
        return "1"
    if kind == "id-number":
        return own_number if "child" not in field["key"] else id_number(today())
    if kind == "phone":
        return new_phone()
    return "张小宝" if "child" in field["key"] else "测试填写"


async def verify_real_name(
    client: Client, auth: dict[str, str], population: FakePopulationRecords, name: str,
    number: str,
) -> None:  # fmt: skip
    """The bearer's real name (L2) against the local population records."""
    population.records[number] = name
    verified = await client.post("/mp/v1/me/real-name", headers=auth,
                                 json={"name": name, "idNumber": number})  # fmt: skip
    assert verified.status_code == 200, verified.text
    assert verified.json()["maskedIdNumber"] == mask_id_number(number)


async def prepare_newborn(
    client: Client, headers: dict[str, str], parent_number: str
) -> tuple[str, list[str]]:
    """The newborn bundle from start to review with ``headers`` (a bearer, perhaps
    ``X-Acting-For``): the draft's id and the matters selected."""
    started = await client.post("/mp/v1/drafts", json={"bundleCode": "newborn"}, headers=headers)
    assert started.status_code == 201, started.text
    draft_id = started.json()["id"]
    base = f"/mp/v1/drafts/{draft_id}"
    answered = await client.put(f"{base}/answers", json={"answers": NEWBORN_ANSWERS},
                                headers=headers)  # fmt: skip
    assert answered.status_code == 200, answered.text
    selected: list[str] = answered.json()["selected"]
    assert "birth-medical-certificate" in selected

    # The one notice, and consent to read the records.
    assert (await client.get(f"{base}/notice", headers=headers)).status_code == 200
    read = await client.post(f"{base}/notice/acknowledge", headers=headers)
    assert read.status_code == 200, read.text
    assert (await client.get(f"{base}/consent", headers=headers)).json()["requests"]
    consent = await client.post(f"{base}/consent", json={"agree": True}, headers=headers)
    assert consent.status_code == 200, consent.text
    assert consent.json()["consent"] == "granted"

    # The merged form: everything no record filled, typed once.
    form = (await client.get(f"{base}/form", headers=headers)).json()
    typed = {f["key"]: value(f, parent_number) for g in form["groups"] for f in g["fields"]
             if not f["readOnly"] and not f["value"]}  # fmt: skip
    saved = await client.patch(f"{base}/values", json={"values": typed, "complete": True},
                               headers=headers)  # fmt: skip
    assert saved.status_code == 200, saved.text
    assert parent_number not in saved.text  # shown masked

    # One set of materials: upload what no record or license proves, then the review.
    needs = (await client.get(f"{base}/materials", headers=headers)).json()["materials"]
    assert len({m["code"] for m in needs}) == len(needs)  # each material once
    for need in needs:
        if need["required"] and not need["proven"]:
            uploaded = await client.post(
                f"{base}/materials/{need['code']}", headers=headers,
                files={"file": (f"{need['code']}.pdf", PDF, "application/pdf")},
            )  # fmt: skip
            assert uploaded.status_code == 201, uploaded.text
    finished = await client.post(f"{base}/review", headers=headers)
    assert finished.json()["stage"] == "review", finished.text
    return draft_id, selected


async def approve_everything(client: Client, application_id: UUID) -> str:
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


async def applications_of(client: Client, draft_id: str) -> int:
    """How many applications were made from the draft."""
    runtime: Runtime = client.app.state.runtime

    async def count() -> int:
        async with runtime.sessionmaker() as db:
            query = select(func.count()).select_from(Application)
            return int(await db.scalar(query.where(Application.draft_id == UUID(draft_id))) or 0)

    return await in_app(client, count)
