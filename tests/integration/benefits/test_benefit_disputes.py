"""免申即享异议处理: staff of the rule's department (or a supervisor) answer an objection."""

from __future__ import annotations

import re
from pathlib import Path
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.benefits.disputes import answered_key
from app.benefits.models import BenefitOffer, DisputeOutcome, OfferStatus
from app.composition.runtime import Runtime
from app.notices.models import DeliveryChannel, DeliveryStatus, Notice
from tests.conftest import csrf_token, forget_code_cooldown, in_app, sign_in_as
from tests.integration.benefits.test_benefits import _answer, _offers_of, _run_checks, _verified
from tests.integration.notice_support import deliveries_of
from tests.integration.records_support import new_id_number, new_phone, write_records
from tests.integration.staff_support import create_staff, sign_in_staff

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}
QUEUE = "/staff/benefit-disputes"
OBJECTION = "残疾等级已于上月调整为三级"
_NOTICE_FORM = re.compile(r'action="/me/notices/([0-9a-f-]{36})/read"')


async def _disputed_offer(client: Client, tmp_path: Path) -> tuple[str, UUID, BenefitOffer]:
    """A resident offered the disability living subsidy, who disputes it: (phone, id, offer)."""
    phone, number = new_phone(), new_id_number()
    person_id = await _verified(client, phone, number)
    records = write_records(tmp_path, ("disability", number, {"grade": "一级"}))
    await sign_in_as(client, phone)
    await client.post("/me/benefits/checks", data={"_csrf_token": await csrf_token(client)})
    await _run_checks(client, records)
    (offer,) = await _offers_of(client, person_id)
    assert await _answer(client, offer.id, "disputed", OBJECTION) == 303
    return phone, person_id, offer


async def _back_as(client: Client, phone: str) -> None:
    """Sign the resident in again (staff signing in ended their session)."""
    await forget_code_cooldown(client, phone)
    await sign_in_as(client, phone)


async def _staff_answer(client: Client, offer_id: UUID, outcome: str, reasons: str) -> int:
    answer = await client.post(
        f"{QUEUE}/{offer_id}",
        data={"outcome": outcome, "reasons": reasons, "_csrf_token": await csrf_token(client)},
        follow_redirects=False,
    )
    return answer.status_code


async def _notice_about(client: Client, offer_id: UUID) -> Notice | None:
    runtime: Runtime = client.app.state.runtime

    async def load() -> Notice | None:
        async with runtime.sessionmaker() as db:
            return await db.scalar(select(Notice).where(Notice.offer_id == offer_id))

    return await in_app(client, load)


