"""免申即享: consenting residents are offered what their records entitle them to, once."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.benefits.jobs import run_benefit_checks
from app.benefits.models import BenefitOffer
from app.composition.runtime import Runtime
from app.records.exchange import DemoRecordExchange
from app.worker import check_benefits, worker_options
from tests.conftest import csrf_token, in_app, sign_in_as
from tests.integration.records_support import new_id_number, new_phone, resident, write_records

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}


async def _verified(client: Client, phone: str, id_number: str) -> UUID:
    runtime: Runtime = client.app.state.runtime

    async def verify() -> UUID:
        async with runtime.sessionmaker() as db, db.begin():
            return (await resident(db, runtime.protector, phone=phone, id_number=id_number)).id

    return await in_app(client, verify)


async def _run_checks(client: Client, records: Path) -> int:
    runtime: Runtime = client.app.state.runtime
    exchange = DemoRecordExchange(records)

    async def run() -> int:
        return await run_benefit_checks(
            runtime.sessionmaker, records_exchange=exchange, protector=runtime.protector
        )

    return await in_app(client, run)


async def _offers_of(client: Client, person_id: UUID) -> list[BenefitOffer]:
    runtime: Runtime = client.app.state.runtime

    async def load() -> list[BenefitOffer]:
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(select(BenefitOffer).where(BenefitOffer.person_id == person_id))
            return list(rows)

    return await in_app(client, load)


async def _answer(client: Client, offer_id: UUID, decision: str, note: str = "") -> int:
    token = await csrf_token(client)
    answer = await client.post(
        f"/me/benefits/{offer_id}",
        data={"decision": decision, "note": note, "_csrf_token": token},
        headers=EN,
        follow_redirects=False,
    )
    return answer.status_code


async def test_an_elderly_disabled_resident_who_agreed_is_offered_both_benefits_once(
    client: Client, tmp_path: Path
) -> None:
    elder, silent = new_phone(), new_phone()
    elder_number, silent_number = new_id_number(), new_id_number()
    silent_id = await _verified(client, silent, silent_number)
    elder_id = await _verified(client, elder, elder_number)
    records = write_records(
        tmp_path,
        ("population", elder_number, {"birth_date": "1940-02-01"}),
        ("disability", elder_number, {"grade": "二级"}),
        ("population", silent_number, {"birth_date": "1930-01-01"}),
    )
    await sign_in_as(client, elder)
    token = await csrf_token(client)
    agreed = await client.post("/me/benefits/checks", data={"_csrf_token": token})
    assert agreed.status_code == 200

    assert await _run_checks(client, records) == 2
    assert await _run_checks(client, records) == 0  # the job is idempotent
    assert {o.benefit_code for o in await _offers_of(client, elder_id)} == {
        "old-age-allowance",
        "disability-living-subsidy",
    }
    assert await _offers_of(client, silent_id) == []  # no consent, no check, no offer

    page = await client.get("/me/benefits", headers=EN)
    assert "Old-age allowance" in page.text
    assert "Population and household register" in page.text  # why: the record,
    assert "Date of birth" in page.text  # its field,
    assert "2026-11-01" in page.text  # and the record's date
    data_use = await client.get("/me/data-use", headers=EN)
    assert "Disability certificates" in data_use.text


async def test_an_offer_is_answered_once_and_a_dispute_needs_a_note(
    client: Client, tmp_path: Path
) -> None:
    phone, number = new_phone(), new_id_number()
    person_id = await _verified(client, phone, number)
    records = write_records(tmp_path, ("disability", number, {"grade": "一级"}))
    await sign_in_as(client, phone)
    await client.post("/me/benefits/checks", data={"_csrf_token": await csrf_token(client)})
    await _run_checks(client, records)
    (offer,) = await _offers_of(client, person_id)

    assert await _answer(client, offer.id, "disputed") == 422
    assert await _answer(client, offer.id, "maybe") == 422
    assert await _answer(client, offer.id, "disputed", "等级已调整为三级") == 303
    assert await _answer(client, offer.id, "accepted") == 409
    (answered,) = await _offers_of(client, person_id)
    assert answered.status == "disputed"
    assert answered.dispute_note == "等级已调整为三级"


async def test_a_grade_the_rule_does_not_name_brings_no_offer_and_others_offers_are_404(
    client: Client, tmp_path: Path
) -> None:
    owner, other = new_phone(), new_phone()
    owner_number, other_number = new_id_number(), new_id_number()
    owner_id = await _verified(client, owner, owner_number)
    other_id = await _verified(client, other, other_number)
    records = write_records(
        tmp_path,
        ("disability", owner_number, {"grade": "一级"}),
        ("disability", other_number, {"grade": "四级"}),
    )
    for phone in (owner, other):
        await sign_in_as(client, phone)
        await client.post("/me/benefits/checks", data={"_csrf_token": await csrf_token(client)})
    await _run_checks(client, records)
    assert await _offers_of(client, other_id) == []
    (offer,) = await _offers_of(client, owner_id)
    assert await _answer(client, offer.id, "accepted") == 404  # signed in as the other person


def test_the_worker_checks_benefits_every_night() -> None:
    from tests.conftest import make_settings

    options = worker_options(make_settings(Path("/tmp")), engine=None, parts={})  # type: ignore[arg-type]
    assert check_benefits in options["functions"]
    assert any(job.coroutine is check_benefits for job in options["cron_jobs"])


async def test_an_enterprise_whose_member_agreed_is_offered_the_job_stabilisation_refund(
    client: Client, tmp_path: Path
) -> None:
    from tests.integration.wallet_support import enterprise_of

    representative = new_phone()
    await sign_in_as(client, representative)
    enterprise_id, code, _ = await enterprise_of(client, representative)
    records = write_records(
        tmp_path, ("tax", code, {"taxpayer_status": "正常", "outstanding_tax": "无"})
    )
    token = await csrf_token(client)
    form = {"enterprise_id": str(enterprise_id), "next": "/me", "_csrf_token": token}
    await client.post("/me/acting-as", data=form)
    await client.post("/me/benefits/checks", data={"_csrf_token": token})

    assert await _run_checks(client, records) >= 1
    page = await client.get("/me/benefits", headers=EN)
    assert "Job-stabilisation refund" in page.text
    await client.post("/me/acting-as", data={**form, "enterprise_id": ""})
    assert "Job-stabilisation refund" not in (await client.get("/me/benefits", headers=EN)).text