async def test_the_rules_department_rejects_an_objection_and_the_resident_hears_and_may_accept(
    client: Client, tmp_path: Path
) -> None:
    resident, person_id, offer = await _disputed_offer(client, tmp_path)

    reviewer = await create_staff(
        client, role="reviewer", department_code="disabled-persons-federation"
    )
    await sign_in_staff(client, reviewer.username)
    queue = await client.get(QUEUE)
    assert queue.status_code == 200
    assert f'href="{QUEUE}/{offer.id}"' in queue.text
    assert "困难残疾人生活补贴" in queue.text
    page = await client.get(f"{QUEUE}/{offer.id}")
    assert page.status_code == 200
    assert OBJECTION in page.text
    english = await client.get(f"{QUEUE}/{offer.id}", headers=EN)
    assert "Disability certificates" in english.text  # why: the record named, not its value
    assert "一级" not in page.text

    assert await _staff_answer(client, offer.id, "rejected", " ") == 422
    assert await _staff_answer(client, offer.id, "perhaps", "理由") == 422
    assert await _staff_answer(client, offer.id, "rejected", "经核实，等级仍为一级。") == 303
    assert await _staff_answer(client, offer.id, "upheld", "再答一次") == 409
    assert f'href="{QUEUE}/{offer.id}"' not in (await client.get(QUEUE)).text

    (answered,) = await _offers_of(client, person_id)
    assert answered.status == OfferStatus.OFFERED  # open again for the resident
    assert answered.dispute_outcome == DisputeOutcome.REJECTED
    assert answered.dispute_answer == "经核实，等级仍为一级。"
    assert answered.dispute_answered_by_id == reviewer.id
    assert answered.dispute_answered_at is not None
    assert answered.dispute_note == OBJECTION  # the objection stays on record

    notice = await _notice_about(client, offer.id)
    assert notice is not None
    assert notice.person_id == person_id
    assert notice.subject_key == answered_key(offer.id)
    runtime: Runtime = client.app.state.runtime
    deliveries = await in_app(client, deliveries_of, runtime.sessionmaker, notice.id)
    assert deliveries[DeliveryChannel.IN_APP].status == DeliveryStatus.SENT
    # The inbox row and exactly one push (pending, or already sent by SMS: no app is bound).
    [push] = set(deliveries) - {DeliveryChannel.IN_APP}
    assert push in {DeliveryChannel.PUSH, DeliveryChannel.SMS}

    await _back_as(client, resident)
    inbox = await client.get("/messages")
    assert "您的异议已有答复" in inbox.text
    [notice_id] = _NOTICE_FORM.findall(inbox.text)
    opened = await client.post(
        f"/me/notices/{notice_id}/read", data={"_csrf_token": await csrf_token(client)},
        follow_redirects=False,
    )  # fmt: skip
    assert opened.headers["location"] == f"/me/benefits#offer-{offer.id}"
    mine = await client.get("/me/benefits", headers=EN)
    assert "Your objection was not upheld" in mine.text
    assert "经核实，等级仍为一级。" in mine.text
    assert await _answer(client, offer.id, "disputed", "again") == 409  # answered once
    assert await _answer(client, offer.id, "accepted") == 303


async def test_a_supervisor_upholds_an_objection_and_the_offer_is_withdrawn(
    client: Client, tmp_path: Path
) -> None:
    resident, person_id, offer = await _disputed_offer(client, tmp_path)
    supervisor = await create_staff(client, role="supervisor")
    await sign_in_staff(client, supervisor.username)
    assert f'href="{QUEUE}/{offer.id}"' in (await client.get(QUEUE)).text
    assert await _staff_answer(client, offer.id, "upheld", "记录有误，已通知更正。") == 303

    (answered,) = await _offers_of(client, person_id)
    assert answered.status == OfferStatus.WITHDRAWN
    assert answered.dispute_outcome == DisputeOutcome.UPHELD
    assert answered.dispute_answered_by_id == supervisor.id
    assert await _notice_about(client, offer.id) is not None

    await _back_as(client, resident)
    mine = await client.get("/me/benefits", headers=EN)
    assert "Your objection was upheld" in mine.text
    assert "Withdrawn" in mine.text
    assert await _answer(client, offer.id, "accepted") == 409


async def test_other_departments_and_other_roles_find_no_objection(
    client: Client, tmp_path: Path
) -> None:
    _, person_id, offer = await _disputed_offer(client, tmp_path)

    other = await create_staff(client, role="reviewer", department_code="civil-affairs")
    await sign_in_staff(client, other.username)
    assert f"{QUEUE}/{offer.id}" not in (await client.get(QUEUE)).text
    assert (await client.get(f"{QUEUE}/{offer.id}")).status_code == 404
    assert await _staff_answer(client, offer.id, "upheld", "不归我管") == 404

    clerk = await create_staff(client, role="window_clerk")
    await sign_in_staff(client, clerk.username, steps_ahead=1)
    assert (await client.get(QUEUE)).status_code == 404
    assert (await client.get(f"{QUEUE}/{offer.id}")).status_code == 404

    (untouched,) = await _offers_of(client, person_id)
    assert untouched.status == OfferStatus.DISPUTED
    assert untouched.dispute_outcome is None
    assert await _notice_about(client, offer.id) is None


async def test_residents_cannot_reach_the_staff_queue(client: Client, tmp_path: Path) -> None:
    await _disputed_offer(client, tmp_path)  # signed in as the resident
    response = await client.get(QUEUE, follow_redirects=False)
    assert response.status_code in (303, 302, 401, 403, 404)
    assert "/staff/sign-in" in response.headers.get("location", "/staff/sign-in")
